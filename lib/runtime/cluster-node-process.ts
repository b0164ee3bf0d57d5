import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Cluster } from '../cluster/cluster.js'
import type { Group } from '../cluster/cpg-api.js'
import { ckptAwait, ckptBench, ckptFill, lockBench, lockContend } from './cluster-node-locks.js'
import { type ChildMessage, type ClusterNodeSpec, monotonicMs, type ParentMessage } from './node-protocol.js'

/**
 * A ts-ha node as its own OS process, built on the public API (Cluster, CPG,
 * quorum), controlled by the parent over IPC:
 * `node dist/lib/runtime/cluster-node-process.js <spec.json>`.
 */
const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ClusterNodeSpec
const cluster = new Cluster(spec.options)
const self = spec.options.nodeId
interface Joined {
  readonly group: Group
  readonly hash: ReturnType<typeof createHash>
  readonly digest: { count: number; bytes: number; firstAt: number; lastAt: number; fifoViolations: number; perOrigin: Record<number, number> }
  readonly last: Map<number, number>
}
const groups = new Map<string, Joined>()
let counter = 0
let latencyUs: number[] = []

function tell(message: ChildMessage): void {
  process.send?.(message)
}

cluster.on('membership', (e) => {
  tell({ t: 'membership', ringSeq: Number(e.ringId.seq), members: e.members.map((m) => m.nodeId), joined: e.joined.map((m) => m.nodeId), left: e.left.map((m) => m.nodeId), at: monotonicMs() })
})
cluster.on('quorum', (q) => { tell({ t: 'quorum', quorate: q.quorate, votes: q.votes, expectedVotes: q.expectedVotes, quorum: q.quorum, at: monotonicMs() }) })
cluster.on('warning', (w) => { tell({ t: 'warning', code: w.code, message: w.message, at: monotonicMs() }) })

async function join(name: string): Promise<void> {
  const group = await cluster.cpg.join(name)
  const entry: Joined = { group, hash: createHash('sha256'), digest: { count: 0, bytes: 0, firstAt: 0, lastAt: 0, fifoViolations: 0, perOrigin: {} }, last: new Map() }
  groups.set(name, entry)
  group.on('message', (data) => {
    const now = monotonicMs()
    const origin = data.readUInt32LE(0)
    const n = data.readUInt32LE(4)
    entry.hash.update(data.subarray(0, 8))
    const d = entry.digest
    d.count++
    d.bytes += data.length
    if (d.firstAt === 0) d.firstAt = now
    d.lastAt = now
    d.perOrigin[origin] = (d.perOrigin[origin] ?? 0) + 1
    const last = entry.last.get(origin)
    if (last !== undefined && n !== last + 1) d.fifoViolations++
    entry.last.set(origin, n)
    if (origin === self && latencyUs.length < 1_000_000) latencyUs.push((now - data.readDoubleLE(8)) * 1000)
    if (spec.reportDeliveries === true) tell({ t: 'deliver', origin, counter: n, at: now })
  })
  group.on('confchg', (c) => { tell({ t: 'cpg-confchg', group: name, members: c.members.map((m) => m.nodeId), at: monotonicMs() }) })
  tell({ t: 'cpg-joined', group: name, memberId: group.memberId })
}

function message(size: number): Buffer {
  const payload = Buffer.alloc(Math.max(16, size))
  payload.writeUInt32LE(self, 0)
  payload.writeUInt32LE(counter++, 4)
  payload.writeDoubleLE(monotonicMs(), 8)
  return payload
}

async function send(m: Extract<ParentMessage, { t: 'cpg-send' }>): Promise<void> {
  const group = groups.get(m.group)!.group
  const startAt = monotonicMs()
  const inFlight: Promise<void>[] = []
  for (let i = 0; i < m.count; i++) {
    if (m.ratePerSec > 0) {
      const wait = startAt + (i * 1000) / m.ratePerSec - monotonicMs()
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    }
    inFlight.push(group.send(message(m.size), { guarantee: m.guarantee }))
    // Bound what this producer keeps in flight; the library itself never buffers without bound.
    if (inFlight.length >= 256) await Promise.all(inFlight.splice(0))
  }
  await Promise.all(inFlight)
  tell({ t: 'sent', sent: m.count, refused: 0, startAt, endAt: monotonicMs() })
}

/** Sends as fast as the library admits for `durationMs`, keeping a bounded number of sends in flight. */
/** Sends kept in flight by the flood: enough to fill the Totem window, few enough to stay cheap. */
const FLOOD_IN_FLIGHT = 512

async function flood(m: Extract<ParentMessage, { t: 'cpg-flood' }>): Promise<void> {
  const group = groups.get(m.group)!.group
  const startAt = monotonicMs()
  // A counter and one waiter, not Promise.race over the in-flight set: racing 512
  // promises per send attaches 512 reactions each time and the sender drowns in them.
  let inFlight = 0
  let wake: (() => void) | undefined
  const settled = (): void => {
    inFlight--
    const w = wake
    wake = undefined
    w?.()
  }
  let sent = 0
  while (monotonicMs() - startAt < m.durationMs) {
    inFlight++
    sent++
    group.send(message(m.size), { guarantee: m.guarantee }).then(settled, settled)
    if (inFlight >= FLOOD_IN_FLIGHT) await new Promise<void>((resolve) => { wake = resolve })
  }
  while (inFlight > 0) await new Promise<void>((resolve) => { wake = resolve })
  tell({ t: 'sent', sent, refused: 0, startAt, endAt: monotonicMs() })
}

async function handle(m: ParentMessage): Promise<void> {
  switch (m.t) {
    case 'cpg-join': return join(m.group)
    case 'cpg-send': return send(m)
    case 'cpg-flood': return flood(m)
    case 'lock-contend': return lockContend(cluster, m, tell)
    case 'lock-bench': return lockBench(cluster, m, tell)
    case 'ckpt-bench': return ckptBench(cluster, m, tell)
    case 'ckpt-fill': return ckptFill(cluster, m, tell)
    case 'ckpt-await': return ckptAwait(cluster, m, tell)
    case 'latency-reset': latencyUs = []; return
    case 'cpg-digest': {
      const entry = groups.get(m.group)!
      tell({ t: 'digest', digest: { ...entry.digest, hash: entry.hash.copy().digest('hex').slice(0, 16), perOrigin: { ...entry.digest.perOrigin } } })
      return
    }
    case 'block': {
      const until = monotonicMs() + m.ms
      while (monotonicMs() < until) { /* the application hogs its event loop */ }
      tell({ t: 'blocked', ms: m.ms })
      return
    }
    case 'stats':
      tell({ t: 'stats', stats: Object.fromEntries(cluster.cmap.keys('runtime.').map((k) => [k, String(cluster.cmap.get(k))])), rssBytes: process.memoryUsage.rss(), peakRssBytes: process.resourceUsage().maxRSS * 1024, latencyUs })
      return
    case 'stop':
      await cluster.stop()
      process.exit(0)
    // eslint-disable-next-line no-fallthrough
    default:
      tell({ t: 'error', message: `unsupported command ${m.t}` })
  }
}

process.on('message', (m: ParentMessage) => { handle(m).catch((error: unknown) => { tell({ t: 'error', message: String(error) }) }) })
process.on('disconnect', () => { void cluster.stop().then(() => process.exit(0)) })
cluster.start().then(() => { tell({ t: 'ready', pid: process.pid, at: monotonicMs() }) }, (error: unknown) => {
  tell({ t: 'error', message: String(error) })
  process.exit(1)
})
