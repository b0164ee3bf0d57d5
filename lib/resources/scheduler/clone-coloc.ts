/**
 * Colocations whose primary is a clone: with any instance, with the
 * instance on the same node (interleave), or with a promotable clone's role.
 *
 * @module
 */
import { addScores, INFINITY } from '../model/scores.js'
import { applyColocScore } from './coloc-dispatch.js'
import { sameValue } from './colocation.js'
import { isSetRecursive, location, state } from './resource-state.js'
import { sortAllowed } from './nodes.js'
import { R, V, type Coloc, type Node, type Rsc, type WorkingSet } from './types.js'
import { finalizeAll } from './assign-dispatch.js'

/** Instances per node a resource supports (Pacemaker's `copies_per_node`). */
export function copiesPerNode(rsc: Rsc): number {
  if (rsc.variant !== V.Clone) return 1
  const v = rsc.meta.get('clone-node-max')
  if (v === undefined) return 1
  const n = Number.parseInt(v, 10)
  return Number.isFinite(n) ? Math.max(0, n) : 0
}

function childCompatible(child: Rsc, node: Node, filter: R, current: boolean): boolean {
  const role = state(child, current)
  const where = isSetRecursive(child, 'block', true) ? undefined : location(child, current).one
  if (filter !== R.Unknown && role !== filter) return false
  return where !== undefined && where === node
}

/** An instance of `clone` on `node` (in role `filter`), if any. */
export function compatibleChildByNode(node: Node | undefined, clone: Rsc, filter: R, current: boolean): Rsc | undefined {
  if (node === undefined) return undefined
  return clone.children.find((c) => childCompatible(c, node, filter, current))
}

/** The instance of `clone` that goes with `local` (on its node, or its best allowed node). */
export function compatibleChild(ws: WorkingSet, local: Rsc, clone: Rsc, filter: R, current: boolean): Rsc | undefined {
  const node = location(local, current).one
  if (node !== undefined) return compatibleChildByNode(node, clone, filter, current)
  for (const a of sortAllowed(ws, [...local.allowed.values()], undefined)) {
    const pair = compatibleChildByNode(a.node, clone, filter, current)
    if (pair !== undefined) return pair
  }
  return undefined
}

/** Where a resource is assigned, with the score it was assigned at (Pacemaker's `location(…, FALSE)` node copy). */
export function assignedEntry(rsc: Rsc): { node: Node; weight: number } | undefined {
  if (rsc.variant === V.Native) return rsc.allocatedTo
  const one = location(rsc, false).one
  if (one === undefined) return undefined
  for (const c of rsc.children) {
    const e = assignedEntry(c)
    if (e !== undefined && e.node === one) return e
  }
  return undefined
}

/** Node-list exclusion (Pacemaker's `node_list_exclude`): nodes not in `keep` get -INFINITY. */
export function excludeNodes(rsc: Rsc, keep: ReadonlyArray<{ node: Node; weight: number }>, merge: boolean): void {
  for (const a of rsc.allowed.values()) {
    const other = keep.find((k) => k.node === a.node)
    if (other === undefined) a.weight = -INFINITY
    else if (merge) a.weight = addScores(a.weight, other.weight)
  }
  for (const k of keep) {
    if (!rsc.allowed.has(k.node.name)) rsc.allowed.set(k.node.name, { node: k.node, weight: -INFINITY, count: 0, discover: 0 })
  }
}

/** Applies a colocation with a clone primary. */
export function applyCloneColoc(dependent: Rsc, primary: Rsc, c: Coloc): void {
  const ws = dependent.ws
  if (primary.f.promotable) {
    if (primary.f.provisional) return
    if (c.primaryRole !== R.Unknown) {
      if (dependent.f.provisional) { updateDependentWithPromotable(primary, dependent, c); return }
      if (c.dependentRole === R.Promoted) { updatePromotableDependentPriority(ws, primary, dependent, c); return }
    }
  }
  const interleave = c.dependent.meta.get('interleave')
  let doInterleave = false
  if (interleave !== undefined && /^(true|on|yes|y|1)$/i.test(interleave) && c.dependent.variant > V.Group) {
    doInterleave = copiesPerNode(c.dependent) === copiesPerNode(c.primary)
  }
  if (primary.f.provisional) return
  if (doInterleave) {
    const inst = compatibleChild(ws, dependent, primary, R.Unknown, false)
    if (inst !== undefined) applyColocScore(dependent, inst, c, true)
    else if (c.score >= INFINITY) finalizeAll(dependent)
    return
  }
  if (c.score >= INFINITY) {
    const affected: Array<{ node: Node; weight: number }> = []
    for (const child of primary.children) {
      const chosen = assignedEntry(child)
      if (chosen !== undefined && !isSetRecursive(child, 'block', true)) affected.unshift(chosen)
    }
    excludeNodes(dependent, affected, false)
    return
  }
  for (const child of primary.children) applyColocScore(dependent, child, c, false)
}

function updateDependentWithPromotable(primary: Rsc, dependent: Rsc, c: Coloc): void {
  const affected: Array<{ node: Node; weight: number }> = []
  for (const inst of primary.children) {
    const entry = assignedEntry(inst)
    if (entry === undefined) continue
    const node = entry.node
    if (state(inst, false) === c.primaryRole) {
      if (c.score < INFINITY) {
        const attr = c.nodeAttribute ?? '#uname'
        const value = node.attrs.get(attr)
        for (const a of dependent.allowed.values()) {
          if (sameValue(value, a.node.attrs.get(attr))) a.weight = addScores(a.weight, c.score)
        }
      }
      affected.unshift(entry)
    }
  }
  if (c.score >= INFINITY && (c.dependentRole !== R.Promoted || c.primaryRole !== R.Promoted)) {
    excludeNodes(dependent, affected, true)
  }
}

function updatePromotableDependentPriority(ws: WorkingSet, primary: Rsc, dependent: Rsc, c: Coloc): void {
  const inst = compatibleChild(ws, dependent, primary, c.primaryRole, false)
  if (inst !== undefined) dependent.priority = addScores(dependent.priority, c.score)
  else if (c.score >= INFINITY) dependent.priority = -INFINITY
}
