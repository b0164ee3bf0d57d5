/**
 * A primitive's actions from its current role and node to its next role and
 * node (Pacemaker's `pcmk__primitive_create_actions` and its role matrix):
 * moves, recoveries, restarts of multiply active resources, promotions.
 *
 * @module
 */
import { demoteAction, promoteAction, rscActions, setReason, startAction, stopAction } from './actions.js'
import { findActiveOn } from './resource-state.js'
import { R, type Node, type Rsc, type WorkingSet } from './types.js'

/** The next role on the way from `from` to `to`. */
const NEXT: readonly (readonly R[])[] = [
  [R.Unknown, R.Stopped, R.Stopped, R.Stopped, R.Stopped],
  [R.Stopped, R.Stopped, R.Started, R.Unpromoted, R.Unpromoted],
  [R.Stopped, R.Stopped, R.Started, R.Unpromoted, R.Promoted],
  [R.Stopped, R.Stopped, R.Stopped, R.Unpromoted, R.Promoted],
  [R.Stopped, R.Unpromoted, R.Unpromoted, R.Unpromoted, R.Promoted],
]

type Step = 'stop' | 'start' | 'promote' | 'demote' | 'none' | 'error'

/** The action that takes a resource directly from one role to the next. */
const STEP: readonly (readonly Step[])[] = [
  ['error', 'stop', 'error', 'error', 'error'],
  ['error', 'none', 'start', 'start', 'error'],
  ['error', 'stop', 'none', 'none', 'promote'],
  ['error', 'stop', 'stop', 'none', 'promote'],
  ['error', 'demote', 'demote', 'demote', 'none'],
]

function runStep(ws: WorkingSet, step: Step, rsc: Rsc, node: Node | undefined, optional: boolean): boolean {
  switch (step) {
    case 'stop': stopResource(ws, rsc, optional); return true
    case 'start': startResource(ws, rsc, node, optional); return true
    case 'promote': promoteResource(ws, rsc, node, optional); return true
    case 'demote': demoteResource(ws, rsc, optional); return true
    default: return false
  }
}

function expectedNode(rsc: Rsc, node: Node): boolean {
  return rsc.f.stopUnexpected && rsc.f.restarting && rsc.nextRole > R.Stopped && rsc.allocatedTo?.node === node
}

function stopResource(ws: WorkingSet, rsc: Rsc, optional: boolean): void {
  for (const current of rsc.runningOn) {
    if (expectedNode(rsc, current)) continue
    const stop = stopAction(ws, rsc, current, optional)
    if (rsc.allocatedTo === undefined) setReason(stop, 'node availability', true)
    else if (rsc.f.restarting && rsc.f.stopUnexpected) setReason(stop, 'being multiply active', true)
    if (!rsc.f.managed) stop.f.runnable = false
  }
}

function startResource(ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): void {
  const start = startAction(ws, rsc, node, true)
  if (start.f.runnable && !optional) start.f.optional = false
  if (node !== undefined && expectedNode(rsc, node)) start.f.pseudo = true
}

function promoteResource(ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): void {
  const runnable = rscActions(rsc, node, 'start', true).every((s) => s.f.runnable)
  if (runnable) {
    const promote = promoteAction(ws, rsc, node, optional)
    if (node !== undefined && expectedNode(rsc, node)) promote.f.pseudo = true
  } else {
    for (const p of rscActions(rsc, node, 'promote', true)) p.f.runnable = false
  }
}

function demoteResource(ws: WorkingSet, rsc: Rsc, optional: boolean): void {
  for (const current of rsc.runningOn) if (!expectedNode(rsc, current)) demoteAction(ws, rsc, current, optional)
}

function scheduleRestart(ws: WorkingSet, rsc: Rsc, current: Node | undefined, needStop: boolean, needPromote: boolean): void {
  let role = rsc.role
  rsc.f.restarting = true
  while (role !== R.Stopped) {
    const next = NEXT[role]![R.Stopped]!
    if (!runStep(ws, STEP[role]![next]!, rsc, current, !needStop)) break
    role = next
  }
  while (rsc.role <= rsc.nextRole && role !== rsc.role && !rsc.f.block) {
    const next = NEXT[role]![rsc.role]!
    const required = needStop || (next === R.Promoted && needPromote)
    if (!runStep(ws, STEP[role]![next]!, rsc, rsc.allocatedTo?.node, !required)) break
    role = next
  }
  rsc.f.restarting = false
}

function scheduleTransition(ws: WorkingSet, rsc: Rsc): void {
  let role = rsc.role
  while (role !== rsc.nextRole) {
    const next = NEXT[role]![rsc.nextRole]!
    if (!runStep(ws, STEP[role]![next]!, rsc, rsc.allocatedTo?.node, false)) break
    role = next
  }
}

/** Creates every action a primitive needs this transition. */
export function createPrimitiveActions(ws: WorkingSet, rsc: Rsc): void {
  if (rsc.nextRole === R.Unknown) rsc.nextRole = rsc.allocatedTo === undefined ? R.Stopped : R.Started
  const active = findActiveOn(rsc)
  const current = active.node
  const to = rsc.allocatedTo?.node
  let needStop = false
  let needPromote = false
  let moving = false
  if (current !== undefined && to !== undefined && current !== to && rsc.nextRole >= R.Started) {
    moving = true
    needStop = true
  }
  const multiply = rsc.f.needsFencing ? active.all > 1 : active.clean > 1
  if (multiply) {
    if (rsc.recovery === 'stop_start') needStop = true
    else if (rsc.recovery === 'stop_unexpected') { needStop = true; rsc.f.stopUnexpected = true }
  } else {
    rsc.f.stopUnexpected = false
  }
  if (rsc.f.startPending) startAction(ws, rsc, to, true).f.printAlways = true
  if (!moving) {
    if (rsc.f.failed) {
      if (rsc.f.stop) needStop = true
      else if (rsc.nextRole === R.Promoted) needPromote = true
    } else if (rsc.f.block) {
      needStop = true
    } else if (rsc.role > R.Started && current !== undefined && to !== undefined) {
      const start = startAction(ws, rsc, to, true)
      if (!start.f.optional) needStop = true
    }
  }
  scheduleRestart(ws, rsc, current, needStop, needPromote)
  scheduleTransition(ws, rsc)
  ensureStartForActiveRole(ws, rsc)
}

/**
 * Pacemaker's recurring-action step always looks up (creating it optional if
 * need be) the start on the assigned node of a resource that stays active, as
 * the anchor for its monitors. That optional start matters beyond monitors:
 * it is the action orderings resolve to, and the summary reads its runnable
 * flag, so it is created even for resources without recurring operations.
 */
function ensureStartForActiveRole(ws: WorkingSet, rsc: Rsc): void {
  if (rsc.f.block || rsc.f.maintenance) return
  const to = rsc.allocatedTo?.node
  if (to === undefined || to.maintenance) return
  if (rsc.nextRole !== R.Stopped || !rsc.f.managed) startAction(ws, rsc, to, true)
}
