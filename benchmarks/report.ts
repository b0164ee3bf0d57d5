import { COROSYNC_KILL_MS, COROSYNC_LATENCY_US, COROSYNC_RSS_MIB, COROSYNC_STARTUP_MS, COROSYNC_UDPU } from './corosync-anchor.js'
import type { LatencyResult } from './latency.js'
import type { ThroughputResult } from './throughput.js'

export interface BenchReport {
  readonly api: 'totem' | 'cpg'
  readonly topology: 'loopback' | 'netns'
  readonly totem: unknown
  readonly durationMs: number
  readonly startupMs: readonly number[]
  readonly throughput: readonly ThroughputResult[]
  readonly latency: readonly LatencyResult[]
  readonly killMs: readonly number[]
  readonly memory: readonly { node: number; rssMiB: number; peakMiB: number }[]
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US')

/** Markdown tables, ts-ha next to the Corosync anchor, with ratios. */
export function renderReport(r: BenchReport, median: (v: readonly number[]) => number): string {
  const lines = [
    `## ts-ha ${r.api === 'cpg' ? 'public API (Cluster, worker engine, CPG group)' : 'Totem engine'}, 3 node processes (${r.topology}), udpu, agreed order, ${r.durationMs / 1000} s phases`,
    '',
    '| payload, senders | ts-ha msgs/s (MB/s) | same order | corosync udpu RT | ratio | corosync sched_rr:no | ratio |',
    '|---|---|---|---|---|---|---|',
  ]
  for (const t of r.throughput) {
    const anchor = COROSYNC_UDPU.find((a) => a.size === t.size && a.senders === t.senders)
    const star = anchor?.collapse === true ? '*' : ''
    lines.push(`| ${t.size} B, ${t.senders} | ${n(t.msgsPerSec)} (${t.mbPerSec.toFixed(1)}) | ${t.sameOrder && t.fifoViolations === 0 ? 'yes' : 'NO'} | ` +
      `${anchor ? `${n(anchor.rt)}${star}` : '–'} | ${anchor ? (t.msgsPerSec / anchor.rt).toFixed(2) : '–'} | ` +
      `${anchor ? `${n(anchor.nort)}${star}` : '–'} | ${anchor ? (t.msgsPerSec / anchor.nort).toFixed(2) : '–'} |`)
  }
  lines.push('', '| own-delivery latency | ts-ha p50 / p99 µs | corosync udpu RT | corosync sched_rr:no |', '|---|---|---|---|')
  for (const l of r.latency) {
    const ref = l.size === COROSYNC_LATENCY_US.size && l.senders === 1
      ? [`${COROSYNC_LATENCY_US.p50} / ${COROSYNC_LATENCY_US.p99}`, `${COROSYNC_LATENCY_US.nortP50} / ${COROSYNC_LATENCY_US.nortP99}`] : ['–', '–']
    lines.push(`| ${l.size} B, ${l.senders} sender(s) at ${l.ratePerSender} msg/s | ${n(l.p50Us)} / ${n(l.p99Us)} | ${ref[0]} | ${ref[1]} |`)
  }
  const peak = Math.max(...r.memory.map((m) => m.peakMiB))
  const rss = median(r.memory.map((m) => m.rssMiB))
  lines.push('', '| membership and memory | ts-ha | corosync udpu |', '|---|---|---|',
    `| spawn → formed ring (3 nodes), median ms | ${n(median(r.startupMs))} | ${COROSYNC_STARTUP_MS} |`,
    `| kill -9 → new configuration, min / median / max ms | ${n(Math.min(...r.killMs))} / ${n(median(r.killMs))} / ${n(Math.max(...r.killMs))} | ` +
      `${n(COROSYNC_KILL_MS.min)} / ${n(COROSYNC_KILL_MS.median)} / ${n(COROSYNC_KILL_MS.max)} |`,
    `| RSS per node after the run, median MiB | ${rss.toFixed(1)} | ${COROSYNC_RSS_MIB.idle.toFixed(1)} (idle) |`,
    `| peak RSS per node, max MiB | ${peak.toFixed(1)} | ${COROSYNC_RSS_MIB.peak.toFixed(1)} |`,
    '', '`*` corosync flow-control busy-loop collapse rows (see the anchor README, pitfall 8).')
  return lines.join('\n')
}
