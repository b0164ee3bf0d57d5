/**
 * Text status as `crm_mon -1` (and `crm_simulate`) print it: the node list,
 * then every resource, with Pacemaker's wording for states and flags.
 *
 * @module
 */
import { numericCompare } from '../scheduler/unpack-nodes.js'
import type { CloneView, ClusterStatusView, GroupView, NodeView, PrimitiveView } from './snapshot.js'

/** Options for {@link formatStatus}. */
export interface FormatStatusOptions {
  /** Indentation of the top-level items (default two spaces). */
  indent?: string
}

function nodeText(n: NodeView): string {
  if (n.unclean) return n.online ? 'UNCLEAN (online)' : n.pending ? 'UNCLEAN (pending)' : 'UNCLEAN (offline)'
  if (n.pending) return 'pending'
  if (n.standbyOnFail && n.online) return 'standby (on-fail)'
  if (n.standby) return n.online ? (n.hasResources ? 'standby (with active resources)' : 'standby') : 'OFFLINE (standby)'
  if (n.maintenance) return n.online ? 'maintenance' : 'OFFLINE (maintenance)'
  return n.online ? 'online' : 'OFFLINE'
}

function nodeLines(nodes: readonly NodeView[], pad: string): string[] {
  const out: string[] = []
  const online: string[] = []
  const offline: string[] = []
  const remoteOnline: string[] = []
  const remoteOffline: string[] = []
  for (const n of nodes) {
    if (n.unclean || n.pending || (n.standbyOnFail && n.online) || n.standby || n.maintenance) {
      out.push(`${pad}* ${n.remote ? 'RemoteNode' : 'Node'} ${n.name}: ${nodeText(n)}`)
    } else if (n.online) (n.remote ? remoteOnline : online).push(n.name)
    else (n.remote ? remoteOffline : offline).push(n.name)
  }
  if (online.length > 0) out.push(`${pad}* Online: [ ${online.join(' ')} ]`)
  if (offline.length > 0) out.push(`${pad}* OFFLINE: [ ${offline.join(' ')} ]`)
  if (remoteOnline.length > 0) out.push(`${pad}* RemoteOnline: [ ${remoteOnline.join(' ')} ]`)
  if (remoteOffline.length > 0) out.push(`${pad}* RemoteOFFLINE: [ ${remoteOffline.join(' ')} ]`)
  return out
}

/** How crm_mon words a state change still in flight. */
const PENDING_STATE: Readonly<Record<string, string>> = {
  start: 'Starting', stop: 'Stopping', migrate_to: 'Migrating', migrate_from: 'Migrating', promote: 'Promoting', demote: 'Demoting',
}

/** One primitive's line body (Pacemaker's `pcmk__native_output_string`). */
export function primitiveText(p: PrimitiveView): string {
  let s = `${p.id}\t(${p.agent}):\t`
  if (p.orphan) s += ' ORPHANED'
  if (p.failed) {
    s += ' FAILED'
    if (p.role === 'Promoted') s += ' Promoted'
  } else {
    s += ` ${(p.pending === undefined ? undefined : PENDING_STATE[p.pending]) ?? p.role}`
  }
  if (p.node !== undefined) s += ` ${p.node}`
  // crm_mon leaves a trailing space after this one.
  if (p.probeFailure !== undefined) s += ` (${p.probeFailure}) `
  const flags: string[] = []
  if (p.nodeUnclean) flags.push('UNCLEAN')
  if (p.pending === 'monitor') flags.push('Monitoring')
  const target = p.targetRole?.toLowerCase()
  if (target === 'stopped') flags.push('disabled')
  else if (p.promotable && (target === 'unpromoted' || target === 'slave')) flags.push(`target-role:${p.targetRole}`)
  if (p.blocked) flags.push('blocked')
  else if (!p.managed) flags.push('unmanaged')
  if (p.failureIgnored) flags.push('failure ignored')
  if (flags.length > 0) s += ` (${flags.join(', ')})`
  if (p.nodes.length > 1) s += ` [ ${p.nodes.join(' ')} ]`
  return s
}

function groupLines(g: GroupView, pad: string): string[] {
  const attrs: string[] = []
  if (!g.managed) attrs.push('unmanaged')
  if (g.disabled) attrs.push('disabled')
  const header = `${pad}* Resource Group: ${g.id}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}:`
  return [header, ...g.members.map((m) => `${pad}  * ${primitiveText(m)}`)]
}

function cloneHeader(c: CloneView): string {
  const attrs: string[] = []
  if (c.promotable) attrs.push('promotable')
  if (c.unique) attrs.push('unique')
  if (!c.managed) attrs.push('unmanaged')
  if (c.disabled) attrs.push('disabled')
  return `Clone Set: ${c.id} [${c.childId}]${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}:`
}

function instanceFlags(i: PrimitiveView | GroupView): { orphan: boolean; unmanaged: boolean; failed: boolean; active: boolean; partial: boolean } {
  const members = i.kind === 'group' ? i.members : [i]
  return {
    orphan: members.some((m) => m.orphan),
    unmanaged: members.some((m) => !m.managed),
    failed: members.some((m) => m.failed),
    active: members.every((m) => m.active),
    partial: members.some((m) => m.partiallyActive),
  }
}

function cloneLines(c: CloneView, pad: string): string[] {
  const body: string[] = []
  const promoted: string[] = []
  const started: string[] = []
  for (const inst of c.instances) {
    const f = instanceFlags(inst)
    let full = false
    if (c.unique) full = f.partial || !f.orphan
    // An anonymous instance with an operation in flight is shown on its own.
    else if (inst.kind === 'primitive' && inst.pending !== undefined) full = true
    else if (!f.partial) continue
    else if (f.orphan || f.unmanaged || f.failed) full = true
    else if (f.active) {
      const where = inst.kind === 'group' ? inst.members[0] : inst
      if (where?.node === undefined || where.nodeUnclean) full = true
      else if (where.role === 'Promoted') promoted.push(where.node)
      else started.push(where.node)
    } else full = true
    if (full) body.push(...(inst.kind === 'group' ? groupLines(inst, `${pad}  `) : [`${pad}  * ${primitiveText(inst)}`]))
  }
  const sorted = (l: string[]): string[] => [...l].sort(numericCompare)
  if (promoted.length > 0) body.push(`${pad}  * Promoted: [ ${sorted(promoted).join(' ')} ]`)
  if (started.length > 0) {
    const label = !c.promotable ? 'Started' : /^(unpromoted|slave)$/i.test(c.targetRole ?? '') ? 'Unpromoted (target-role)' : 'Unpromoted'
    body.push(`${pad}  * ${label}: [ ${sorted(started).join(' ')} ]`)
  }
  const active = promoted.length + started.length
  if (!c.unique && c.cloneMax > active) {
    const plain = /^stopped$/i.test(c.targetRole ?? '') ? 'Stopped (disabled)' : 'Stopped'
    const byState = new Map<string, string[]>()
    for (const n of c.allowedNodes.filter((x) => !c.runningOn.includes(x))) {
      const failed = c.probeFailures[n]
      const state = failed === undefined ? plain : `Stopped (${failed})`
      byState.set(state, [...(byState.get(state) ?? []), n])
    }
    for (const state of [...byState.keys()].sort()) body.push(`${pad}  * ${state}: [ ${sorted(byState.get(state)!).join(' ')} ]`)
  }
  return [`${pad}* ${cloneHeader(c)}`, ...body]
}

/** Renders a status view in crm_mon's text layout. */
export function formatStatus(view: ClusterStatusView, options: FormatStatusOptions = {}): string {
  const pad = options.indent ?? '  '
  const lines = [`${pad}* Node List:`, ...nodeLines(view.nodes, `${pad}  `), '', `${pad}* Full List of Resources:`]
  if (view.resources.length === 0) lines.push(`${pad}  * No resources`)
  for (const r of view.resources) {
    if (r.kind === 'primitive') lines.push(`${pad}  * ${primitiveText(r)}`)
    else if (r.kind === 'group') lines.push(...groupLines(r, `${pad}  `))
    else lines.push(...cloneLines(r, `${pad}  `))
  }
  return lines.join('\n')
}
