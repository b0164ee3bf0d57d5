import { mkdirSync, writeFileSync } from 'node:fs'
import type { NodeId } from '../lib/totem/ring-id.js'
import {
  checkpointWrites, lockCluster, lockCycles, measureSync, RedlockApps,
  type CheckpointResult, type CycleResult, type SyncResult,
} from './lock-workloads.js'
import { redisUnavailable, startRedis, type RedisServer } from './redis-server.js'
import { openTopology, type BenchEnv } from './setup.js'

/**
 * npm run bench:locks [-- --netns] [--cycles=2000] [--duration=5000] [--sync-mib=64]
 *
 * ts-ha locks and checkpoints through the public API (three Cluster node
 * processes, worker engine, udpu, default timers), next to redlock against
 * one local redis-server for the same lock workloads. Prints markdown and
 * writes JSON to bench-results/.
 */
function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : hit.slice(name.length + 3)
}

type Outcome<T> = T | { readonly error: string }

interface LocksReport {
  readonly topology: 'loopback' | 'netns'
  readonly cycles: number
  readonly durationMs: number
  readonly tsha: {
    readonly uncontended: Outcome<CycleResult>
    readonly contended: Outcome<CycleResult>
    readonly checkpoints: Outcome<readonly CheckpointResult[]>
    readonly sync: Outcome<SyncResult>
  }
  readonly redlock: Outcome<{ readonly uncontended: CycleResult & { errors: number }; readonly contended: CycleResult & { errors: number } }>
}

const CONTENDERS = 10
const SECTION = 1 << 20

/** A phase that fails is reported as such; the others still run. */
async function phase<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>> {
  const t0 = Date.now()
  try {
    const result = await run()
    console.error(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    return result
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(`${label} failed: ${message}`)
    return { error: message }
  }
}

const failed = <T extends object>(o: Outcome<T>): o is { readonly error: string } => 'error' in o
const n = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–')
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–')

async function tshaLocks(env: BenchEnv, net: ReturnType<typeof openTopology>, cycles: number, durationMs: number):
  Promise<Pick<LocksReport['tsha'], 'uncontended' | 'contended' | 'checkpoints'>> {
  const cluster = await lockCluster(env, net, env.ids)
  try {
    const first = env.ids[0]!
    // The first grants of a lock name pay for creating its state everywhere.
    await lockCycles(cluster, [first], 'u', 1, 50, 10_000)
    const uncontended = await phase('ts-ha uncontended', () => lockCycles(cluster, [first], 'u', 1, cycles, 15_000))
    const contended = await phase('ts-ha contended', () => lockCycles(cluster, env.ids, 'c', CONTENDERS, 1_000_000, durationMs))
    const checkpoints = await phase('ts-ha checkpoint writes', async () => [
      await checkpointWrites(cluster, first, 1024, 1000, 8000),
      await checkpointWrites(cluster, first, 64 * 1024, 300, 8000),
    ])
    return { uncontended, contended, checkpoints }
  } finally {
    await cluster.close()
  }
}

let redis: RedisServer | undefined

async function redlockLocks(cycles: number, durationMs: number): Promise<LocksReport['redlock']> {
  const reason = redisUnavailable()
  if (reason !== undefined) return { error: `skipped: ${reason}` }
  redis = await startRedis()
  try {
    const apps = await RedlockApps.start(3, redis.port)
    try {
      await apps.cycles(1, 'u', 1, 50, 10_000)
      const uncontended = await apps.cycles(1, 'u', 1, cycles, 15_000)
      const contended = await apps.cycles(3, 'c', CONTENDERS, 1_000_000, durationMs)
      return { uncontended, contended }
    } finally {
      await apps.close()
    }
  } finally {
    await redis.stop()
    redis = undefined
  }
}

function render(r: LocksReport, syncMiB: number): string {
  const t = r.tsha
  const rl = failed(r.redlock) ? undefined : r.redlock
  const lines = [
    `## Locks: ts-ha (3 Cluster node processes, worker engine, udpu, default timers, ${r.topology}) vs redlock 4.2.0 (one local redis-server, 3 app processes)`,
    '',
    '| acquire + release cycle | ts-ha | redlock | ts-ha / redlock |',
    '|---|---|---|---|',
  ]
  const rows = (label: string, mine: Outcome<CycleResult>, theirs: CycleResult | undefined): void => {
    const m = failed(mine) ? undefined : mine
    const miss = failed(mine) ? `failed: ${mine.error}` : '–'
    const other = theirs === undefined ? (failed(r.redlock) ? r.redlock.error : '–') : undefined
    lines.push(`| ${label}: cycles/s | ${m ? n(m.perSec) : miss} | ${theirs ? n(theirs.perSec) : other} | ${m && theirs ? ratio(m.perSec, theirs.perSec) : '–'} |`)
    lines.push(`| ${label}: p50 / p99 µs | ${m ? `${n(m.p50Us)} / ${n(m.p99Us)}` : '–'} | ${theirs ? `${n(theirs.p50Us)} / ${n(theirs.p99Us)}` : '–'} | ` +
      `${m && theirs ? `${ratio(m.p50Us, theirs.p50Us)} / ${ratio(m.p99Us, theirs.p99Us)}` : '–'} |`)
  }
  rows('uncontended, 1 contender on 1 node', t.uncontended, rl?.uncontended)
  rows(`contended, 3 nodes × ${CONTENDERS} contenders, one lock`, t.contended, rl?.contended)
  lines.push('',
    'Ratios are ts-ha ÷ redlock: above 1 is better for cycles/s, worse for latency. redlock here has no fencing token and no quorum of its own: ' +
    'one redis-server is a single point of failure, and a holder that stalls past its TTL overlaps the next one undetected. ' +
    'ts-ha grants only in the quorate partition, in FIFO order, each grant with a fencing token.')
  if (rl !== undefined && rl.uncontended.errors + rl.contended.errors > 0) {
    lines.push(`redlock cycles that failed (retries exhausted or client errors): ${rl.uncontended.errors + rl.contended.errors}.`)
  }
  lines.push('', '| checkpoint writes, sequential, from node 1 | p50 / p99 µs | writes/s | MB/s |', '|---|---|---|---|')
  if (failed(t.checkpoints)) lines.push(`| failed: ${t.checkpoints.error} | – | – | – |`)
  else for (const c of t.checkpoints) lines.push(`| ${c.size / 1024} KiB section | ${n(c.p50Us)} / ${n(c.p99Us)} | ${n(c.perSec)} | ${c.mbPerSec.toFixed(1)} |`)
  lines.push('', `| ${syncMiB} MiB checkpoint (${syncMiB} × 1 MiB sections) to a newly started node 3 | |`, '|---|---|')
  if (failed(t.sync)) {
    lines.push(`| failed | ${t.sync.error} |`)
  } else {
    const s = t.sync
    const mb = s.bytes / 1e6
    const idle = failed(t.uncontended) ? undefined : t.uncontended
    const d = s.locksDuringSync
    lines.push(
      `| fill from node 1 with nodes 1 and 2 running, ms (MB/s) | ${n(s.fillMs)} (${(mb / (s.fillMs / 1000)).toFixed(1)}) |`,
      `| node 3 process start → ring join (membership with node 3), ms | ${n(s.startToJoinMs)} |`,
      `| ring join → last section readable on node 3, ms (MB/s) | ${n(s.joinToReadyMs)} (${(mb / (s.joinToReadyMs / 1000)).toFixed(1)}) |`,
      `| process start → last section readable, ms | ${n(s.startToReadyMs)} |`,
      `| node 1 uncontended lock cycles/s during the transfer (p50 / p99 µs) | ${n(d.perSec)} (${n(d.p50Us)} / ${n(d.p99Us)}), ${d.count} cycles` +
        `${idle ? `; ${ratio(d.perSec, idle.perSec)} of the idle rate` : ''} |`)
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const env: BenchEnv = { ids: [1, 2, 3] as NodeId[], netns: process.argv.includes('--netns'), port: 41405 + (process.pid % 1000) * 2, totem: {}, api: 'cpg' }
  const cycles = Number(arg('cycles', '2000'))
  const durationMs = Number(arg('duration', '5000'))
  const syncMiB = Number(arg('sync-mib', '64'))
  const net = openTopology(env)
  try {
    const locks = await phase('ts-ha locks', () => tshaLocks(env, net, cycles, durationMs))
    const sync = await phase('ts-ha sync', () => measureSync(env, net, syncMiB, SECTION))
    const redlock = await phase('redlock', () => redlockLocks(cycles, durationMs))
    const report: LocksReport = {
      topology: env.netns ? 'netns' : 'loopback', cycles, durationMs,
      tsha: failed(locks) ? { uncontended: locks, contended: locks, checkpoints: locks, sync } : { ...locks, sync },
      redlock,
    }
    console.log(render(report, syncMiB))
    mkdirSync('bench-results', { recursive: true })
    const file = `bench-results/locks-${report.topology}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
    writeFileSync(file, JSON.stringify(report, null, 2))
    console.log(`\nJSON: ${file}`)
  } finally {
    net?.close()
  }
}

// Node processes exit when their IPC channel closes; the redis-server would not.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (redis !== undefined) try { process.kill(redis.pid, 'SIGKILL') } catch { /* already gone */ }
    process.exit(130)
  })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
