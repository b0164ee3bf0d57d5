import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { monotonicMs, type ChildMessage, type ParentMessage } from '../lib/runtime/node-protocol.js'
import { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import type { NetnsTopology } from '../test/support/netns.js'
import type { RedlockReply, RedlockRequest } from './redlock-client.js'
import type { BenchEnv } from './setup.js'
import { percentile } from './stats.js'

/** One lock or write workload: cycles (or writes) completed, over the wall time, with per-cycle latencies. */
export interface CycleResult {
  readonly count: number
  readonly elapsedMs: number
  readonly perSec: number
  readonly p50Us: number
  readonly p99Us: number
}

export interface CheckpointResult extends CycleResult {
  readonly size: number
  readonly mbPerSec: number
}

export interface SyncResult {
  readonly bytes: number
  /** Node 1 writing the checkpoint while only nodes 1 and 2 run. */
  readonly fillMs: number
  readonly startToJoinMs: number
  readonly joinToReadyMs: number
  readonly startToReadyMs: number
  /** Uncontended lock cycles on node 1 while node 3 received the checkpoint. */
  readonly locksDuringSync: CycleResult
  /** [ms since node 3 joined the ring, cycles] per node-1 batch, to see whether locks stalled or merely slowed. */
  readonly lockTimeline: readonly (readonly [number, number])[]
}

export function summarize(latenciesUs: readonly number[], count: number, elapsedMs: number): CycleResult {
  return { count, elapsedMs, perSec: count / (elapsedMs / 1000), p50Us: percentile(latenciesUs, 50), p99Us: percentile(latenciesUs, 99) }
}

/** Like ProcessCluster.request, but a node's `error` (or its exit) fails at once instead of after the timeout. */
export async function ask<T extends ChildMessage['t']>(cluster: ProcessCluster, id: NodeId, message: ParentMessage, reply: T,
  timeoutMs: number): Promise<Extract<ChildMessage, { t: T }>> {
  const from = cluster.events.length
  cluster.send(id, message)
  let found: ChildMessage | undefined
  let failed: string | undefined
  await cluster.waitFor(() => {
    for (let i = from; i < cluster.events.length; i++) {
      const e = cluster.events[i]!
      if (e.node !== id) continue
      if (e.message.t === reply) { found = e.message; return true }
      if (e.message.t === 'error') { failed = e.message.message; return true }
    }
    if (cluster.pid(id) === undefined) { failed = 'the node process exited'; return true }
    return false
  }, timeoutMs, `node ${id} to answer ${message.t}`)
  if (found === undefined) throw new Error(`node ${id}, ${message.t}: ${failed}`)
  return found as Extract<ChildMessage, { t: T }>
}

function lastOf<T extends ChildMessage['t']>(cluster: ProcessCluster, id: NodeId, t: T): Extract<ChildMessage, { t: T }> | undefined {
  for (let i = cluster.events.length - 1; i >= 0; i--) {
    const e = cluster.events[i]!
    if (e.node === id && e.message.t === t) return e.message as Extract<ChildMessage, { t: T }>
  }
  return undefined
}

/** Every listed node sees exactly them as members, and quorum (locks and checkpoint writes need it). */
export async function waitForQuorateRing(cluster: ProcessCluster, ids: readonly NodeId[], timeoutMs: number): Promise<void> {
  const want = [...ids].sort((a, b) => a - b).join(',')
  await cluster.waitFor(() => ids.every((id) =>
    [...(lastOf(cluster, id, 'membership')?.members ?? [])].sort((a, b) => a - b).join(',') === want &&
    lastOf(cluster, id, 'quorum')?.quorate === true), timeoutMs, `a quorate ring [${want}]`)
}

/**
 * freshCluster for the public API without the CPG group, and with only
 * `running` started: the others stay configured members that can be started
 * later (the sync measurement).
 */
export async function lockCluster(env: BenchEnv, net: NetnsTopology | undefined, running: readonly NodeId[]): Promise<ProcessCluster> {
  const cluster = new ProcessCluster({
    nodeIds: env.ids, port: env.port, clusterName: 'bench-locks', totem: env.totem, program: 'cluster',
    ...(net === undefined ? {} : { addr: (id: NodeId) => net.addr(id), namespace: (id: NodeId) => net.ns(id) }),
  })
  try {
    await Promise.all(running.map((id) => cluster.start(id)))
    await waitForQuorateRing(cluster, running, 30_000)
  } catch (error) {
    await cluster.close()
    throw error
  }
  return cluster
}

/** `contenders` per node on one lock, all nodes at once, until `count` cycles per node or `durationMs`. */
export async function lockCycles(cluster: ProcessCluster, ids: readonly NodeId[], name: string, contenders: number,
  count: number, durationMs: number): Promise<CycleResult> {
  const results = await Promise.all(ids.map((id) =>
    ask(cluster, id, { t: 'lock-bench', name, contenders, count, durationMs }, 'bench-result', durationMs + 60_000)))
  return summarize(results.flatMap((r) => r.latenciesUs), results.reduce((n, r) => n + r.count, 0), Math.max(...results.map((r) => r.elapsedMs)))
}

export async function checkpointWrites(cluster: ProcessCluster, id: NodeId, size: number, count: number, durationMs: number): Promise<CheckpointResult> {
  const r = await ask(cluster, id, { t: 'ckpt-bench', name: `w${size}`, size, count, durationMs }, 'bench-result', durationMs + 60_000)
  const s = summarize(r.latenciesUs, r.count, r.elapsedMs)
  return { ...s, size, mbPerSec: (s.perSec * size) / 1e6 }
}

/** Back-to-back short lock-bench batches on one node, so the ones overlapping a window can be picked afterwards. */
interface Batch { readonly from: number; readonly to: number; readonly result: Extract<ChildMessage, { t: 'bench-result' }> }

const BATCH_MS = 200

/**
 * Nodes 1 and 2 run; node 1 fills a checkpoint of `sections` × `size` bytes;
 * node 3 starts and waits until the last section is readable there, while
 * node 1 keeps taking and releasing a lock.
 */
export async function measureSync(env: BenchEnv, net: NetnsTopology | undefined, sections: number, size: number): Promise<SyncResult> {
  const [first, second, late] = env.ids as [NodeId, NodeId, NodeId]
  const cluster = await lockCluster(env, net, [first, second])
  try {
    const fill = await ask(cluster, first, { t: 'ckpt-fill', name: 'sync', sections, size }, 'bench-result', 180_000)
    const batches: Batch[] = []
    let done = false
    const traffic = (async () => {
      const stopAt = monotonicMs() + 300_000
      while (!done && monotonicMs() < stopAt) {
        const from = monotonicMs()
        const result = await ask(cluster, first, { t: 'lock-bench', name: 'during-sync', contenders: 1, count: 1_000_000, durationMs: BATCH_MS }, 'bench-result', 60_000)
        batches.push({ from, to: monotonicMs(), result })
      }
    })()
    try {
      const startedAt = monotonicMs()
      await cluster.start(late)
      const ready = await ask(cluster, late, { t: 'ckpt-await', name: 'sync', section: `s${sections - 1}` }, 'ckpt-ready', 300_000)
      const joinedAt = cluster.events.find((e) => e.node === late && e.message.t === 'membership' &&
        env.ids.every((id) => (e.message as { members: readonly NodeId[] }).members.includes(id)))?.message as { at: number } | undefined
      const joinAt = joinedAt?.at ?? startedAt
      done = true
      await traffic
      const during = batches.filter((b) => b.to > joinAt && b.from < ready.at)
      return {
        bytes: sections * size, fillMs: fill.elapsedMs,
        startToJoinMs: joinAt - startedAt, joinToReadyMs: ready.at - joinAt, startToReadyMs: ready.at - startedAt,
        locksDuringSync: summarize(during.flatMap((b) => b.result.latenciesUs), during.reduce((n, b) => n + b.result.count, 0),
          during.reduce((n, b) => n + b.result.elapsedMs, 0)),
        lockTimeline: batches.map((b) => [Math.round(b.from - joinAt), b.result.count] as const),
      }
    } finally {
      done = true
      await traffic.catch(() => undefined)
    }
  } finally {
    await cluster.close()
  }
}

const REDLOCK_CLIENT = fileURLToPath(new URL('./redlock-client.js', import.meta.url))

/** Application instances (processes) locking through redlock against one redis-server; each ended by its PID. */
export class RedlockApps {
  readonly #apps: { readonly child: ChildProcess; readonly exited: Promise<void> }[] = []

  static async start(instances: number, port: number): Promise<RedlockApps> {
    const apps = new RedlockApps()
    try {
      await Promise.all(Array.from({ length: instances }, async () => {
        const child = fork(REDLOCK_CLIENT, [String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        apps.#apps.push({ child, exited })
        const reply = await nextReply(child, 15_000)
        if (reply.t !== 'ready') throw new Error(`redlock client: ${reply.t === 'error' ? reply.message : reply.t}`)
      }))
    } catch (error) {
      await apps.close()
      throw error
    }
    return apps
  }

  /** `contenders` in each of the first `instances` processes, all at once. */
  async cycles(instances: number, name: string, contenders: number, count: number, durationMs: number): Promise<CycleResult & { errors: number }> {
    const results = await Promise.all(this.#apps.slice(0, instances).map(async ({ child }) => {
      const reply = nextReply(child, durationMs + 60_000)
      child.send({ t: 'run', name, contenders, count, durationMs } satisfies RedlockRequest)
      const r = await reply
      if (r.t !== 'result') throw new Error(`redlock client: ${r.t === 'error' ? r.message : r.t}`)
      return r
    }))
    const s = summarize(results.flatMap((r) => r.latenciesUs), results.reduce((n, r) => n + r.count, 0), Math.max(...results.map((r) => r.elapsedMs)))
    return { ...s, errors: results.reduce((n, r) => n + r.errors, 0) }
  }

  async close(): Promise<void> {
    for (const { child } of this.#apps) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(this.#apps.map((a) => a.exited))
  }
}

function nextReply(child: ChildProcess, timeoutMs: number): Promise<RedlockReply> {
  return new Promise((resolve, reject) => {
    const done = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    const onMessage = (m: RedlockReply): void => { done(); resolve(m) }
    const onExit = (code: number | null): void => { done(); reject(new Error(`redlock client exited (${code})`)) }
    const timer = setTimeout(() => { done(); reject(new Error(`redlock client silent for ${timeoutMs} ms`)) }, timeoutMs)
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
