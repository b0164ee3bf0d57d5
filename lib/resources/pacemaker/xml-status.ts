/**
 * `<status>` → per-node state, transient attributes and operation history.
 *
 * @module
 */
import type { CibStatus, NodeStatus, OperationRecord, ResourceHistory } from '../model/status.js'
import { childrenNamed, firstChild, requireAttr, type IdIndex, type XmlElement } from './xml-tree.js'
import { nvpairs, parseBool } from './xml-values.js'

/** The status section, keyed by node name (`uname`, mapped through `nodeNames` by id). */
export function importStatus(status: XmlElement | undefined, ids: IdIndex, nodeNames: Map<string, string>): CibStatus {
  const nodes: Record<string, NodeStatus> = {}
  for (const state of childrenNamed(status, 'node_state')) {
    const id = state.attrs['id']
    const uname = state.attrs['uname']
    if (id === undefined || uname === undefined) continue
    const name = nodeNames.get(id) ?? uname
    if (nodes[name] !== undefined) continue
    nodes[name] = nodeState(state, ids)
  }
  return { nodes }
}

function nodeState(e: XmlElement, ids: IdIndex): NodeStatus {
  const a = e.attrs
  const s: NodeStatus = {}
  if (a['id'] !== undefined) s.id = a['id']
  const inCcm = a['in_ccm']
  if (inCcm !== undefined) s.inCluster = parseBool(inCcm) === true
  const crmd = a['crmd']
  if (crmd !== undefined) s.crmd = crmd.toLowerCase() === 'online' ? 'online' : 'offline'
  const join = a['join']
  if (join === 'member' || join === 'down' || join === 'pending' || join === 'banned' || join === 'nack') s.join = join
  const expected = a['expected']
  if (expected === 'member' || expected === 'down') s.expected = expected
  const attrs = nvpairs(firstChild(e, 'transient_attributes'), 'instance_attributes', ids)
  if (attrs.size > 0) s.attributes = Object.fromEntries(attrs)
  const lrm = firstChild(firstChild(e, 'lrm'), 'lrm_resources')
  const resources: Record<string, ResourceHistory> = {}
  for (const r of childrenNamed(lrm, 'lrm_resource')) {
    const id = r.attrs['id']
    if (id === undefined) continue
    let key = id
    for (let n = 2; resources[key] !== undefined; n++) key = `${id}#${n}`
    resources[key] = key === id ? history(r) : { id, ...history(r) }
  }
  if (Object.keys(resources).length > 0) s.resources = resources
  return s
}

function history(e: XmlElement): ResourceHistory {
  const cls = e.attrs['class']
  const type = e.attrs['type']
  const provider = e.attrs['provider']
  const h: ResourceHistory = { ops: childrenNamed(e, 'lrm_rsc_op').map(operation) }
  if (cls !== undefined && type !== undefined) h.agent = provider === undefined ? `${cls}:${type}` : `${cls}:${provider}:${type}`
  if (e.attrs['container'] !== undefined) h.container = e.attrs['container']
  return h
}

function operation(e: XmlElement): OperationRecord {
  const a = e.attrs
  const key = a['transition-key']
  const op: OperationRecord = {
    id: requireAttr(e, 'id'),
    operation: requireAttr(e, 'operation'),
    intervalMs: Number.parseInt(a['interval'] ?? '0', 10) || 0,
    callId: intOr(a['call-id'], -1),
    rc: intOr(a['rc-code'], 1),
    status: intOr(a['op-status'], 4),
    expectedRc: expectedRc(key),
  }
  const change = a['last-rc-change']
  if (change !== undefined && /^\d+$/.test(change)) op.lastRcChange = Number(change) * 1000
  if (a['operation_key'] !== undefined) op.key = a['operation_key']
  if (a['op-digest'] !== undefined) op.digest = a['op-digest']
  if (a['op-restart-digest'] !== undefined) op.restartDigest = a['op-restart-digest']
  if (a['op-force-restart'] !== undefined) op.forceRestart = a['op-force-restart']
  if (a['op-secure-digest'] !== undefined) op.secureDigest = a['op-secure-digest']
  if (a['op-secure-params'] !== undefined) op.secureParams = a['op-secure-params']
  if (a['crm_feature_set'] !== undefined) op.featureSet = a['crm_feature_set']
  if (a['exit-reason'] !== undefined && a['exit-reason'] !== '') op.exitReason = a['exit-reason']
  if (a['on_node'] !== undefined) op.onNode = a['on_node']
  if (key !== undefined) op.transitionKey = key
  if (a['transition-magic'] !== undefined) op.transitionMagic = a['transition-magic']
  return op
}

function intOr(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number.parseInt(text, 10)
  return Number.isFinite(n) ? n : fallback
}

/** The expected rc from a transition key `action:transition:target_rc:uuid` (-1 if absent). */
function expectedRc(key: string | undefined): number {
  if (key === undefined) return -1
  const parts = key.split(':')
  const rc = Number.parseInt(parts[2] ?? '', 10)
  return parts.length >= 4 && Number.isFinite(rc) ? rc : -1
}
