/**
 * Implicit orderings every resource brings: stop before start, demote
 * before stop, start before promote, and a clone's orderings around its
 * instances.
 *
 * @module
 */
import { groupInternalConstraints } from './group.js'
import { orderRsc } from './ordering.js'
import { top } from './resource-state.js'
import { O, R, V, type Rsc, type WorkingSet } from './types.js'

/** Adds a resource's implicit constraints (Pacemaker's `cmds->internal_constraints`). */
export function internalConstraints(ws: WorkingSet, rsc: Rsc): void {
  if (rsc.variant === V.Native) primitiveConstraints(ws, rsc)
  else if (rsc.variant === V.Group) groupInternalConstraints(ws, rsc)
  else cloneConstraints(ws, rsc)
}

function primitiveConstraints(ws: WorkingSet, rsc: Rsc): void {
  if (!rsc.f.managed) return
  orderRsc(ws, rsc, 'stop', rsc, 'start', O.optional | O.impliesThen | O.restart)
  if (top(rsc).f.promotable || rsc.role > R.Unpromoted) {
    orderRsc(ws, rsc, 'demote', rsc, 'stop', O.promotedImpliesFirst)
    orderRsc(ws, rsc, 'start', rsc, 'promote', O.runnableLeft)
  }
  orderRsc(ws, rsc, 'delete', rsc, 'monitor', O.sameNode | O.thenCancelsFirst)
}

function cloneConstraints(ws: WorkingSet, rsc: Rsc): void {
  const ordered = rsc.clone!.ordered
  orderRsc(ws, rsc, 'stopped', rsc, 'start', O.optional)
  orderRsc(ws, rsc, 'start', rsc, 'running', O.runnableLeft)
  orderRsc(ws, rsc, 'stop', rsc, 'stopped', O.runnableLeft)
  if (rsc.f.promotable) {
    orderRsc(ws, rsc, 'demoted', rsc, 'stop', O.optional)
    orderRsc(ws, rsc, 'running', rsc, 'promote', O.runnableLeft)
  }
  let last: Rsc | undefined
  for (const child of rsc.children) {
    internalConstraints(ws, child)
    orderRsc(ws, rsc, 'start', child, 'start', O.runnableLeft | O.impliesFirstPrinted)
    orderRsc(ws, child, 'start', rsc, 'running', O.impliesThenPrinted)
    if (ordered && last !== undefined) orderRsc(ws, last, 'start', child, 'start', O.optional)
    orderRsc(ws, rsc, 'stop', child, 'stop', O.impliesFirstPrinted)
    orderRsc(ws, child, 'stop', rsc, 'stopped', O.impliesThenPrinted)
    if (ordered && last !== undefined) orderRsc(ws, child, 'stop', last, 'stop', O.optional)
    last = child
  }
  if (rsc.f.promotable) promotableOrderings(ws, rsc)
}

function promotableOrderings(ws: WorkingSet, clone: Rsc): void {
  orderRsc(ws, clone, 'stopped', clone, 'start', O.optional)
  orderRsc(ws, clone, 'stopped', clone, 'promote', O.optional)
  orderRsc(ws, clone, 'demoted', clone, 'stop', O.optional)
  orderRsc(ws, clone, 'demoted', clone, 'start', O.optional)
  orderRsc(ws, clone, 'demoted', clone, 'promote', O.optional)
  orderRsc(ws, clone, 'running', clone, 'promote', O.optional)
  orderRsc(ws, clone, 'demote', clone, 'demoted', O.optional)
  let previous: Rsc | undefined
  for (const inst of clone.children) {
    orderRsc(ws, inst, 'demote', inst, 'promote', O.optional)
    orderRsc(ws, clone, 'promote', inst, 'promote', O.optional)
    orderRsc(ws, inst, 'promote', clone, 'promoted', O.optional)
    if (previous !== undefined && clone.clone!.ordered) orderRsc(ws, previous, 'promote', inst, 'promote', O.optional)
    orderRsc(ws, clone, 'demote', inst, 'demote', O.impliesFirstPrinted)
    orderRsc(ws, inst, 'demote', clone, 'demoted', O.impliesThenPrinted)
    if (previous !== undefined && clone.clone!.ordered) orderRsc(ws, inst, 'demote', previous, 'demote', O.optional)
    previous = inst
  }
}
