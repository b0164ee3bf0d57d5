import type { Cluster } from '../cluster/cluster.js'
import type { StatusSnapshot } from './snapshot.js'

/** A row's health, for colour on the status page. */
export type RowState = 'ok' | 'warn' | 'bad'

/** A section as a table (the status page renders every section this way). */
export interface StatusTable {
  readonly columns: readonly string[]
  readonly rows: readonly { readonly cells: readonly string[]; readonly state?: RowState }[]
}

/**
 * One block of `ts-ha status` (crm_mon's "Node List", "Full List of
 * Resources", …). The text view, the status page and `--json` are all
 * derived from the snapshot, so a section is pure rendering, plus an
 * optional `collect` that puts its own data into `snapshot.extensions[id]`.
 */
export interface StatusSection {
  readonly id: string
  /** Heading, e.g. `Node List`. */
  readonly title: string
  /** Lines this section adds to the Cluster Summary (e.g. the DC), without the bullet. */
  summary?(s: StatusSnapshot): string[]
  /** Body lines without the bullet; empty → `emptyText`. */
  lines(s: StatusSnapshot): string[]
  readonly emptyText: string
  table(s: StatusSnapshot): StatusTable
  /** Gathers this section's data from the node into `snapshot.extensions[id]`. */
  collect?(cluster: Cluster): Promise<unknown>
}

/** A node's name by id (`node<id>` if it is not in the nodelist). */
export function nodeName(s: StatusSnapshot, nodeId: number): string {
  return s.nodes.find((n) => n.nodeId === nodeId)?.name ?? `node${nodeId}`
}

/** `1.2 KiB`, `3 B`: sizes the way an operator reads them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

const nodesSection: StatusSection = {
  id: 'nodes',
  title: 'Node List',
  emptyText: 'No nodes configured',
  lines: (s) => {
    const online = s.nodes.filter((n) => n.online).map((n) => n.name)
    const offline = s.nodes.filter((n) => !n.online).map((n) => n.name)
    const out = [`Online: [ ${online.join(' ')} ]`]
    if (offline.length > 0) out.push(`OFFLINE: [ ${offline.join(' ')} ]`)
    return out
  },
  table: (s) => ({
    columns: ['Node', 'ID', 'Address', 'Votes', 'State'],
    rows: s.nodes.map((n) => ({
      cells: [n.local ? `${n.name} (local)` : n.name, String(n.nodeId), n.addr, String(n.votes), n.online ? 'online' : 'OFFLINE'],
      state: n.online ? 'ok' : 'bad',
    })),
  }),
}

/** `node1 node2 (x2)`: who is in a group, by node. */
function membersByNode(s: StatusSnapshot, members: readonly { readonly nodeId: number }[]): string {
  const counts = new Map<number, number>()
  for (const m of members) counts.set(m.nodeId, (counts.get(m.nodeId) ?? 0) + 1)
  return [...counts].map(([id, n]) => (n > 1 ? `${nodeName(s, id)} (x${n})` : nodeName(s, id))).join(' ')
}

const groupsSection: StatusSection = {
  id: 'groups',
  title: 'Process Groups',
  emptyText: 'No process groups',
  lines: (s) => s.groups.map((g) => `${g.name}: ${g.members.length} member${g.members.length === 1 ? '' : 's'} on ${membersByNode(s, g.members)}`),
  table: (s) => ({
    columns: ['Group', 'Members', 'Nodes'],
    rows: s.groups.map((g) => ({ cells: [g.name, String(g.members.length), membersByNode(s, g.members)] })),
  }),
}

function lockState(s: StatusSnapshot, l: StatusSnapshot['locks'][number]): string {
  const held = l.holders.length === 0 ? `free (last token ${l.lastToken})`
    : `${l.holders[0]!.mode} by ${l.holders.map((h) => `${nodeName(s, h.nodeId)} (token ${h.fencingToken})`).join(', ')}`
  const waiting = l.waiters.length === 0 ? '' : `, ${l.waiters.length} waiting (${l.waiters.map((w) => `${nodeName(s, w.nodeId)} ${w.mode}`).join(', ')})`
  return `${held}${waiting}${l.delayed ? ', held back by lock delay' : ''}`
}

const locksSection: StatusSection = {
  id: 'locks',
  title: 'Locks',
  emptyText: 'No locks',
  lines: (s) => s.locks.map((l) => `${l.name}: ${lockState(s, l)}`),
  table: (s) => ({
    columns: ['Lock', 'State'],
    rows: s.locks.map((l) => ({ cells: [l.name, lockState(s, l)], state: l.delayed || l.waiters.length > 0 ? 'warn' : 'ok' })),
  }),
}

function checkpointState(c: StatusSnapshot['checkpoints'][number]): string {
  const flags = [!c.complete ? 'receiving' : '', !c.available ? 'UNAVAILABLE' : ''].filter((f) => f !== '')
  return `${c.sections} section${c.sections === 1 ? '' : 's'}, ${formatBytes(c.bytes)}, ${c.openHandles} open${flags.length > 0 ? `, ${flags.join(', ')}` : ''}`
}

const checkpointsSection: StatusSection = {
  id: 'checkpoints',
  title: 'Checkpoints',
  emptyText: 'No checkpoints',
  lines: (s) => s.checkpoints.map((c) => `${c.name}: ${checkpointState(c)}`),
  table: (s) => ({
    columns: ['Checkpoint', 'State'],
    rows: s.checkpoints.map((c) => ({ cells: [c.name, checkpointState(c)], state: !c.available ? 'bad' : !c.complete ? 'warn' : 'ok' })),
  }),
}

/**
 * The sections of `ts-ha status`, in print order; the status page shows the
 * same ones.
 *
 * EXTENSION POINT — the resource manager adds one entry each here, with a
 * `collect` that fills `snapshot.extensions[id]`:
 * - `dc`: `summary` → "Current DC: node2 - partition with quorum";
 * - `resources` (after `nodes`): roles, clone summaries, `--by-node`;
 * - `failedActions`, `fencing` (fencing history), and node standby/maintenance
 *   states in `nodes`.
 */
export const STATUS_SECTIONS: readonly StatusSection[] = [
  nodesSection,
  // resources: here, once cluster.resources exists
  groupsSection,
  locksSection,
  checkpointsSection,
  // failedActions, fencing: here
]
