/**
 * A plain, serialisable view of cluster status (crm_mon's content): node
 * states and the resource tree with each primitive's displayed state.
 *
 * @module
 */
import { currentNode, isActive, isSetRecursive, location, state, top } from '../scheduler/resource-state.js'
import { R, ROLE_TEXT, V, type Node, type Rsc, type WorkingSet } from '../scheduler/types.js'

/** One node's state. */
export interface NodeView {
  name: string
  online: boolean
  unclean: boolean
  pending: boolean
  standby: boolean
  standbyOnFail: boolean
  maintenance: boolean
  /** Whether any resource is recorded as running there. */
  hasResources: boolean
  /** A Pacemaker Remote node. */
  remote: boolean
}

/** A primitive (or clone instance) as displayed. */
export interface PrimitiveView {
  kind: 'primitive'
  id: string
  agent: string
  /** `Started`, `Stopped`, `Promoted`, `Unpromoted`. */
  role: string
  failed: boolean
  orphan: boolean
  managed: boolean
  blocked: boolean
  failureIgnored: boolean
  /** Configured `target-role`, verbatim. */
  targetRole?: string
  /** Why a stopped resource's probe failed (`not installed`), if it did. */
  probeFailure?: string
  /** The operation recorded as still in flight (`start`, `monitor`, …), if any; probes are not shown. */
  pending?: string
  promotable: boolean
  /** Nodes the resource runs on (several when multiply active). */
  nodes: string[]
  /** The single node shown after the role, if any. */
  node?: string
  nodeUnclean: boolean
  active: boolean
  partiallyActive: boolean
}

/** A group. */
export interface GroupView {
  kind: 'group'
  id: string
  managed: boolean
  disabled: boolean
  members: PrimitiveView[]
}

/** A clone with its instances. */
export interface CloneView {
  kind: 'clone'
  id: string
  childId: string
  promotable: boolean
  unique: boolean
  managed: boolean
  disabled: boolean
  cloneMax: number
  instances: Array<PrimitiveView | GroupView>
  /** Configured target-role of the clone or its child. */
  targetRole?: string
  /** Nodes the clone may run on (for the Stopped list). */
  allowedNodes: string[]
  /** Per node, why the clone's probe failed there (`not installed`). */
  probeFailures: Record<string, string>
  runningOn: string[]
}

/** The status of a cluster. */
export interface ClusterStatusView {
  nodes: NodeView[]
  resources: Array<PrimitiveView | GroupView | CloneView>
}

function disabled(rsc: Rsc): boolean {
  const t = rsc.meta.get('target-role')?.toLowerCase()
  return t === 'stopped' || ((t === 'unpromoted' || t === 'slave') && top(rsc).f.promotable)
}

/** Pacemaker's wording of OCF exit codes (`services_ocf_exitcode_str`). */
const EXIT_TEXT = ['ok', 'error', 'invalid parameter', 'unimplemented feature', 'insufficient privileges', 'not installed',
  'not configured', 'not running', 'promoted', 'promoted (failed)']

/** The masked probe failure recorded for a resource (a clone's: its child's), on `node` or anywhere. */
function failedProbe(rsc: Rsc, node: string | undefined): string | undefined {
  const clone = rsc.variant === V.Clone ? rsc : top(rsc).variant === V.Clone ? top(rsc) : undefined
  const id = clone === undefined ? rsc.id : clone.clone!.child.id
  const hit = rsc.ws.maskedProbes.find((p) => (node === undefined || p.node === node) && p.rsc === id)
  return hit === undefined ? undefined : EXIT_TEXT[hit.rc] ?? 'unknown'
}

function primitiveView(rsc: Rsc): PrimitiveView {
  let role = rsc.role
  if (role === R.Started && top(rsc).f.promotable) role = R.Unpromoted
  const node: Node | undefined = currentNode(rsc) ?? rsc.pendingNode
  const multiple = rsc.runningOn.length > 1
  const view: PrimitiveView = {
    kind: 'primitive',
    id: rsc.f.unique ? rsc.id : rsc.baseId,
    agent: rsc.provider === undefined ? `${rsc.agentClass}:${rsc.agentType}` : `${rsc.agentClass}:${rsc.provider}:${rsc.agentType}`,
    role: ROLE_TEXT[role],
    failed: rsc.f.failed,
    orphan: rsc.f.orphan,
    managed: rsc.f.managed,
    blocked: rsc.f.block,
    failureIgnored: rsc.f.failureIgnored,
    promotable: top(rsc).f.promotable,
    nodes: rsc.runningOn.map((n) => n.name),
    nodeUnclean: node !== undefined && !node.online && node.unclean,
    active: isActive(rsc, true),
    partiallyActive: isActive(rsc, false),
  }
  const target = rsc.meta.get('target-role')
  if (target !== undefined) view.targetRole = target
  if (rsc.pendingTask !== undefined) view.pending = rsc.pendingTask
  if (role === R.Stopped) {
    const failed = failedProbe(rsc, multiple ? undefined : node?.name)
    if (failed !== undefined) view.probeFailure = failed
  }
  if (node !== undefined && !multiple) view.node = node.name
  return view
}

function groupView(rsc: Rsc): GroupView {
  return { kind: 'group', id: rsc.id, managed: rsc.f.managed, disabled: disabled(rsc), members: rsc.children.map(primitiveView) }
}

function cloneView(rsc: Rsc): CloneView {
  const instances = [...rsc.children].sort((a, b) => num(a) - num(b)).map((c) => (c.variant === V.Group ? groupView(c) : primitiveView(c)))
  const view: CloneView = {
    kind: 'clone', id: rsc.id, childId: rsc.clone!.child.id, promotable: rsc.f.promotable, unique: rsc.f.unique,
    managed: rsc.f.managed, disabled: disabled(rsc), cloneMax: rsc.clone!.max, instances,
    allowedNodes: [...(rsc.allowed.size > 0 ? rsc.allowed.values() : [...rsc.knownOn.values()].map((n) => ({ node: n })))].map((a) => a.node.name),
    runningOn: rsc.runningOn.map((n) => n.name),
    probeFailures: {},
  }
  for (const n of view.allowedNodes) {
    const failed = failedProbe(rsc, n)
    if (failed !== undefined) view.probeFailures[n] = failed
  }
  const target = rsc.meta.get('target-role') ?? rsc.children[0]?.meta.get('target-role')
  if (target !== undefined) view.targetRole = target
  return view
}

function num(rsc: Rsc): number {
  const i = rsc.id.lastIndexOf(':')
  return i < 0 ? 0 : Number(rsc.id.slice(i + 1)) || 0
}

/** The status view of an unpacked working set. */
export function statusView(ws: WorkingSet): ClusterStatusView {
  const nodes = ws.nodes.map((n) => ({
    name: n.name, online: n.online, unclean: n.unclean, pending: n.pending, standby: n.standby,
    standbyOnFail: n.standbyOnFail, maintenance: n.maintenance, hasResources: n.running.length > 0, remote: n.type === 'remote',
  }))
  const resources: ClusterStatusView['resources'] = []
  for (const r of ws.resources) {
    if (r.f.orphan && !isActive(r, true)) continue
    resources.push(r.variant === V.Native ? primitiveView(r) : r.variant === V.Group ? groupView(r) : cloneView(r))
  }
  return { nodes, resources }
}

export { isSetRecursive, location, state }
