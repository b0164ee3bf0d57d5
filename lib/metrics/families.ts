import type { StatusSnapshot } from '../status/snapshot.js'
import type { MetricFamily, Sample } from './exposition.js'

/** What the metrics are computed from: one status snapshot, the node's CMAP, and shell counters. */
export interface MetricsInput {
  readonly snapshot: StatusSnapshot
  /** A CMAP value by key (numbers, bigints; undefined if absent). */
  readonly cmap: (key: string) => unknown
  /** CMAP keys under a prefix. */
  readonly cmapKeys: (prefix: string) => readonly string[]
  /** Regular configurations this node has installed since it started. */
  readonly membershipChanges: number
  /** Admin socket counters, if it serves one. */
  readonly admin?: {
    readonly connections: number
    readonly accepted: number
    readonly requests: number
    readonly rejected: Readonly<Record<string, number>>
  }
}

const SRP = 'runtime.totem.stats.srp.'
const NET = 'runtime.totem.stats.net.'

function num(value: unknown): number | bigint {
  return typeof value === 'number' || typeof value === 'bigint' ? value : 0
}

function gauge(name: string, help: string, samples: Sample[] | number | bigint): MetricFamily {
  return { name, help, type: 'gauge', samples: typeof samples === 'object' ? samples : [{ value: samples }] }
}

function counter(name: string, help: string, samples: Sample[] | number | bigint): MetricFamily {
  return { name, help, type: 'counter', samples: typeof samples === 'object' ? samples : [{ value: samples }] }
}

/** Cluster-level families, named after ha_cluster_exporter's corosync and pacemaker ones where those exist. */
function clusterFamilies(s: StatusSnapshot, membershipChanges: number): MetricFamily[] {
  const q = s.quorum
  const local = s.nodes.find((n) => n.local)
  return [
    gauge('tsha_info', 'This node: cluster, node, version and transport (always 1)',
      [{ labels: { cluster: s.clusterName, node_id: s.localNodeId, node: local?.name ?? '', version: s.version, transport: s.transport }, value: 1 }]),
    gauge('tsha_quorate', 'Whether this partition is quorate (1) or not (0)', q.quorate ? 1 : 0),
    gauge('tsha_quorum_votes', 'Quorum votes by type (expected_votes, highest_expected, total_votes, quorum)', [
      { labels: { type: 'expected_votes' }, value: q.expectedVotes }, { labels: { type: 'highest_expected' }, value: q.highestExpected },
      { labels: { type: 'total_votes' }, value: q.totalVotes }, { labels: { type: 'quorum' }, value: q.quorum },
    ]),
    gauge('tsha_member_votes', 'Votes of each configured node', s.nodes.map((n) => ({ labels: { node_id: n.nodeId, node: n.name, local: String(n.local) }, value: n.votes }))),
    gauge('tsha_nodes', 'Configured nodes: one line per node with its status (online or offline), always 1',
      s.nodes.map((n) => ({ labels: { name: n.name, node_id: n.nodeId, type: 'member', status: n.online ? 'online' : 'offline' }, value: 1 }))),
    gauge('tsha_nodes_configured', 'Nodes in the nodelist', s.nodes.length),
    gauge('tsha_nodes_online', 'Nodes in this node\'s current ring', s.nodes.filter((n) => n.online).length),
    gauge('tsha_ring_seq', 'Sequence number of the current ring (0 before the first)', s.ringId === null ? 0 : BigInt(`0x${s.ringId.split('.')[1]}`)),
    counter('tsha_membership_changes_total', 'Regular configurations installed by this node since it started', membershipChanges),
  ]
}

function srpCounter(input: MetricsInput, name: string, help: string, key: string): MetricFamily {
  return counter(name, help, num(input.cmap(`${SRP}${key}`)))
}

function byLabel(input: MetricsInput, label: string, pairs: readonly [string, string][]): Sample[] {
  return pairs.map(([value, key]) => ({ labels: { [label]: value }, value: num(input.cmap(key)) }))
}

/** Totem protocol counters (CMAP runtime.totem.stats.srp.*). */
function totemFamilies(input: MetricsInput): MetricFamily[] {
  const states = ['gather', 'commit', 'recovery', 'operational'] as const
  return [
    srpCounter(input, 'tsha_totem_token_rotations_total', 'Tokens this node received (one per rotation of the ring)', 'orf_token_rx'),
    srpCounter(input, 'tsha_totem_tokens_sent_total', 'Tokens this node passed on', 'orf_token_tx'),
    srpCounter(input, 'tsha_totem_messages_sent_total', 'Totem messages this node multicast', 'mcast_tx'),
    srpCounter(input, 'tsha_totem_messages_received_total', 'Totem messages this node received', 'mcast_rx'),
    srpCounter(input, 'tsha_totem_retransmits_total', 'Messages this node retransmitted on request', 'mcast_retx'),
    srpCounter(input, 'tsha_totem_retransmit_requests_total', 'Messages this node asked others to retransmit', 'rtr_requested'),
    srpCounter(input, 'tsha_totem_delivered_total', 'Application messages delivered here (agreed and safe)', 'delivered'),
    srpCounter(input, 'tsha_totem_delivered_safe_total', 'Application messages delivered here with safe delivery', 'delivered_safe'),
    counter('tsha_totem_state_entered_total', 'Times this node entered each Totem state',
      byLabel(input, 'state', states.map((st) => [st, `${SRP}${st}_entered`]))),
    counter('tsha_totem_token_lost_total', 'Token losses, by the state this node was in',
      byLabel(input, 'state', states.map((st) => [st, `${SRP}${st}_token_lost`]))),
    srpCounter(input, 'tsha_totem_consensus_timeouts_total', 'Consensus timeouts while forming a ring', 'consensus_timeouts'),
    srpCounter(input, 'tsha_totem_continuous_gather_total', 'Times the ring could not form for many rounds in a row', 'continuous_gather'),
    srpCounter(input, 'tsha_totem_process_pauses_total', 'Pauses of this process long enough to threaten the token', 'process_pauses'),
    srpCounter(input, 'tsha_totem_failed_to_receive_total', 'Times this node gave up waiting for missing messages (failed to receive)', 'failed_to_receive'),
  ]
}

/** Transport counters and frame drops (CMAP runtime.totem.stats.net.*). */
function netFamilies(input: MetricsInput): MetricFamily[] {
  const dropped = input.cmapKeys(`${NET}rx_dropped.`).map((key) => ({ labels: { reason: key.slice(`${NET}rx_dropped.`.length) }, value: num(input.cmap(key)) }))
  const extra: readonly [string, string][] = [['unlisted_sender', `${NET}rx_unlisted`], ['totem_rejected', `${SRP}rx_msg_dropped`]]
  for (const [reason, key] of extra) {
    if (!dropped.some((d) => d.labels.reason === reason)) dropped.push({ labels: { reason }, value: num(input.cmap(key)) })
  }
  const dir = (tx: string, rx: string): Sample[] => [
    { labels: { direction: 'tx' }, value: num(input.cmap(`${NET}${tx}`)) }, { labels: { direction: 'rx' }, value: num(input.cmap(`${NET}${rx}`)) },
  ]
  const lag = (key: string): number => num(input.cmap(key)) as number / 1000
  return [
    counter('tsha_net_frames_total', 'Datagrams sent and received', dir('tx_frames', 'rx_frames')),
    counter('tsha_net_bytes_total', 'Datagram bytes sent and received', dir('tx_bytes', 'rx_bytes')),
    counter('tsha_net_tx_errors_total', 'Sends the OS refused (counted as loss)', num(input.cmap(`${NET}tx_errors`))),
    counter('tsha_net_oversize_total', 'Datagrams above the frame size limit, refused on send or dropped on receipt', num(input.cmap(`${NET}oversize`))),
    counter('tsha_net_rx_dropped_total', 'Received datagrams dropped before or by Totem, by reason', dropped),
    gauge('tsha_event_loop_lag_seconds', 'Worst event-loop delay over the last second, by thread (engine, main)', [
      { labels: { thread: 'engine' }, value: lag('runtime.totem.stats.event_loop_lag_ms') },
      { labels: { thread: 'main' }, value: lag('runtime.totem.stats.main_thread_stall_ms') },
    ]),
  ]
}

/** Services: process groups, locks, checkpoints. */
function serviceFamilies(s: StatusSnapshot): MetricFamily[] {
  return [
    gauge('tsha_cpg_groups', 'Process groups with at least one member', s.groups.length),
    gauge('tsha_cpg_group_members', 'Members of each process group', s.groups.map((g) => ({ labels: { group: g.name }, value: g.members.length }))),
    gauge('tsha_locks', 'Locks in the replicated table', s.locks.length),
    gauge('tsha_lock_holders', 'Current holders of each lock', s.locks.map((l) => ({ labels: { lock: l.name }, value: l.holders.length }))),
    gauge('tsha_lock_waiters', 'Requests waiting for each lock', s.locks.map((l) => ({ labels: { lock: l.name }, value: l.waiters.length }))),
    gauge('tsha_lock_fencing_token', 'Highest fencing token granted for each lock', s.locks.map((l) => ({ labels: { lock: l.name }, value: BigInt(l.lastToken) }))),
    gauge('tsha_checkpoints', 'Checkpoints on this node', s.checkpoints.length),
    gauge('tsha_checkpoint_bytes', 'Section data held here, per checkpoint', s.checkpoints.map((c) => ({ labels: { checkpoint: c.name }, value: c.bytes }))),
    gauge('tsha_checkpoint_sections', 'Sections per checkpoint', s.checkpoints.map((c) => ({ labels: { checkpoint: c.name }, value: c.sections }))),
  ]
}

function adminFamilies(admin: NonNullable<MetricsInput['admin']>): MetricFamily[] {
  return [
    gauge('tsha_admin_connections', 'Admin socket connections open now', admin.connections),
    counter('tsha_admin_connections_accepted_total', 'Admin socket connections accepted', admin.accepted),
    counter('tsha_admin_requests_total', 'Admin requests after the handshake', admin.requests),
    counter('tsha_admin_connections_rejected_total', 'Admin connections the node closed, by reason (malformed and oversized frames, wrong cookie, …)',
      Object.entries(admin.rejected).map(([reason, value]) => ({ labels: { reason }, value }))),
  ]
}

/**
 * Every family, in a fixed order. EXTENSION POINT: the resource manager adds
 * `tsha_resources{id,node,role,status}`, `tsha_resource_fail_count`,
 * `tsha_transitions_total` (ha_cluster_exporter's pacemaker set) here.
 */
export function metricFamilies(input: MetricsInput): MetricFamily[] {
  return [
    ...clusterFamilies(input.snapshot, input.membershipChanges),
    ...totemFamilies(input),
    ...netFamilies(input),
    ...serviceFamilies(input.snapshot),
    ...(input.admin === undefined ? [] : adminFamilies(input.admin)),
  ]
}
