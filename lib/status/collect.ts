import type { Cluster } from '../cluster/cluster.js'
import type { QuorumStatus } from '../cluster/quorum-api.js'
import { ClusterError } from '../errors.js'
import { TS_HA_VERSION } from '../util/version.js'
import { STATUS_SECTIONS } from './sections.js'
import { formatRingId, STATUS_SCHEMA, type StatusQuorum, type StatusSnapshot } from './snapshot.js'

/**
 * The one place that turns a running {@link Cluster} into a
 * {@link StatusSnapshot}; the admin socket, the metrics and the status page
 * all go through it. The node's own state comes from `cluster.status()`;
 * groups, locks and checkpoints are asked cluster-wide (that view is this
 * node's only: the groups it joined, the locks it holds).
 *
 * Engine questions that fail because the node is not started (or stopping)
 * leave their part empty rather than failing the whole snapshot: an operator
 * asking a starting node still gets its configuration and state.
 */
export async function collectStatus(cluster: Cluster, now: Date): Promise<StatusSnapshot> {
  const local = cluster.status()
  const [quorum, groups, locks, checkpoints] = await Promise.all([
    orElse(cluster.quorum.status(), undefined),
    orElse(cluster.cpg.groups(), []),
    orElse(cluster.locks.list(), []),
    orElse(cluster.checkpoints.list(), []),
  ])
  const online = new Set(cluster.members.map((m) => m.nodeId))
  const extensions: Record<string, unknown> = {}
  for (const section of STATUS_SECTIONS) {
    if (section.collect !== undefined) extensions[section.id] = await orElse(section.collect(cluster), undefined)
  }
  return {
    schema: STATUS_SCHEMA,
    version: TS_HA_VERSION,
    clusterName: cluster.options.clusterName,
    localNodeId: cluster.nodeId,
    transport: cluster.options.transport ?? 'udpu',
    ringId: formatRingId(cluster.ringId),
    state: local.state,
    ready: local.ready,
    quorum: quorumPart(cluster, quorum),
    nodes: [...cluster.options.nodes].sort((a, b) => a.nodeId - b.nodeId).map((n) => ({
      nodeId: n.nodeId, name: n.name ?? `node${n.nodeId}`, addr: n.addr, votes: n.votes ?? 1, online: online.has(n.nodeId), local: n.nodeId === cluster.nodeId,
    })),
    groups: groups.map((g) => ({ name: g.name, members: g.members.map((m) => ({ nodeId: m.nodeId, memberId: m.memberId })) })),
    locks: locks.map((l) => ({
      name: l.name, lastToken: l.lastToken.toString(), delayed: l.delayed,
      holders: l.holders.map((h) => ({ nodeId: h.nodeId, mode: h.mode, fencingToken: h.fencingToken.toString() })),
      waiters: l.waiters.map((w) => ({ nodeId: w.nodeId, mode: w.mode })),
    })),
    checkpoints,
    extensions,
    collectedAt: now.toISOString(),
  }
}

function quorumPart(cluster: Cluster, status: QuorumStatus | undefined): StatusQuorum {
  const q = status ?? { ...cluster.quorum.info, highestExpected: cluster.quorum.expectedVotes, flags: cluster.quorum.quorate ? ['Quorate'] : [] }
  return {
    provider: cluster.options.quorum?.provider ?? 'votequorum',
    quorate: q.quorate, totalVotes: q.votes, expectedVotes: q.expectedVotes, highestExpected: q.highestExpected, quorum: q.quorum, flags: q.flags,
  }
}

/** The node answers ERR_NOT_STARTED / ERR_STOPPED while it is not running: that part of the picture is empty, not an error. */
async function orElse<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await promise
  } catch (error) {
    if (error instanceof ClusterError && (error.code === 'ERR_NOT_STARTED' || error.code === 'ERR_STOPPED')) return fallback
    throw error
  }
}
