/**
 * Unpack, step 4: each node's resource history. Finds the resource each
 * history entry belongs to (mapping anonymous clone history to instance
 * numbers as Pacemaker does), replays the entries in call order, and
 * records where each resource runs and what its failures imply.
 *
 * @module
 */
import type { OperationRecord, ResourceHistory } from '../model/status.js'
import { INFINITY } from '../model/scores.js'
import { demoteAction, stopAction } from './actions.js'
import { cloneStrip } from './failcounts.js'
import { fenceNode } from './fence-node.js'
import { unpackRscOp, type OpCursor } from './failures.js'
import { resourceLocation } from './location.js'
import { isAnonClone, location, top } from './resource-state.js'
import { F, R, V, type Node, type Rsc, type WorkingSet } from './types.js'
import { createCloneChild, targetRole, unpackResource } from './unpack-resources.js'

/** Unpacks every node's history in Pacemaker's pass order. */
export function unpackHistories(ws: WorkingSet): void {
  while (historyPass(ws, false)) { /* repeat while a pass unpacked something */ }
  historyPass(ws, ws.f.stonithEnabled)
}

function historyPass(ws: WorkingSet, fence: boolean): boolean {
  let again = false
  for (const [name, state] of Object.entries(ws.status.nodes)) {
    const node = ws.nodeByName.get(name)
    if (node === undefined || node.unpacked) continue
    // Without fencing, offline nodes wait so active clone instances are numbered first.
    if (!fence && !ws.f.stonithEnabled && !node.online) continue
    node.unpacked = true
    for (const [key, hist] of Object.entries(state.resources ?? {})) unpackLrmResource(ws, node, hist.id ?? key, hist)
    again = true
  }
  return again
}

function findRsc(list: readonly Rsc[], id: string): Rsc | undefined {
  for (const r of list) {
    if (r.id === id || r.cloneName === id) return r
    const c = findRsc(r.children, id)
    if (c !== undefined) return c
  }
  return undefined
}

/** The instance (or group member in an instance) whose base id matches. */
export function findInClone(rsc: Rsc, base: string): Rsc | undefined {
  if (rsc.id === base || rsc.baseId === base) return rsc
  for (const c of rsc.children) {
    const m = findInClone(c, base)
    if (m !== undefined) return m
  }
  return undefined
}

function universalClone(ws: WorkingSet, clone: Rsc): boolean {
  return clone.clone !== undefined && clone.clone.max === ws.nodes.length
}

function findAnonymousInstance(ws: WorkingSet, node: Node, parent: Rsc, base: string): Rsc {
  let rsc: Rsc | undefined
  let inactive: Rsc | undefined
  let skipInactive = false
  for (const child of parent.children) {
    if (rsc !== undefined) break
    const where = location(child, 2).list
    if (where.length > 0) {
      if (where[0] === node) {
        rsc = findInClone(child, base)
        if (rsc !== undefined && rsc.runningOn.length > 0) {
          skipInactive = true
          rsc = undefined
        }
      }
    } else if (!skipInactive && inactive === undefined && !child.f.block) {
      inactive = findInClone(child, base)
      if (inactive?.pendingNode !== undefined && inactive.pendingNode !== node) inactive = undefined
    }
  }
  if (rsc === undefined && !skipInactive && inactive !== undefined) rsc = inactive
  if (rsc !== undefined && !rsc.f.needsFencing && (!node.online || node.unclean) && !universalClone(ws, parent)) {
    rsc = undefined
  }
  if (rsc === undefined) rsc = findInClone(createCloneChild(ws, parent), base)!
  return rsc
}

function findHistoryResource(ws: WorkingSet, node: Node, rscId: string): Rsc | undefined {
  let rsc = findRsc(ws.resources, rscId)
  let parent: Rsc | undefined
  if (rsc === undefined) {
    const zero = findRsc(ws.resources, `${cloneStrip(rscId)}:0`)
    if (zero !== undefined && !zero.f.unique) {
      rsc = zero
      parent = top(zero)
    }
  } else if (rsc.variant > V.Native) {
    return undefined
  } else {
    parent = top(rsc)
  }
  if (parent !== undefined && isAnonClone(parent)) rsc = findAnonymousInstance(ws, node, parent, cloneStrip(rscId))
  if (rsc !== undefined && rscId !== rsc.id && rscId !== rsc.cloneName) rsc.cloneName = rscId
  return rsc
}

function orphan(ws: WorkingSet, rscId: string, hist: ResourceHistory): Rsc {
  const agent = hist.agent ?? 'ocf:heartbeat:unknown'
  const rsc = unpackResource(ws, { kind: 'primitive', id: rscId, agent }, undefined, undefined)
  rsc.f.orphan = true
  ws.resources.push(rsc)
  if (!ws.f.stopRscOrphans) rsc.f.managed = false
  else resourceLocation(ws, rsc, undefined, -INFINITY)
  return rsc
}

/** Pacemaker's `pe__is_newer_op` as a sort comparator (call ids, then rc-change times). */
function compareOps(a: OperationRecord, b: OperationRecord): number {
  const sameNode = a.onNode === undefined || b.onNode === undefined ? true : a.onNode === b.onNode
  if (sameNode && a.id === b.id) return 0
  const ca = a.callId
  const cb = b.callId
  if (ca === -1 && cb === -1) return 0
  if (sameNode && ca >= 0 && ca < cb) return -1
  if (sameNode && cb >= 0 && ca > cb) return 1
  if (ca >= 0 && cb >= 0 && (!sameNode || ca === cb)) {
    const la = a.lastRcChange ?? -1
    const lb = b.lastRcChange ?? -1
    if (la >= 0 && la < lb) return -1
    if (lb >= 0 && la > lb) return 1
    return 0
  }
  return comparePending(a, b)
}

/** The transition number and TE uuid inside `transition-magic` (`status:rc;action:transition:target:uuid`). */
function magicTransition(magic: string | undefined): { id: number; uuid: string } | undefined {
  const m = magic === undefined ? null : /^-?\d+:-?\d+;-?\d+:(-?\d+):-?\d+:(.+)$/.exec(magic)
  return m === null ? undefined : { id: Number(m[1]), uuid: m[2]!.toLowerCase() }
}

/**
 * One of the two is still pending (call id -1): a later transition of the
 * same TE supersedes it (a pending start followed by a stop), transition -1
 * (a shutdown) always last; otherwise the pending one is the newer.
 */
function comparePending(a: OperationRecord, b: OperationRecord): number {
  const ta = magicTransition(a.transitionMagic)
  const tb = magicTransition(b.transitionMagic)
  if (ta === undefined || tb === undefined) return 0
  if (ta.uuid !== tb.uuid || ta.id === tb.id) return b.callId === -1 ? -1 : a.callId === -1 ? 1 : 0
  if ((ta.id >= 0 && ta.id < tb.id) || tb.id === -1) return -1
  if ((tb.id >= 0 && ta.id > tb.id) || ta.id === -1) return 1
  return 0
}

function unpackLrmResource(ws: WorkingSet, node: Node, rscId: string, hist: ResourceHistory): void {
  if (hist.ops.length === 0) return
  const rsc = findHistoryResource(ws, node, rscId) ?? orphan(ws, rscId, hist)
  const saved = rsc.role
  rsc.role = R.Unknown
  const sorted = [...hist.ops].reverse().sort(compareOps)
  const cur: OpCursor = { lastFailure: undefined, onFail: F.Ignore }
  for (const op of sorted) unpackRscOp(ws, rsc, node, op, cur)
  processRscState(ws, rsc, node, cur.onFail)
  const req = targetRole(rsc)
  if (req !== R.Unknown && (rsc.nextRole === R.Unknown || req < rsc.nextRole)) rsc.nextRole = req
  if (saved > rsc.role) rsc.role = saved
}

function markKnown(rsc: Rsc, node: Node): void {
  for (let it: Rsc | undefined = rsc; it !== undefined; it = it.parent) {
    if (!it.knownOn.has(node.name)) it.knownOn.set(node.name, node)
    if (it.f.unique) break
  }
}

function processRscState(ws: WorkingSet, rsc: Rsc, node: Node, onFailIn: F): void {
  if (rsc.role !== R.Unknown) markKnown(rsc, node)
  if (rsc.role > R.Stopped && !node.online && !node.maintenance && rsc.f.managed && ws.f.stonithEnabled) {
    fenceNode(ws, node, `${rsc.id} is thought to be active there`)
  }
  const saved = onFailIn
  const onFail = node.unclean ? F.Ignore : onFailIn
  applyOnFail(ws, rsc, node, onFail)
  if (rsc.role !== R.Stopped && rsc.role !== R.Unknown) {
    addRunning(ws, rsc, node, saved !== F.Ignore)
    if (onFail === F.Demote || onFail === F.Block) rsc.f.failed = true
    else if (onFail !== F.Ignore) { rsc.f.failed = true; rsc.f.stop = true }
  } else if (rsc.cloneName !== undefined && rsc.cloneName.includes(':')) {
    rsc.cloneName = undefined
  } else {
    for (const stop of rsc.actions) if (stop.task === 'stop' && stop.node === node) stop.f.optional = true
  }
}

function applyOnFail(ws: WorkingSet, rsc: Rsc, node: Node, onFail: F): void {
  switch (onFail) {
    case F.Demote:
      rsc.f.failed = true
      demoteAction(ws, rsc, node, false)
      break
    case F.Fence:
      fenceNode(ws, node, `${rsc.id} failed there`)
      break
    case F.Standby:
      node.standby = true
      node.standbyOnFail = true
      break
    case F.Block:
      rsc.f.managed = false
      rsc.f.block = true
      break
    case F.Migrate:
      resourceLocation(ws, rsc, node, -INFINITY)
      break
    case F.Stop:
      rsc.nextRole = R.Stopped
      break
    case F.Recover:
      if (rsc.role !== R.Stopped && rsc.role !== R.Unknown) {
        rsc.f.failed = true
        rsc.f.stop = true
        stopAction(ws, rsc, node, false)
      }
      break
    default:
      break
  }
}

function multiplyActive(rsc: Rsc): boolean {
  if (rsc.variant !== V.Native) return false
  let count = 0
  for (const n of rsc.runningOn) if (rsc.f.needsFencing || (n.online && !n.unclean)) count++
  return count > 1
}

/** Records the resource as running on the node (Pacemaker's `native_add_running`). */
export function addRunning(ws: WorkingSet, rsc: Rsc, node: Node, failed: boolean): void {
  if (rsc.runningOn.includes(node)) return
  rsc.runningOn.push(node)
  if (rsc.variant === V.Native) {
    node.running.push(rsc)
    if (rsc.priority !== 0 && !failed) node.priority += rsc.role === R.Promoted ? rsc.priority + 1 : rsc.priority
    if (node.maintenance) rsc.f.managed = false
  }
  if (!rsc.f.managed) {
    resourceLocation(ws, rsc, node, INFINITY)
    for (let p = rsc.parent; p !== undefined && node.online; p = p.parent) p.runningOn.push(node)
    return
  }
  if (multiplyActive(rsc)) {
    if (rsc.recovery === 'stop_only') {
      rsc.allowed = new Map(ws.nodes.map((n) => [n.name, { node: n, weight: -INFINITY, count: 0, discover: 0 }]))
    } else if (rsc.recovery === 'block') {
      rsc.f.managed = false
      rsc.f.block = true
      if (rsc.parent?.variant === V.Group && rsc.parent.recovery === 'block') {
        for (const c of rsc.parent.children) { c.f.managed = false; c.f.block = true }
      }
    }
  }
  if (rsc.parent !== undefined) addRunning(ws, rsc.parent, node, false)
}

