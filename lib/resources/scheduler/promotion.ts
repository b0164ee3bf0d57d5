/**
 * Promotable clones: promotion scores from node attributes, instance
 * priorities (locations and colocations with the Promoted role), and the
 * choice of which instances to promote.
 *
 * @module
 */
import { addScores, formatScore, INFINITY, toScore } from '../model/scores.js'
import { applyColocScore } from './coloc-dispatch.js'
import { addColocatedScores, factorOf } from './colocation-scores.js'
import { hasInfluence } from './colocation.js'
import { cloneStrip } from './failcounts.js'
import { findInClone } from './unpack-history.js'
import { nodeAvailable } from './nodes.js'
import { findActiveOn, location, state, top } from './resource-state.js'
import { compareInstances, stableSort } from './clone-assign.js'
import { R, type Node, type Rsc, type WorkingSet } from './types.js'

function isAllowed(rsc: Rsc, node: Node): boolean {
  const a = rsc.allowed.get(node.name)
  return a !== undefined && a.weight >= 0
}

function scoreApplies(rsc: Rsc, node: Node): boolean {
  const id = cloneStrip(rsc.id)
  const parent = top(rsc)
  if (!rsc.f.unique) {
    let active: Rsc | undefined
    for (const child of parent.children) {
      const m = findInClone(child, id)
      if (m !== undefined && m.runningOn.includes(node)) { active = m; break }
    }
    if (active === rsc) return isAllowed(rsc, node)
    if (active === undefined && parent.children.some((c) => findInClone(c, id)?.knownOn.has(node.name) === true)) {
      return isAllowed(rsc, node)
    }
  }
  if (rsc.runningOn.length === 0 && rsc.knownOn.size === 0) return isAllowed(rsc, node)
  if (rsc.knownOn.has(node.name) || rsc.runningOn.includes(node)) return isAllowed(rsc, node)
  return false
}

function attrValue(node: Node, name: string): string | undefined {
  return node.attrs.get(`master-${name}`)
}

/** An instance's promotion score on a node; `isDefault` when no attribute set it. */
export function promotionScore(rsc: Rsc, node: Node): { score: number; isDefault: boolean } {
  if (rsc.children.length > 0) {
    let score = 0
    let isDefault = true
    for (const c of rsc.children) {
      const s = promotionScore(c, node)
      if (!s.isDefault) isDefault = false
      score += s.score
    }
    return { score, isDefault }
  }
  if (!scoreApplies(rsc, node)) return { score: 0, isDefault: true }
  const name = rsc.cloneName ?? rsc.id
  let value = attrValue(node, name)
  if (value === undefined && !rsc.f.unique) {
    const base = cloneStrip(rsc.id)
    if (base !== rsc.id) value = attrValue(node, base)
  }
  if (value === undefined) return { score: 0, isDefault: true }
  return { score: toScore(value), isDefault: false }
}

/** Adds positive promotion scores to instances' node scores (before placement). */
export function addPromotionScores(ws: WorkingSet, clone: Rsc): void {
  const data = clone.clone!
  if (data.promotionAdded) return
  data.promotionAdded = true
  for (const child of clone.children) {
    for (const a of child.allowed.values()) {
      if (!nodeAvailable(a.node, a.weight, false)) continue
      const { score } = promotionScore(child, a.node)
      if (score > 0) a.weight = addScores(a.weight, score)
      if (score > child.priority) child.priority = score
    }
  }
  void ws
}

function setCurrentUnpromoted(rsc: Rsc): void {
  if (rsc.role === R.Started) rsc.role = R.Unpromoted
  rsc.children.forEach(setCurrentUnpromoted)
}

function applyPromotedLocations(child: Rsc, locs: Rsc['locations'], chosen: Node): void {
  for (const loc of locs) {
    if (loc.roleFilter !== R.Promoted) continue
    const n = loc.nodes.find((x) => x.node === chosen)
    if (n !== undefined) child.priority = addScores(child.priority, n.weight)
  }
}

function setInstancePriority(clone: Rsc, inst: Rsc): void {
  if (state(inst, true) === R.Started) setCurrentUnpromoted(inst)
  const chosen = location(inst, false).one
  if (chosen === undefined) return
  const next = state(inst, false)
  if (next === R.Started || next === R.Unknown) {
    const s = promotionScore(inst, chosen)
    inst.priority = s.isDefault ? -1 : s.score
  } else if (next === R.Unpromoted || next === R.Stopped) {
    inst.priority = -INFINITY
  }
  applyPromotedLocations(inst, inst.locations, chosen)
  applyPromotedLocations(inst, clone.locations, chosen)
  for (const c of [...inst.thisWith]) applyColocScore(inst, c.primary, c, true)
  inst.sortIndex = next === R.Promoted ? INFINITY : inst.priority
}

function sortPromotable(clone: Rsc): void {
  const data = clone.clone!
  if (data.promotionConstrained) return
  data.promotionConstrained = true
  clone.f.merging = true
  for (const child of clone.children) {
    if (child.sortIndex < 0) continue
    const chosen = location(child, false).one
    if (chosen === undefined) continue
    const node = clone.allowed.get(chosen.name)
    if (node !== undefined) node.weight = addScores(child.sortIndex, node.weight)
  }
  for (const c of [...clone.thisWith]) {
    if (c.dependentRole !== R.Promoted) continue
    clone.allowed = addColocatedScores(c.primary, clone.allowed, c.nodeAttribute, factorOf(c.score),
      c.score < INFINITY ? { active: true } : {}) ?? clone.allowed
  }
  for (const c of [...clone.withThis]) {
    if (c.primaryRole !== R.Promoted || !hasInfluence(c)) continue
    clone.allowed = addColocatedScores(c.dependent, clone.allowed, c.nodeAttribute, factorOf(c.score),
      { active: true, nonNegative: true }) ?? clone.allowed
  }
  for (const child of clone.children) {
    const chosen = location(child, false).one
    if (!child.f.managed && child.nextRole === R.Promoted) child.sortIndex = INFINITY
    else if (chosen !== undefined && child.sortIndex >= 0) child.sortIndex = clone.allowed.get(chosen.name)?.weight ?? child.sortIndex
  }
  clone.children = stableSort(clone.children, comparePromotable)
  clone.f.merging = false
}

function comparePromotable(a: Rsc, b: Rsc): number {
  if (a.sortIndex !== b.sortIndex) return a.sortIndex > b.sortIndex ? -1 : 1
  const ra = state(a, true)
  const rb = state(b, true)
  if (ra !== rb) return ra > rb ? -1 : 1
  return compareInstances(a, b)
}

function toBePromotedOn(ws: WorkingSet, rsc: Rsc): { node: Node; count: number; entry: { count: number } } | undefined {
  for (const c of rsc.children) if (toBePromotedOn(ws, c) === undefined) return undefined
  const node = location(rsc, false).one
  if (node === undefined) return undefined
  if (!rsc.f.managed) {
    if (state(rsc, true) !== R.Promoted) return undefined
  } else if (rsc.priority < 0 || !nodeAvailable(node, 0, false)) {
    return undefined
  }
  const parent = top(rsc)
  const local = parent.allowed.get(node.name)
  if (local === undefined) return undefined
  if (local.count >= parent.clone!.promotedNodeMax && rsc.f.managed) return undefined
  return { node, count: local.count, entry: local }
}

function setNextRole(rsc: Rsc, role: R, onlyUnknown: boolean): void {
  if (!onlyUnknown || rsc.nextRole === R.Unknown) rsc.nextRole = role
  for (const c of rsc.children) setNextRole(c, role, onlyUnknown)
}

function setNextUnpromoted(rsc: Rsc): void {
  rsc.nextRole = location(rsc, false).list.length === 0 ? R.Stopped : R.Unpromoted
  rsc.children.forEach(setNextUnpromoted)
}

/** Chooses the promoted instances (Pacemaker's `pcmk__set_instance_roles`). */
export function setInstanceRoles(ws: WorkingSet, clone: Rsc): void {
  for (const a of clone.allowed.values()) a.count = 0
  for (const inst of clone.children) setInstancePriority(clone, inst)
  sortPromotable(clone)
  let promoted = 0
  for (const inst of clone.children) {
    ws.scores.push(`${inst.id} promotion score on ${location(inst, false).one?.name ?? 'none'}: ${formatScore(inst.sortIndex)}`)
    let chosen: ReturnType<typeof toBePromotedOn>
    if (inst.sortIndex >= 0 && (promoted < clone.clone!.promotedMax || !clone.f.managed)) chosen = toBePromotedOn(ws, inst)
    if (chosen === undefined) { setNextUnpromoted(inst); continue }
    if (inst.role < R.Promoted && !ws.f.haveQuorum && ws.noQuorumPolicy === 'freeze') { setNextUnpromoted(inst); continue }
    chosen.entry.count++
    setNextRole(inst, R.Promoted, true)
    promoted++
  }
  void findActiveOn
}
