import { STATUS_SECTIONS, type StatusSection } from './sections.js'
import type { StatusSnapshot } from './snapshot.js'

function quorumLine(s: StatusSnapshot): string {
  const q = s.quorum
  if (q.provider === 'none') return 'Quorum: none (every partition is quorate)'
  const votes = `${q.totalVotes} of ${q.expectedVotes} expected votes, ${q.quorum} needed`
  return `Quorum: partition ${q.quorate ? 'with' : 'WITHOUT'} quorum (${votes})`
}

/** The Cluster Summary lines, without bullets. */
export function summaryLines(s: StatusSnapshot, sections: readonly StatusSection[] = STATUS_SECTIONS): string[] {
  const local = s.nodes.find((n) => n.local)
  const online = s.nodes.filter((n) => n.online).length
  return [
    `Cluster name: ${s.clusterName}`,
    `Stack: ts-ha ${s.version} (${s.transport})`,
    `Local node: ${local?.name ?? `node${s.localNodeId}`} (${s.localNodeId})${s.state === 'running' ? '' : ` - ${s.state}`}`,
    `Ring ID: ${s.ringId ?? 'none yet'}`,
    quorumLine(s),
    ...sections.flatMap((section) => section.summary?.(s) ?? []),
    `Last updated: ${s.collectedAt}`,
    `${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'} configured, ${online} online`,
  ]
}

/**
 * `ts-ha status` as text, crm_mon style: a "Cluster Summary" block, then one
 * block per section. Pure: the same snapshot always prints the same lines.
 */
export function statusText(s: StatusSnapshot, sections: readonly StatusSection[] = STATUS_SECTIONS): string[] {
  const out = ['Cluster Summary:', ...summaryLines(s, sections).map((l) => `  * ${l}`)]
  for (const section of sections) {
    const lines = section.lines(s)
    out.push('', `${section.title}:`, ...(lines.length === 0 ? [section.emptyText] : lines).map((l) => `  * ${l}`))
  }
  return out
}
