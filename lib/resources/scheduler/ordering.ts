/**
 * Ordering constraints: `rsc_order` (kinds, symmetry, inverse orderings,
 * resource sets, clone-min) unpacked into the working set's ordering list.
 *
 * @module
 */
import type { ConstraintAction, OrderConstraint, OrderType, ResourceSet } from '../model/config.js'
import { opKey, pseudoOp } from './actions.js'
import { findConstraintResource, setResources } from './location.js'
import { O, V, type Action, type Rsc, type WorkingSet } from './types.js'

/** Records an ordering between resource actions (by key) or explicit actions. */
export function newOrdering(ws: WorkingSet, lhRsc: Rsc | undefined, lhTask: string | undefined, lhAction: Action | undefined,
  rhRsc: Rsc | undefined, rhTask: string | undefined, rhAction: Action | undefined, flags: number): void {
  ws.orderings.push({
    id: ws.nextOrderId++,
    flags,
    lhRsc: lhRsc ?? lhAction?.rsc,
    rhRsc: rhRsc ?? rhAction?.rsc,
    lhAction,
    rhAction,
    lhTask: lhTask ?? lhAction?.uuid,
    rhTask: rhTask ?? rhAction?.uuid,
  })
}

/** Orders one resource's task before another's (Pacemaker's `pcmk__order_resource_actions`). */
export function orderRsc(ws: WorkingSet, a: Rsc, ta: string, b: Rsc, tb: string, flags: number): void {
  newOrdering(ws, a, opKey(a.id, ta), undefined, b, opKey(b.id, tb), undefined, flags)
}

const INVERT: Readonly<Record<string, string>> = {
  start: 'stop', stop: 'start', promote: 'demote', demote: 'promote',
  promoted: 'demoted', demoted: 'promoted', running: 'stopped', started: 'stopped', stopped: 'running',
}

/** `started` in constraints means the `running` pseudo-action. */
function task(action: ConstraintAction | string): string {
  return action === 'started' ? 'running' : action
}

type Symmetry = 'asymmetric' | 'symmetric' | 'inverse'

function kindOf(t: OrderType | undefined): OrderType {
  return t ?? 'Mandatory'
}

function symmetryOf(kind: OrderType, symmetrical: boolean | undefined): Symmetry {
  if (symmetrical !== undefined) return symmetrical && kind !== 'Serialize' ? 'symmetric' : 'asymmetric'
  return kind === 'Serialize' ? 'asymmetric' : 'symmetric'
}

/** The edge flags for a kind and symmetry (Pacemaker's `ordering_flags_for_kind`). */
export function flagsForKind(kind: OrderType, first: string, symmetry: Symmetry): number {
  let flags: number = O.optional
  if (kind === 'Serialize') return flags | O.serializeOnly
  if (kind === 'Optional') return flags
  if (symmetry === 'asymmetric') flags |= O.asymmetrical
  else if (symmetry === 'symmetric') {
    flags |= O.impliesThen
    if (first === 'start' || first === 'promote') flags |= O.runnableLeft
  } else flags |= O.impliesFirst
  return flags
}

function minimumFirst(rsc: Rsc, c: OrderConstraint): number {
  if (rsc.variant !== V.Clone) return 0
  const min = rsc.meta.get('clone-min')
  if (min !== undefined) return Math.max(0, Number.parseInt(min, 10) || 0)
  return c.requireAll === false ? 1 : 0
}

/** Unpacks one `rsc_order`. */
export function unpackOrdering(ws: WorkingSet, c: OrderConstraint): void {
  const kind = kindOf(c.type)
  const symmetry = symmetryOf(kind, c.symmetrical)
  if (c.sets !== undefined && c.sets.length > 0) {
    unpackOrderSets(ws, c, kind, symmetry)
    return
  }
  const first = findConstraintResource(ws, c.first)
  const then = findConstraintResource(ws, c.then)
  if (first === undefined || then === undefined) return
  const fa = task(c.firstAction ?? 'start')
  const ta = task(c.thenAction ?? fa)
  let flags = flagsForKind(kind, fa, symmetry)
  // The deprecated restart-type=restart makes even optional orderings restart the dependent.
  const restartType = kind === 'Optional' && then.meta.get('restart-type')?.toLowerCase() === 'restart'
  if (restartType) flags |= O.impliesThen
  const min = minimumFirst(first, c)
  if (min > 0) cloneMinOrdering(ws, c.id, first, fa, then, ta, flags, min)
  else orderRsc(ws, first, fa, then, ta, flags)
  if (symmetry === 'symmetric') {
    const fi = INVERT[fa]
    const ti = INVERT[ta]
    if (fi !== undefined && ti !== undefined) {
      orderRsc(ws, then, ti, first, fi, flagsForKind(kind, fi, 'inverse') | (restartType ? O.impliesFirst : 0))
    }
  }
}

function cloneMinOrdering(ws: WorkingSet, id: string, first: Rsc, fa: string, then: Rsc, ta: string, flags: number, min: number): void {
  const met = pseudoOp(ws, `clone-one-or-more:${id}`)
  met.requiredRunnableBefore = min
  met.f.requiresAny = true
  for (const child of first.children) {
    newOrdering(ws, child, opKey(child.id, fa), undefined, undefined, undefined, met, O.oneOrMore | O.impliesThenPrinted)
  }
  newOrdering(ws, undefined, undefined, met, then, opKey(then.id, ta), undefined, flags | O.runnableLeft)
}

const members = (ws: WorkingSet, set: ResourceSet): Rsc[] | undefined => setResources(ws, set.resources)

function unpackOrderSets(ws: WorkingSet, c: OrderConstraint, kind: OrderType, symmetry: Symmetry): void {
  let last: ResourceSet | undefined
  for (const set of c.sets!) {
    if (!unpackOrderSet(ws, set, kind, c.symmetrical)) return
    if (last !== undefined) {
      orderSets(ws, c.id, last, set, kind, symmetry)
      if (symmetry === 'symmetric') orderSets(ws, c.id, set, last, kind, 'inverse')
    }
    last = set
  }
}

function unpackOrderSet(ws: WorkingSet, set: ResourceSet, parentKind: OrderType, parentSym: boolean | undefined): boolean {
  const action = task(set.action ?? 'start')
  const kind = set.type ?? parentKind
  const sequential = set.sequential !== false
  const symmetry = symmetryOf(set.type ?? parentKind, parentSym)
  const list = members(ws, set)
  if (list === undefined) return false
  if (list.length <= 1) return true
  const flags = flagsForKind(kind, action, symmetry)
  for (let i = 0; i < list.length; i++) {
    if (kind === 'Serialize') {
      for (const then of list.slice(i + 1)) orderRsc(ws, list[i]!, action, then, action, flags)
    } else if (sequential && i > 0) {
      orderRsc(ws, list[i - 1]!, action, list[i]!, action, flags)
    }
  }
  if (symmetry === 'asymmetric') return true
  const inv = INVERT[action]
  if (inv === undefined) return true
  const invFlags = flagsForKind(kind, inv, 'inverse')
  for (let i = 1; i < list.length; i++) if (sequential) orderRsc(ws, list[i]!, inv, list[i - 1]!, inv, invFlags)
  return true
}

function orderSets(ws: WorkingSet, id: string, set1: ResourceSet, set2: ResourceSet, kind: OrderType, symmetry: Symmetry): void {
  let a1 = task(set1.action ?? 'start')
  let a2 = task(set2.action ?? 'start')
  if (symmetry === 'inverse') { a1 = INVERT[a1] ?? a1; a2 = INVERT[a2] ?? a2 }
  const requireAll = a1 === 'stop' || a1 === 'demote' ? true : set1.requireAll !== false
  const flags = flagsForKind(kind, a2, symmetry)
  const m1 = members(ws, set1)
  const m2 = members(ws, set2)
  if (m1 === undefined || m2 === undefined) return
  if (!requireAll) {
    const any = pseudoOp(ws, `one-or-more:${set1.id}`)
    any.f.requiresAny = true
    for (const r of m1) newOrdering(ws, r, opKey(r.id, a1), undefined, undefined, undefined, any, O.oneOrMore | O.impliesThenPrinted)
    for (const r of m2) newOrdering(ws, undefined, undefined, any, r, opKey(r.id, a2), undefined, flags | O.runnableLeft)
    return
  }
  const seq1 = set1.sequential === true
  const seq2 = set2.sequential === true
  const r1 = seq1 ? (symmetry === 'inverse' ? m1[0] : m1[m1.length - 1]) : undefined
  const r2 = seq2 ? (symmetry === 'inverse' ? m2[m2.length - 1] : m2[0]) : undefined
  const firsts = r1 !== undefined ? [r1] : m1
  const thens = r2 !== undefined ? [r2] : m2
  for (const a of firsts) for (const b of thens) orderRsc(ws, a, a1, b, a2, flags)
  void id
}
