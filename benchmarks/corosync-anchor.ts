/**
 * Real Corosync 3.1.7 on this kind of machine, 3 nodes in network namespaces,
 * udpu, agreed order (../shared/anchors/corosync, run 20261124-170531). Two
 * columns: the default SCHED_RR daemons, and `sched_rr: no` (a fairer baseline
 * for a Node.js process). Values marked collapse (*) are the anchor's flow-control
 * busy-loop rows: huge run-to-run spread, not capacity.
 */
export interface AnchorRow {
  readonly size: number
  readonly senders: 1 | 3
  readonly rt: number
  readonly nort: number
  readonly collapse?: boolean
}

export const COROSYNC_UDPU: readonly AnchorRow[] = [
  { size: 64, senders: 1, rt: 120_353, nort: 91_564 },
  { size: 64, senders: 3, rt: 116_084, nort: 37_744 },
  { size: 1024, senders: 1, rt: 61_481, nort: 39_226 },
  { size: 1024, senders: 3, rt: 61_652, nort: 10_285 },
  { size: 8192, senders: 1, rt: 12_128, nort: 11_272 },
  { size: 8192, senders: 3, rt: 433, nort: 1_444, collapse: true },
  { size: 65536, senders: 1, rt: 1_594, nort: 1_508 },
  { size: 65536, senders: 3, rt: 70, nort: 353, collapse: true },
]

export const COROSYNC_LATENCY_US = { size: 64, rate: 1000, p50: 133, p99: 279, nortP50: 88, nortP99: 513 }
export const COROSYNC_STARTUP_MS = 199
export const COROSYNC_KILL_MS = { min: 7566, median: 7883, max: 7996 }
export const COROSYNC_RSS_MIB = { idle: 21_460 / 1024, peak: 104_044 / 1024 }
