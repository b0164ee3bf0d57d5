/**
 * Colocation constraints: unpacking (with resource sets), the per-resource
 * lists Pacemaker keeps sorted, and applying a colocation to a dependent's
 * node scores or promotion priority.
 *
 * @module
 */
import type { ColocationConstraint, ResourceSet, Role } from '../model/config.js'
import { addScores, INFINITY, toScore } from '../model/scores.js'
import { orderRsc } from './ordering.js'
import { findConstraintResource, setResources } from './location.js'
import { nodeAvailable } from './nodes.js'
import { O, R, V, type Coloc, type Rsc, type WorkingSet } from './types.js'

function roleOf(role: Role | undefined): R {
  switch (role) {
    case 'Stopped': return R.Stopped
    case 'Unpromoted': return R.Unpromoted
    case 'Promoted': return R.Promoted
    default: return R.Unknown
  }
}

function cmpBy(pick: (c: Coloc) => Rsc): (a: Coloc, b: Coloc) => number {
  return (a, b) => {
    const ra = pick(a)
    const rb = pick(b)
    if (ra.priority !== rb.priority) return ra.priority > rb.priority ? -1 : 1
    if (ra.variant !== rb.variant) return ra.variant > rb.variant ? -1 : 1
    if (ra.variant === V.Clone && ra.f.promotable !== rb.f.promotable) return ra.f.promotable ? -1 : 1
    return ra.id < rb.id ? -1 : ra.id > rb.id ? 1 : 0
  }
}

const byPrimary = cmpBy((c) => c.primary)
const byDependent = cmpBy((c) => c.dependent)

/** Inserts before the first element not less than it (glib's `g_list_insert_sorted`). */
function insertSorted(list: Coloc[], c: Coloc, cmp: (a: Coloc, b: Coloc) => number): void {
  let i = 0
  while (i < list.length && cmp(c, list[i]!) > 0) i++
  list.splice(i, 0, c)
}

/** Adds a "this with" colocation to a resource's list. */
export function addThisWith(rsc: Rsc, c: Coloc): void {
  insertSorted(rsc.thisWith, c, byPrimary)
}

/** Adds a "with this" colocation to a resource's list. */
export function addWithThis(rsc: Rsc, c: Coloc): void {
  insertSorted(rsc.withThis, c, byDependent)
}

function antiColocationOrder(ws: WorkingSet, first: Rsc, firstRole: R, then: Rsc, thenRole: R): void {
  const firstTasks = firstRole === R.Promoted ? ['demote'] : firstRole === R.Unpromoted ? ['stop', 'promote'] : ['stop']
  const thenTasks = thenRole === R.Promoted ? ['promote'] : thenRole === R.Unpromoted ? ['start', 'demote'] : ['start']
  for (const ft of firstTasks) {
    for (const tt of thenTasks) orderRsc(ws, first, ft, then, tt, O.antiColocation)
  }
}

/** Creates a colocation (Pacemaker's `pcmk__new_colocation`). */
export function newColocation(ws: WorkingSet, id: string, nodeAttribute: string | undefined, score: number,
  dependent: Rsc | undefined, primary: Rsc | undefined, dependentRole: R, primaryRole: R, influence: boolean): void {
  if (score === 0 || dependent === undefined || primary === undefined) return
  const c: Coloc = { id, dependent, primary, score, dependentRole, primaryRole, nodeAttribute, influence }
  addThisWith(dependent, c)
  addWithThis(primary, c)
  ws.colocations.push(c)
  if (score <= -INFINITY) {
    antiColocationOrder(ws, dependent, dependentRole, primary, primaryRole)
    antiColocationOrder(ws, primary, primaryRole, dependent, dependentRole)
  }
}

function influenceOf(c: ColocationConstraint, rsc: Rsc): boolean {
  return c.influence ?? rsc.f.critical
}

/** Unpacks one `rsc_colocation`. */
export function unpackColocation(ws: WorkingSet, c: ColocationConstraint): void {
  const score = toScore(c.score)
  if (c.sets !== undefined && c.sets.length > 0) {
    let last: ResourceSet | undefined
    for (const set of c.sets) {
      unpackColocationSet(ws, c, set, score)
      if (last !== undefined) colocateSets(ws, c, last, set, score)
      last = set
    }
    return
  }
  const dependent = findConstraintResource(ws, c.rsc)
  const primary = findConstraintResource(ws, c.withRsc)
  if (dependent === undefined || primary === undefined) return
  newColocation(ws, c.id, c.nodeAttribute, score, dependent, primary, roleOf(c.rscRole), roleOf(c.withRscRole),
    influenceOf(c, dependent))
}

const setMembers = (ws: WorkingSet, set: ResourceSet): Rsc[] | undefined => setResources(ws, set.resources)

function unpackColocationSet(ws: WorkingSet, c: ColocationConstraint, set: ResourceSet, score: number): void {
  const local = set.score === undefined ? score : toScore(set.score)
  if (local === 0 || set.sequential === false) return
  const members = setMembers(ws, set)
  if (members === undefined) return
  const role = roleOf(set.role)
  if (local > 0 && set.colocationOrder === 'listed') {
    for (let i = 1; i < members.length; i++) {
      const r = members[i - 1]!
      newColocation(ws, set.id, undefined, local, r, members[i]!, role, role, influenceOf(c, r))
    }
    return
  }
  if (local > 0) {
    for (let i = 1; i < members.length; i++) {
      const r = members[i]!
      newColocation(ws, set.id, undefined, local, r, members[i - 1]!, role, role, influenceOf(c, r))
    }
    return
  }
  for (let i = 0; i < members.length; i++) {
    for (let j = 0; j < i; j++) {
      newColocation(ws, set.id, undefined, local, members[i]!, members[j]!, role, role, influenceOf(c, members[i]!))
    }
  }
}

function colocateSets(ws: WorkingSet, c: ColocationConstraint, set1: ResourceSet, set2: ResourceSet, score: number): void {
  if (score === 0) return
  const m1 = setMembers(ws, set1)
  const m2 = setMembers(ws, set2)
  if (m1 === undefined || m2 === undefined) return
  const r1 = set1.sequential !== false ? m1[0] : undefined
  const r2 = set2.sequential !== false ? m2[m2.length - 1] : undefined
  const role1 = roleOf(set1.role)
  const role2 = roleOf(set2.role)
  const firsts = r1 !== undefined ? [r1] : m1
  const seconds = r2 !== undefined ? [r2] : m2
  for (const a of firsts) for (const b of seconds) newColocation(ws, c.id, undefined, score, a, b, role1, role2, influenceOf(c, a))
}

/** How a colocation affects a dependent now (Pacemaker's `pcmk__colocation_affects`). */
export function colocationAffects(dependent: Rsc, primary: Rsc, c: Coloc, preview: boolean): 'nothing' | 'role' | 'location' {
  if (!preview && primary.f.provisional) return 'nothing'
  if (c.dependentRole >= R.Unpromoted && dependent.parent !== undefined && dependent.parent.f.promotable && !dependent.f.provisional) {
    return 'role'
  }
  if (!preview && !dependent.f.provisional) return 'nothing'
  if (c.score > 0 && c.dependentRole !== R.Unknown && c.dependentRole !== dependent.nextRole) return 'nothing'
  if (c.score > 0 && c.primaryRole !== R.Unknown && c.primaryRole !== primary.nextRole) return 'nothing'
  if (c.score < 0 && c.dependentRole !== R.Unknown && c.dependentRole === dependent.nextRole) return 'nothing'
  if (c.score < 0 && c.primaryRole !== R.Unknown && c.primaryRole === primary.nextRole) return 'nothing'
  return 'location'
}

/** Adjusts the dependent's node scores for an assigned primary (Pacemaker's `pcmk__apply_coloc_to_weights`). */
export function applyColocToWeights(dependent: Rsc, primary: Rsc, c: Coloc): void {
  const attr = c.nodeAttribute ?? '#id'
  const assigned = primary.allocatedTo?.node
  let value: string | undefined
  if (assigned !== undefined) value = assigned.attrs.get(attr)
  else if (c.score < 0) return
  const work = new Map([...dependent.allowed].map(([k, a]) => [k, { ...a }]))
  for (const a of work.values()) {
    if (assigned === undefined) {
      a.weight = addScores(-c.score, a.weight)
    } else if (sameValue(a.node.attrs.get(attr), value)) {
      if (c.score < INFINITY) a.weight = addScores(c.score, a.weight)
    } else if (c.score >= INFINITY) {
      a.weight = addScores(-c.score, a.weight)
    }
  }
  if (c.score <= -INFINITY || c.score >= INFINITY || [...work.values()].some((a) => nodeAvailable(a.node, a.weight, true))) {
    dependent.allowed = work
  }
}

/** Case-insensitive equality with Pacemaker's NULL handling. */
export function sameValue(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.toLowerCase() === b.toLowerCase()
}

/** Adjusts a promotable instance's priority (Pacemaker's `pcmk__apply_coloc_to_priority`). */
export function applyColocToPriority(dependent: Rsc, primary: Rsc, c: Coloc): void {
  const pn = primary.allocatedTo?.node
  const dn = dependent.allocatedTo?.node
  if (pn === undefined || dn === undefined) return
  const attr = c.nodeAttribute ?? '#id'
  if (!sameValue(dn.attrs.get(attr), pn.attrs.get(attr))) {
    if (c.score === INFINITY && c.dependentRole === R.Promoted) dependent.priority = -INFINITY
    return
  }
  if (c.primaryRole !== R.Unknown && c.primaryRole !== primary.nextRole) return
  const mult = c.dependentRole === R.Unpromoted ? -1 : 1
  dependent.priority = addScores(mult * c.score, dependent.priority)
}

/** Whether the dependent may pull the primary (Pacemaker's `pcmk__colocation_has_influence`). */
export function hasInfluence(c: Coloc, rsc?: Rsc): boolean {
  const r = rsc ?? c.primary
  return c.influence || r.runningOn.length === 0
}
