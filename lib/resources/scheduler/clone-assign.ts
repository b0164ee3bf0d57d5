/**
 * Clone placement (Pacemaker 2.1.5's `pcmk__clone_allocate` and
 * `distribute_children`): instances sorted, active instances kept in place up
 * to the optimal count per node, the rest placed like primitives.
 *
 * @module
 */
import { INFINITY } from '../model/scores.js'
import { assignResource } from './assign-dispatch.js'
import { recordScores, unassign } from './assign.js'
import { addColocatedScores, factorOf } from './colocation-scores.js'
import { addThisWith, addWithThis, hasInfluence } from './colocation.js'
import { copyTable, nodeAvailable, sortAllowed, strcmp } from './nodes.js'
import { resourceLocation } from './location.js'
import { addPromotionScores, setInstanceRoles } from './promotion.js'
import { findActiveOn, location, top } from './resource-state.js'
import type { Allowed, Node, Rsc, WorkingSet } from './types.js'

/** The parent's allowed entry for a node (Pacemaker's `pcmk__top_allowed_node`). */
export function topAllowed(rsc: Rsc, node: Node | undefined): Allowed | undefined {
  if (node === undefined) return undefined
  return (rsc.parent ?? rsc).allowed.get(node.name)
}

function updateScoreRecursive(rsc: Rsc, name: string, score: number): void {
  const a = rsc.allowed.get(name)
  if (a !== undefined) a.weight = Math.max(-INFINITY, Math.min(INFINITY, addSat(a.weight, score)))
  for (const c of rsc.children) updateScoreRecursive(c, name, score)
}

function addSat(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY
  if (a >= INFINITY || b >= INFINITY) return INFINITY
  return a + b
}

function canRunInstance(rsc: Rsc, node: Node, limit: number): void {
  const ok = nodeAvailable(node, 0, false) && !rsc.f.orphan
  const local = ok ? topAllowed(rsc, node) : undefined
  if (local !== undefined && local.weight < 0) updateScoreRecursive(rsc, node.name, local.weight)
  else if (local !== undefined && local.count < limit) return
  updateScoreRecursive(rsc, node.name, -INFINITY)
}

function appendParentColocation(parent: Rsc, child: Rsc, all: boolean): void {
  for (const c of parent.thisWith) if (all || c.score < 0 || c.score === INFINITY) addThisWith(child, c)
  for (const c of parent.withThis) {
    if (!hasInfluence(c, child)) continue
    if (all || c.score < 0) addWithThis(child, c)
  }
}

function allocateInstance(ws: WorkingSet, rsc: Rsc, prefer: Node | undefined, allColoc: boolean, limit: number): Node | undefined {
  if (!rsc.f.provisional) return location(rsc, false).one
  if (rsc.f.allocating) return undefined
  appendParentColocation(rsc.parent!, rsc, allColoc)
  if (prefer !== undefined) {
    const local = rsc.allowed.get(prefer.name)
    if (local === undefined || local.weight < 0) return undefined
  }
  for (const a of [...rsc.allowed.values()]) canRunInstance(rsc, a.node, limit)
  const backup = copyTable(rsc.allowed)
  let chosen = assignResource(ws, rsc, prefer)
  if (chosen !== undefined && prefer !== undefined && chosen !== prefer) {
    rsc.allowed = backup
    unassignTree(rsc)
    chosen = undefined
  }
  if (chosen !== undefined) {
    const local = topAllowed(rsc, chosen)
    if (local !== undefined) local.count++
  }
  return chosen
}

function unassignTree(rsc: Rsc): void {
  if (rsc.children.length === 0) unassign(rsc)
  else {
    rsc.f.provisional = true
    for (const c of rsc.children) unassignTree(c)
  }
}

function distribute(ws: WorkingSet, clone: Rsc, nodes: Allowed[], max: number, perHost: number): void {
  let available = 0
  for (const n of nodes) {
    n.count = 0
    if (nodeAvailable(n.node, n.weight, false)) available++
  }
  const allColoc = max < available
  const loopMax = Math.max(1, available > 0 ? Math.floor(max / available) : 0)
  let allocated = 0
  for (const child of clone.children) {
    if (allocated >= max) break
    if (child.runningOn.length === 0 || !child.f.provisional || child.f.failed) continue
    const node = findActiveOn(child).node
    const local = topAllowed(child, node)
    if (!nodeAvailable(node, node?.weight ?? 0, true)) continue
    if (local !== undefined && local.count >= loopMax) continue
    if (allocateInstance(ws, child, node, allColoc, perHost) !== undefined) allocated++
  }
  for (const child of clone.children) {
    if (!child.f.provisional) continue
    if (allocated >= max) resourceLocation(ws, child, undefined, -INFINITY)
    else if (allocateInstance(ws, child, undefined, allColoc, perHost) !== undefined) allocated++
  }
}

/** Assigns a clone's instances (and, for promotable clones, their roles). */
export function assignClone(ws: WorkingSet, rsc: Rsc, prefer: Node | undefined): Node | undefined {
  if (!rsc.f.provisional || rsc.f.allocating) return undefined
  const data = rsc.clone!
  if (rsc.f.promotable) addPromotionScores(ws, rsc)
  rsc.f.allocating = true
  for (const c of [...rsc.thisWith]) assignResource(ws, c.primary, prefer)
  for (const c of [...rsc.withThis]) {
    if (!hasInfluence(c)) continue
    rsc.allowed = addColocatedScores(c.dependent, rsc.allowed, c.nodeAttribute, factorOf(c.score),
      { active: true, nonNegative: true }) ?? rsc.allowed
  }
  recordScores(ws, 'pcmk__clone_allocate', rsc)
  const nodes = sortAllowed(ws, [...rsc.allowed.values()], undefined)
  rsc.children = stableSort(rsc.children, compareInstances)
  distribute(ws, rsc, nodes, data.max, data.nodeMax)
  if (rsc.f.promotable) setInstanceRoles(ws, rsc)
  rsc.f.provisional = false
  rsc.f.allocating = false
  return undefined
}

/** A stable sort (glib's merge sort keeps equal elements in order). */
export function stableSort<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  return list.map((v, i) => ({ v, i })).sort((a, b) => cmp(a.v, b.v) || a.i - b.i).map((x) => x.v)
}

function didFail(rsc: Rsc): boolean {
  return rsc.f.failed || rsc.children.some(didFail)
}

function allowedHere(rsc: Rsc, node: Node | undefined): boolean {
  if (node === undefined) return true
  const a = rsc.allowed.get(node.name)
  return a !== undefined && a.weight >= 0
}

function colocatedScoreOnCurrent(inst: Rsc, node: Node): number {
  let table: Map<string, Allowed> | undefined = new Map([[node.name, { node, weight: node.weight, count: 0, discover: 0 }]])
  const parent = inst.parent!
  for (const c of parent.thisWith) {
    table = addColocatedScores(c.primary, table, c.nodeAttribute, factorOf(c.score), {}) ?? table
  }
  for (const c of parent.withThis) {
    if (!hasInfluence(c, inst)) continue
    table = addColocatedScores(c.dependent, table, c.nodeAttribute, factorOf(c.score), { nonNegative: true }) ?? table
  }
  return table?.get(node.name)?.weight ?? node.weight
}

/** Pacemaker's `pcmk__cmp_instance`: which instance to place first. */
export function compareInstances(a: Rsc, b: Rsc): number {
  const fa = findActiveOn(a)
  const fb = findActiveOn(b)
  if (fa.all > 0 && fb.all > 0 && fa.all !== fb.all) return fa.all < fb.all ? -1 : 1
  let n1 = fa.node
  let n2 = fb.node
  const can1 = allowedHere(a, n1)
  const can2 = allowedHere(b, n2)
  if (!can1) n1 = undefined
  if (!can2) n2 = undefined
  if (can1 !== can2) return can1 ? -1 : 1
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1
  if (n1 === undefined && n2 === undefined) return 0
  if (n1 === undefined) return 1
  if (n2 === undefined) return -1
  const av1 = nodeAvailable(n1, 0, false)
  const av2 = nodeAvailable(n2, 0, false)
  if (av1 !== av2) return av1 ? -1 : 1
  const t1 = topAllowed(a, n1)
  const t2 = topAllowed(b, n2)
  if (t1 === undefined && t2 === undefined) return 0
  if (t1 === undefined) return 1
  if (t2 === undefined) return -1
  if (t1.count !== t2.count) return t1.count < t2.count ? -1 : 1
  const d1 = didFail(a)
  const d2 = didFail(b)
  if (d1 !== d2) return d1 ? 1 : -1
  const s1 = colocatedScoreOnCurrent(a, fa.node!)
  const s2 = colocatedScoreOnCurrent(b, fb.node!)
  if (s1 !== s2) return s1 < s2 ? 1 : -1
  return instanceNumber(a) - instanceNumber(b)
}

/** The `:N` of an instance id. */
export function instanceNumber(rsc: Rsc): number {
  const i = rsc.id.lastIndexOf(':')
  return i < 0 ? 0 : Number.parseInt(rsc.id.slice(i + 1), 10) || 0
}

export { strcmp, top }
