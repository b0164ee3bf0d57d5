import type { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { Digest } from '../lib/runtime/node-protocol.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { sleep } from './stats.js'
import { BENCH_GROUP } from './setup.js'

export interface ThroughputResult {
  readonly size: number
  readonly senders: number
  /** Delivered messages per second at the slowest member. */
  readonly msgsPerSec: number
  readonly mbPerSec: number
  /** Every member delivered the same sequence (order hash). */
  readonly sameOrder: boolean
  readonly fifoViolations: number
  readonly refused: number
}

async function digests(cluster: ProcessCluster, ids: readonly NodeId[], api: 'totem' | 'cpg'): Promise<Digest[]> {
  const ask = api === 'cpg' ? { t: 'cpg-digest', group: BENCH_GROUP } as const : { t: 'digest' } as const
  return Promise.all(ids.map(async (id) => (await cluster.request(id, ask, 'digest')).digest))
}

/** Waits until no member delivers anything more (bounded). */
async function quiesce(cluster: ProcessCluster, ids: readonly NodeId[], api: 'totem' | 'cpg'): Promise<Digest[]> {
  let last = await digests(cluster, ids, api)
  for (let i = 0; i < 600; i++) {
    await sleep(100)
    const now = await digests(cluster, ids, api)
    if (now.every((d, j) => d.count === last[j]!.count) && new Set(now.map((d) => d.count)).size === 1) return now
    last = now
  }
  return last
}

/**
 * Senders send as fast as flow control admits for `durationMs`; each member's
 * rate is its deliveries of this phase over the time from the phase start to
 * its last delivery (as the Corosync anchor measures).
 */
export async function measureThroughput(cluster: ProcessCluster, ids: readonly NodeId[], size: number,
  senders: number, durationMs: number, api: 'totem' | 'cpg'): Promise<ThroughputResult> {
  const before = await quiesce(cluster, ids, api)
  const flood = api === 'cpg'
    ? { t: 'cpg-flood', group: BENCH_GROUP, durationMs, size, guarantee: 'agreed' } as const
    : { t: 'flood', durationMs, size, guarantee: 'agreed' } as const
  const sent = await Promise.all(ids.slice(0, senders).map((id) => cluster.request(id, flood, 'sent', durationMs + 120_000)))
  const after = await quiesce(cluster, ids, api)
  const start = Math.min(...sent.map((s) => s.startAt))
  const rates = after.map((d, i) => (d.count - before[i]!.count) / ((d.lastAt - start) / 1000))
  const slowest = Math.min(...rates)
  return {
    size, senders, msgsPerSec: slowest, mbPerSec: (slowest * size) / 1e6,
    sameOrder: new Set(after.map((d) => d.hash)).size === 1,
    fifoViolations: after.reduce((n, d) => n + d.fifoViolations, 0),
    refused: sent.reduce((n, s) => n + s.refused, 0),
  }
}
