/**
 * When a primary cannot start (or be promoted) anywhere, its mandatory
 * colocation dependents cannot either (Pacemaker's
 * `pcmk__block_colocation_dependents`): "due to colocation with …".
 *
 * @module
 */
import { findFirstAction, setReason } from './actions.js'
import { updateActionForOrderings } from './propagate.js'
import { top } from './resource-state.js'
import { R, type Action, type Rsc } from './types.js'
import { INFINITY } from '../model/scores.js'

function markBlocked(rsc: Rsc, task: string, reason: Rsc): void {
  const text = `colocation with ${reason.id}`
  for (const a of [...rsc.actions].reverse()) {
    if (a.f.runnable && a.task === task) {
      a.f.runnable = false
      setReason(a, text, false)
      blockColocationDependents(a)
      updateActionForOrderings(a)
    }
  }
  for (const c of rsc.children) markBlocked(c, task, reason)
}

/** Blocks dependents of an unrunnable start or promote. */
export function blockColocationDependents(action: Action): void {
  if (action.f.runnable) return
  const isStart = action.task === 'start'
  if (!isStart && action.task !== 'promote') return
  const rsc = top(action.rsc!)
  if (rsc.withThis.length === 0) return
  for (const child of rsc.children) {
    const ca = findFirstAction(child.actions, undefined, action.task, undefined)
    if (ca === undefined || ca.f.runnable) return
  }
  for (const c of [...rsc.withThis]) {
    if (c.score < INFINITY) continue
    if (!isStart && c.primaryRole !== R.Promoted) continue
    markBlocked(c.dependent, c.dependentRole === R.Promoted ? 'promote' : 'start', action.rsc!)
  }
}
