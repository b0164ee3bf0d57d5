import type { TotemOptions } from '../totem/config.js'
import type { NodeId, RingId } from '../totem/ring-id.js'
import type { Guarantee } from '../wire/frames.js'

/**
 * The IPC contract between a parent (tests, demo, benchmarks) and a node
 * process it started. Times are CLOCK_MONOTONIC milliseconds
 * (process.hrtime), comparable across processes on one host.
 */

/** What a cluster-level node process runs: a Cluster with these options. */
export interface ClusterNodeSpec {
  readonly options: import('../cluster/options.js').ClusterOptions
  readonly reportDeliveries?: boolean
}

export interface NodeSpec {
  readonly self: NodeId
  readonly clusterName: string
  readonly nodes: readonly { readonly nodeId: NodeId; readonly addr: string }[]
  readonly port: number
  /** Per-node port overrides (several nodes on one address). */
  readonly ports?: Readonly<Record<number, number>>
  readonly transport: 'udpu' | 'udp'
  readonly mcastAddr?: string
  readonly totem?: TotemOptions
  /** Ring seq file; survives kill -9 and restart. */
  readonly ringStorePath?: string
  /** Report every delivery to the parent (small tests only). */
  readonly reportDeliveries?: boolean
}

export type ParentMessage =
  /** Send `count` messages of `size` bytes, at `ratePerSec` (0 = as fast as flow control allows). */
  | { readonly t: 'send'; readonly count: number; readonly size: number; readonly guarantee: Guarantee; readonly ratePerSec: number }
  /** Send as fast as possible for `durationMs`. */
  | { readonly t: 'flood'; readonly durationMs: number; readonly size: number; readonly guarantee: Guarantee }
  | { readonly t: 'digest' }
  | { readonly t: 'stats' }
  | { readonly t: 'latency-reset' }
  | { readonly t: 'stop' }
  // Cluster-level node processes (the public API):
  | { readonly t: 'cpg-join'; readonly group: string }
  | { readonly t: 'cpg-send'; readonly group: string; readonly count: number; readonly size: number; readonly guarantee: Guarantee; readonly ratePerSec: number }
  | { readonly t: 'cpg-flood'; readonly group: string; readonly durationMs: number; readonly size: number; readonly guarantee: Guarantee }
  | { readonly t: 'cpg-digest'; readonly group: string }
  /** Blocks the main thread (busy loop) for `ms`, as a long GC pause or CPU-bound work would. */
  | { readonly t: 'block'; readonly ms: number }
  /** `contenders` loops acquire `name`, hold it `holdMs`, release, until `durationMs` passed; each hold is reported. */
  | { readonly t: 'lock-contend'; readonly name: string; readonly contenders: number; readonly holdMs: number; readonly durationMs: number }
  /** `contenders` loops acquire+release `name` until `count` cycles are done in all (or `durationMs` passed); latencies come back. */
  | { readonly t: 'lock-bench'; readonly name: string; readonly contenders: number; readonly count: number; readonly durationMs?: number }
  /** `count` writes of `size` bytes to one section of checkpoint `name`, one at a time (or until `durationMs` passed); latencies come back. */
  | { readonly t: 'ckpt-bench'; readonly name: string; readonly size: number; readonly count: number; readonly durationMs?: number }
  /** Fills checkpoint `name` with `sections` sections of `size` bytes. */
  | { readonly t: 'ckpt-fill'; readonly name: string; readonly sections: number; readonly size: number }
  /** Opens checkpoint `name` and answers once its last section is readable here, with the time. */
  | { readonly t: 'ckpt-await'; readonly name: string; readonly section: string }

export interface Digest {
  /** Messages delivered, and a rolling hash of their order (equal on every member). */
  readonly count: number
  readonly hash: string
  readonly perOrigin: Readonly<Record<number, number>>
  readonly fifoViolations: number
  readonly bytes: number
  readonly firstAt: number
  readonly lastAt: number
}

export type ChildMessage =
  | { readonly t: 'ready'; readonly pid: number; readonly at: number }
  | { readonly t: 'config'; readonly kind: 'transitional' | 'regular'; readonly ringId: RingId; readonly members: readonly NodeId[];
      readonly left: readonly NodeId[]; readonly joined: readonly NodeId[]; readonly at: number }
  | { readonly t: 'state'; readonly state: string; readonly reason: string; readonly at: number }
  | { readonly t: 'warning'; readonly code: string; readonly message: string; readonly at: number }
  | { readonly t: 'deliver'; readonly origin: NodeId; readonly counter: number; readonly at: number }
  | { readonly t: 'sent'; readonly sent: number; readonly refused: number; readonly startAt: number; readonly endAt: number }
  | { readonly t: 'digest'; readonly digest: Digest }
  | { readonly t: 'stats'; readonly stats: unknown; readonly rssBytes: number; readonly peakRssBytes: number; readonly latencyUs: readonly number[] }
  | { readonly t: 'error'; readonly message: string }
  | { readonly t: 'membership'; readonly ringSeq: number; readonly members: readonly NodeId[]; readonly joined: readonly NodeId[];
      readonly left: readonly NodeId[]; readonly at: number }
  | { readonly t: 'quorum'; readonly quorate: boolean; readonly votes: number; readonly expectedVotes: number; readonly quorum: number; readonly at: number }
  | { readonly t: 'cpg-joined'; readonly group: string; readonly memberId: string }
  | { readonly t: 'cpg-confchg'; readonly group: string; readonly members: readonly NodeId[]; readonly at: number }
  | { readonly t: 'blocked'; readonly ms: number }
  /** One lock hold: granted at `from`, released (or lost) at `to` (0: reported at the grant), in CLOCK_MONOTONIC ms (one clock per host). */
  | { readonly t: 'lock-hold'; readonly node: NodeId; readonly contender: number; readonly token: string; readonly from: number; readonly to: number; readonly lost: boolean }
  | { readonly t: 'lock-contend-done'; readonly holds: number; readonly errors: Readonly<Record<string, number>> }
  | { readonly t: 'bench-result'; readonly latenciesUs: readonly number[]; readonly elapsedMs: number; readonly count: number }
  | { readonly t: 'ckpt-ready'; readonly at: number; readonly bytes: number }

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
