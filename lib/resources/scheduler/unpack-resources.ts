/**
 * Unpack, step 3: the resource tree. Meta-attributes are inherited with
 * Pacemaker's precedence (own, then parents' explicit values, then
 * `rsc_defaults`, then whatever the parent ended up with); clones get their
 * numbered instances.
 *
 * @module
 */
import type { CloneDef, GroupDef, PrimitiveDef, ResourceDef } from '../model/config.js'
import { metaToAttributes } from '../model/defaults.js'
import { INFINITY, toScore } from '../model/scores.js'
import { parseIntervalMs } from '../pacemaker/xml-values.js'
import { resourceLocation } from './location.js'
import { top } from './resource-state.js'
import { R, V, type Rsc, type WorkingSet } from './types.js'
import { isTrue } from './unpack-config.js'

/** Creates every configured resource and sorts them by priority (stable). */
export function unpackResources(ws: WorkingSet): void {
  for (const def of ws.config.resources) ws.resources.push(unpackResource(ws, def, undefined, undefined))
  ws.resources = stablePrioritySort(ws.resources)
}

/** Sorts by descending priority, keeping configuration order among equals. */
export function stablePrioritySort(list: Rsc[]): Rsc[] {
  return list.map((r, i) => ({ r, i })).sort((a, b) => b.r.priority - a.r.priority || a.i - b.i).map((x) => x.r)
}

function splitAgent(agent: string): { cls: string; provider: string | undefined; type: string } {
  const parts = agent.split(':')
  if (parts.length >= 3) return { cls: parts[0]!, provider: parts[1]!, type: parts.slice(2).join(':') }
  return { cls: parts[0] ?? '', provider: undefined, type: parts[1] ?? '' }
}

function ownAttributes(def: ResourceDef, instance: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  out.set('id', def.id)
  if (def.kind === 'primitive') {
    const a = splitAgent(def.agent)
    out.set('class', a.cls)
    if (a.provider !== undefined) out.set('provider', a.provider)
    out.set('type', a.type)
    if (def.description !== undefined) out.set('description', def.description)
  }
  if (instance !== undefined) out.set('clone', instance)
  return out
}

function metaFor(ws: WorkingSet, def: ResourceDef, parent: Rsc | undefined, instance: string | undefined): Map<string, string> {
  const meta = ownAttributes(def, instance)
  const addMissing = (m: Map<string, string>): void => {
    for (const [k, v] of m) if (!meta.has(k)) meta.set(k, v)
  }
  addMissing(metaToAttributes(def.meta))
  for (let p = parent; p !== undefined; p = p.parent) addMissing(metaToAttributes(p.def.meta))
  addMissing(metaToAttributes(ws.config.defaults.resource))
  if (parent !== undefined) addMissing(parent.meta)
  return meta
}

function newRsc(ws: WorkingSet, def: ResourceDef, parent: Rsc | undefined, instance: string | undefined): Rsc {
  const meta = metaFor(ws, def, parent, instance)
  const agent = def.kind === 'primitive' ? splitAgent(def.agent) : { cls: '', provider: undefined, type: '' }
  return {
    ws,
    id: instance === undefined ? def.id : `${def.id}:${instance}`,
    baseId: def.id,
    variant: def.kind === 'primitive' ? V.Native : def.kind === 'group' ? V.Group : V.Clone,
    def,
    parent,
    children: [],
    meta,
    ops: def.kind === 'primitive' ? def.ops ?? [] : [],
    utilization: new Map(Object.entries(def.kind === 'primitive' ? def.utilization ?? {} : {})),
    agentClass: agent.cls,
    provider: agent.provider,
    agentType: agent.type,
    role: R.Stopped,
    nextRole: R.Unknown,
    priority: 0,
    stickiness: 0,
    migrationThreshold: INFINITY,
    failureTimeout: 0,
    recovery: 'stop_start',
    allowed: new Map(),
    runningOn: [],
    knownOn: new Map(),
    allocatedTo: undefined,
    thisWith: [],
    withThis: [],
    locations: [],
    actions: [],
    cloneName: undefined,
    pendingTask: undefined,
    pendingNode: undefined,
    sortIndex: 0,
    exclusiveDiscover: false,
    clone: undefined,
    lastChild: undefined,
    groupOrdered: true,
    groupColocated: true,
    f: {
      managed: !ws.f.maintenanceMode, failed: false, stop: false, block: false, orphan: false, unique: false,
      promotable: false, provisional: true, allocating: false, merging: false, failureIgnored: false,
      needsFencing: false, needsQuorum: false, needsUnfencing: false, fenceDevice: false, notify: false,
      critical: true, startPending: false, restarting: false, stopUnexpected: false, maintenance: false,
    },
  }
}

/** Creates one resource (and its children) the way Pacemaker's `pe__unpack_resource` does. */
export function unpackResource(ws: WorkingSet, def: ResourceDef, parent: Rsc | undefined, instance: string | undefined): Rsc {
  const rsc = newRsc(ws, def, parent, instance)
  applyMeta(ws, rsc)
  if (def.kind === 'group') unpackGroup(ws, rsc, def, instance)
  else if (def.kind === 'clone') unpackClone(ws, rsc, def)
  if (ws.f.symmetric) resourceLocation(ws, rsc, undefined, 0)
  return rsc
}

function applyMeta(ws: WorkingSet, rsc: Rsc): void {
  const m = rsc.meta
  rsc.priority = toScore(m.get('priority'))
  const critical = m.get('critical')
  rsc.f.critical = critical === undefined || isTrue(critical)
  rsc.f.notify = isTrue(m.get('notify'))
  const managed = m.get('is-managed')
  if (managed !== undefined && managed.toLowerCase() !== 'default') rsc.f.managed = isTrue(managed)
  if (isTrue(m.get('maintenance')) || ws.f.maintenanceMode) {
    rsc.f.managed = false
    rsc.f.maintenance = true
  }
  const topRsc = top(rsc)
  if (topRsc.variant === V.Clone || rsc.variant === V.Clone) {
    rsc.f.unique = isTrue(m.get('globally-unique'))
    rsc.f.promotable = isTrue(m.get('promotable'))
  } else {
    rsc.f.unique = true
  }
  const multiple = m.get('multiple-active')
  rsc.recovery = multiple === 'stop_only' || multiple === 'block' || multiple === 'stop_unexpected' ? multiple : 'stop_start'
  const stick = m.get('resource-stickiness')
  if (stick !== undefined && stick.toLowerCase() !== 'default') rsc.stickiness = toScore(stick)
  const thresh = m.get('migration-threshold')
  if (thresh !== undefined && thresh.toLowerCase() !== 'default') {
    rsc.migrationThreshold = toScore(thresh)
    if (rsc.migrationThreshold < 0) rsc.migrationThreshold = 1
  }
  if (rsc.agentClass.toLowerCase() === 'stonith') {
    ws.f.haveStonithResource = true
    rsc.f.fenceDevice = true
  }
  unpackRequires(ws, rsc, m.get('requires'))
  const timeout = m.get('failure-timeout')
  if (timeout !== undefined) rsc.failureTimeout = Math.floor((parseIntervalMs(timeout) ?? 0) / 1000)
  rsc.nextRole = targetRole(rsc)
}

function unpackRequires(ws: WorkingSet, rsc: Rsc, value: string | undefined): void {
  switch (value?.toLowerCase()) {
    case 'nothing': return
    case 'quorum': rsc.f.needsQuorum = true; return
    case 'fencing': rsc.f.needsFencing = true; return
    case 'unfencing':
      if (rsc.f.fenceDevice || !ws.f.stonithEnabled) rsc.f.needsQuorum = true
      else { rsc.f.needsFencing = true; rsc.f.needsUnfencing = true }
      return
    default:
      if (rsc.f.fenceDevice) rsc.f.needsQuorum = true
      else if (ws.f.stonithEnabled) rsc.f.needsFencing = true
      else if (ws.noQuorumPolicy !== 'ignore') rsc.f.needsQuorum = true
  }
}

/** The configured target role that limits the next role (Pacemaker's `get_target_role`). */
export function targetRole(rsc: Rsc): R {
  const value = rsc.meta.get('target-role')?.toLowerCase()
  if (value === undefined || value === 'started' || value === 'default') return R.Unknown
  const role = value === 'stopped' ? R.Stopped : value === 'unpromoted' || value === 'slave' ? R.Unpromoted
    : value === 'promoted' || value === 'master' ? R.Promoted : R.Unknown
  if (role === R.Unknown) return R.Unknown
  if (role > R.Started) {
    if (!top(rsc).f.promotable) return R.Unknown
    if (role > R.Unpromoted) return R.Unknown
  }
  return role
}

/** A group flag: unset or unparsable means true (Pacemaker's `set_group_flag`). */
function groupFlag(value: string | undefined): boolean {
  if (value === undefined) return true
  const v = value.toLowerCase()
  return !(v === 'false' || v === 'off' || v === 'no' || v === 'n' || v === '0')
}

function unpackGroup(ws: WorkingSet, rsc: Rsc, def: GroupDef, instance: string | undefined): void {
  rsc.groupOrdered = groupFlag(rsc.meta.get('ordered'))
  rsc.groupColocated = groupFlag(rsc.meta.get('collocated'))
  for (const m of def.members) {
    const child = unpackResource(ws, m, rsc, instance)
    rsc.children.push(child)
    rsc.lastChild = child
  }
}

function nonNegativeInt(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number.parseInt(text, 10)
  return Number.isFinite(n) ? Math.max(0, n) : 0
}

/** Only OCF and stonith agents can be globally unique (Pacemaker's `pcmk_ra_cap_unique`). */
function supportsUnique(def: PrimitiveDef | GroupDef): boolean {
  const members = def.kind === 'group' ? def.members : [def]
  return members.every((p) => /^(ocf|stonith)$/i.test(splitAgent(p.agent).cls))
}

function unpackClone(ws: WorkingSet, rsc: Rsc, def: CloneDef): void {
  const m = rsc.meta
  // A unique clone of, say, an LSB service is silently treated as anonymous.
  const forcedAnonymous = rsc.f.unique && !supportsUnique(def.of as PrimitiveDef | GroupDef)
  if (forcedAnonymous) rsc.f.unique = false
  const promotedMax = m.get('promoted-max') ?? m.get('master-max')
  const promotedNodeMax = m.get('promoted-node-max') ?? m.get('master-node-max')
  let nodeMax = nonNegativeInt(m.get('clone-node-max'), 1)
  if (!rsc.f.unique && nodeMax > 1) nodeMax = 1
  const max = nonNegativeInt(m.get('clone-max'), Math.max(1, ws.nodes.length))
  if (forcedAnonymous) nodeMax = 1
  rsc.clone = {
    max: forcedAnonymous ? Math.min(max, ws.nodes.length) : max,
    nodeMax,
    promotedMax: rsc.f.promotable ? nonNegativeInt(promotedMax, 1) : 0,
    promotedNodeMax: rsc.f.promotable ? nonNegativeInt(promotedNodeMax, 1) : 0,
    total: 0,
    ordered: isTrue(m.get('ordered')),
    child: def.of,
    promotionAdded: false,
    promotionConstrained: false,
  }
  if (!m.has('resource-stickiness')) m.set('resource-stickiness', '1')
  m.set('globally-unique', rsc.f.unique ? 'true' : 'false')
  const count = rsc.clone.max <= 0 ? 1 : rsc.clone.max
  for (let i = 0; i < count; i++) createCloneChild(ws, rsc)
}

/** Adds the next numbered instance (an orphan once `clone-max` are used). */
export function createCloneChild(ws: WorkingSet, clone: Rsc): Rsc {
  const data = clone.clone!
  const orphan = data.total >= data.max
  const child = unpackResource(ws, data.child as PrimitiveDef | GroupDef, clone, String(data.total))
  data.total++
  clone.children.push(child)
  if (orphan) setRecursive(child, 'orphan')
  child.meta.set('clone-max', String(data.max))
  return child
}

function setRecursive(rsc: Rsc, flag: keyof Rsc['f']): void {
  rsc.f[flag] = true
  rsc.children.forEach((c) => setRecursive(c, flag))
}
