/**
 * Turning ordering constraints into action edges (Pacemaker's
 * `pcmk__apply_orderings`), then propagating flags over every action.
 *
 * @module
 */
import { customAction, findActions, orderActions } from './actions.js'
import { blockColocationDependents } from './block-dependents.js'
import { updateActionForOrderings } from './propagate.js'
import { state } from './resource-state.js'
import { O, R, type Action, type Ordering, type Rsc, type WorkingSet } from './types.js'

function splitKey(key: string): { task: string; interval: number } | undefined {
  const us = key.lastIndexOf('_')
  if (us < 0) return undefined
  const interval = Number(key.slice(us + 1))
  const head = key.slice(0, us)
  const known = ['migrate_to', 'migrate_from', 'clear_failcount', 'last_failure']
  for (const k of known) if (head.endsWith(`_${k}`)) return { task: k, interval }
  const us2 = head.lastIndexOf('_')
  return us2 < 0 ? undefined : { task: head.slice(us2 + 1), interval }
}

function actionsByTask(rsc: Rsc, key: string): Action[] {
  const list = findActions(rsc.actions, key, undefined)
  if (list.length > 0) return list
  const parsed = splitKey(key)
  if (parsed === undefined) return []
  return findActions(rsc.actions, `${rsc.id}_${parsed.task}_${parsed.interval}`, undefined)
}

function orderAfter(first: Action | undefined, rsc: Rsc, order: Ordering): void {
  let flags = order.flags
  const thens = order.rhAction !== undefined ? [order.rhAction] : actionsByTask(rsc, order.rhTask!)
  if (thens.length === 0) return
  if (first !== undefined && first.rsc === rsc && first.f.dangle) flags &= ~O.impliesThen
  if (first === undefined && (flags & O.impliesThen) === 0) return
  for (const then of thens) {
    if (first !== undefined) orderActions(first, then, flags)
    else then.f.runnable = false
  }
}

function orderFirst(ws: WorkingSet, firstRsc: Rsc, order: Ordering): void {
  let firsts = order.lhAction !== undefined ? [order.lhAction] : actionsByTask(firstRsc, order.lhTask!)
  const thenRsc = order.rhRsc
  if (firsts.length === 0 && firstRsc === thenRsc) return
  if (firsts.length === 0) {
    const parsed = splitKey(order.lhTask!)
    if (parsed === undefined) return
    const current = state(firstRsc, true)
    if (current === R.Stopped && parsed.task === 'stop') return
    if (current === R.Unpromoted && parsed.task === 'demote') return
    firsts = [customAction(ws, firstRsc, `${firstRsc.id}_${parsed.task}_${parsed.interval}`, parsed.task, undefined, true)]
  }
  for (const first of firsts) {
    if (thenRsc === undefined) orderActions(first, order.rhAction, order.flags)
    else orderAfter(first, thenRsc, order)
  }
}

/** Creates every ordering edge and propagates flags to a fixed point. */
export function applyOrderings(ws: WorkingSet): void {
  for (const order of ws.orderings) {
    if (order.lhRsc !== undefined) orderFirst(ws, order.lhRsc, order)
    else if (order.rhRsc !== undefined) orderAfter(order.lhAction, order.rhRsc, order)
    else orderActions(order.lhAction, order.rhAction, order.flags)
  }
  for (let i = ws.actions.length - 1; i >= 0; i--) blockColocationDependents(ws.actions[i]!)
  for (let i = ws.actions.length - 1; i >= 0; i--) updateActionForOrderings(ws.actions[i]!)
}
