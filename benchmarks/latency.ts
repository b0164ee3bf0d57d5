import type { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { percentile, sleep } from './stats.js'
import { BENCH_GROUP } from './setup.js'

export interface LatencyResult {
  readonly size: number
  readonly senders: number
  readonly ratePerSender: number
  /** Own-delivery latency: send call to delivery back at the sender, in µs. */
  readonly p50Us: number
  readonly p99Us: number
  readonly samples: number
}

/** Senders paced at `rate` msg/s each for `durationMs`; own-delivery latency from every sender. */
export async function measureLatency(cluster: ProcessCluster, ids: readonly NodeId[], size: number, senders: number,
  rate: number, durationMs: number, api: 'totem' | 'cpg'): Promise<LatencyResult> {
  const active = ids.slice(0, senders)
  for (const id of active) cluster.send(id, { t: 'latency-reset' })
  const count = Math.round((rate * durationMs) / 1000)
  const send = api === 'cpg'
    ? { t: 'cpg-send', group: BENCH_GROUP, count, size, guarantee: 'agreed', ratePerSec: rate } as const
    : { t: 'send', count, size, guarantee: 'agreed', ratePerSec: rate } as const
  await Promise.all(active.map((id) => cluster.request(id, send, 'sent', durationMs + 60_000)))
  await sleep(500)
  const samples: number[] = []
  for (const id of active) {
    const stats = await cluster.request(id, { t: 'stats' }, 'stats')
    samples.push(...stats.latencyUs)
  }
  return { size, senders, ratePerSender: rate, p50Us: percentile(samples, 50), p99Us: percentile(samples, 99), samples: samples.length }
}
