/**
 * Flag propagation over ordering edges (Pacemaker's
 * `pcmk__update_action_for_orderings`): a required first makes its then
 * required, an unrunnable first makes its then unrunnable, restarts pull
 * stops in, and the summary's "due to …" reasons are recorded on the way.
 *
 * @module
 */
import { findFirstAction, opKey, orderActions, setReason } from './actions.js'
import { actionFlags, updateOrdered, type Flags } from './action-flags.js'
import { blockColocationDependents } from './block-dependents.js'
import { isParent, location, state } from './resource-state.js'
import { O, R, V, type Action, type Edge } from './types.js'

/** Changed-flag bits returned by updates. */
export const UPDATED_FIRST = 1
export const UPDATED_THEN = 2

type FlagName = 'optional' | 'runnable' | 'migrateRunnable'

function reasonText(action: Action, flag: FlagName): string {
  const change = flag === 'optional' ? 'required' : 'unrunnable'
  return `${change}${action.rsc === undefined ? '' : ` ${action.rsc.id}`} ${action.task}`
}

/** Clears a flag, recording `because` as the reason when it is another resource's action. */
export function clearBecause(action: Action, flag: FlagName, because: Action): void {
  if (!action.f[flag]) return
  action.f[flag] = false
  if (action.rsc !== because.rsc) setReason(action, reasonText(because, flag), flag === 'migrateRunnable')
}

function handleAsymmetric(first: Action, then: Action): void {
  const rsc = then.rsc
  if (rsc === undefined) return
  const role = state(rsc, true)
  if (role === R.Stopped && then.task === 'stop') return
  const on = rsc.runningOn
  if (role >= R.Started && then.f.optional && then.node !== undefined && on.length === 1 && then.node === on[0]
    && then.task === 'start') return
  if (!first.f.runnable) {
    clearBecause(then, 'optional', first)
    clearBecause(then, 'runnable', first)
  }
}

function handleRestart(first: Action, then: Action, filter: Partial<Flags>): void {
  let reason = false
  if (filter.optional === true && !then.f.optional) reason = true
  if (filter.runnable === true && !then.f.runnable && then.rsc!.f.managed && first.rsc === then.rsc) reason = true
  if (!reason) return
  if (first.f.runnable) clearBecause(first, 'optional', then)
  if (!then.f.optional) clearBecause(first, 'optional', then)
  if (!then.f.migrateRunnable) clearBecause(first, 'migrateRunnable', then)
  if (!first.f.optional && !first.f.runnable) clearBecause(then, 'runnable', first)
}

/** The primitive ordering update (Pacemaker's `pcmk__update_ordered_actions`). */
export function updatePrimitiveOrdered(first: Action, then: Action, flags: Flags, filter: Partial<Flags>, type: number): number {
  const thenBefore = { ...then.f }
  const firstBefore = { ...first.f }
  if ((type & O.asymmetrical) !== 0) handleAsymmetric(first, then)
  if ((type & O.impliesFirst) !== 0 && !thenBefore.optional) {
    if (filter.optional === true && !flags.optional && firstBefore.optional) clearBecause(first, 'optional', then)
    if (flags.migrateRunnable && !then.f.migrateRunnable) clearBecause(first, 'migrateRunnable', then)
  }
  if ((type & O.promotedImpliesFirst) !== 0 && then.rsc?.role === R.Promoted && filter.optional === true && !then.f.optional) {
    clearBecause(first, 'optional', then)
    if (first.f.migrateRunnable && !then.f.migrateRunnable) clearBecause(first, 'migrateRunnable', then)
  }
  if ((type & O.impliesFirstMigratable) !== 0 && filter.optional === true) {
    if (!(then.f.migrateRunnable && then.f.runnable)) clearBecause(first, 'runnable', then)
    if (!then.f.optional) clearBecause(first, 'optional', then)
  }
  if ((type & O.pseudoLeft) !== 0 && filter.optional === true && !first.f.runnable) {
    clearBecause(then, 'migrateRunnable', first)
    then.f.pseudo = false
  }
  if ((type & O.runnableLeft) !== 0 && filter.runnable === true && then.f.runnable && !flags.runnable) {
    clearBecause(then, 'runnable', first)
    clearBecause(then, 'migrateRunnable', first)
  }
  if ((type & O.impliesThen) !== 0 && filter.optional === true && then.f.optional && !flags.optional && !first.f.migrateRunnable) {
    clearBecause(then, 'optional', first)
  }
  if ((type & O.restart) !== 0) handleRestart(first, then, filter)
  let changed = 0
  if (!sameFlags(thenBefore, then.f)) {
    changed |= UPDATED_THEN
    if (then.rsc?.parent !== undefined) updateActionForOrderings(then)
  }
  if (!sameFlags(firstBefore, first.f)) changed |= UPDATED_FIRST
  return changed
}

function sameFlags(a: Action['f'], b: Action['f']): boolean {
  return a.optional === b.optional && a.runnable === b.runnable && a.pseudo === b.pseudo && a.migrateRunnable === b.migrateRunnable
}

function flagsForOrdering(action: Action, node: Action['node']): Flags {
  if (action.rsc === undefined) return actionFlags(action, undefined)
  let flags = actionFlags(action, undefined)
  if (node === undefined || action.rsc.variant !== V.Clone) return flags
  const runnable = flags.runnable
  flags = actionFlags(action, node)
  if (runnable && !flags.runnable) flags = { ...flags, runnable: true }
  return flags
}

const REMAP: Readonly<Record<string, string>> = {
  stop: 'stopped', start: 'running', promote: 'promoted', demote: 'demoted',
  stopped: 'stopped', running: 'running', promoted: 'promoted', demoted: 'demoted',
}

/** The collective's completion action to order against (`start` of a clone → `running`). */
function actionForOrdering(action: Action): Action {
  const rsc = action.rsc
  if (rsc === undefined || rsc.variant < V.Group || action.uuid.includes('notify')) return action
  if (action.intervalMs > 0) return action
  const to = REMAP[action.task]
  if (to === undefined) return action
  // Notify-enabled clones complete only when their post-notifications are confirmed.
  const key = rsc.f.notify && rsc.parent === undefined ? `${rsc.id}_confirmed-post_notify_${to}_0` : opKey(rsc.id, to, 0)
  return findFirstAction(rsc.actions, key, undefined, undefined) ?? action
}

function updateForOrderingFlags(first: Action, then: Action, ff: Flags, tf: Flags, edge: Edge): number {
  let changed = 0
  let node = then.node
  if ((edge.type & O.impliesThenOnNode) !== 0) {
    edge.type = (edge.type & ~O.impliesThenOnNode) | O.impliesThen
    node = first.node
  }
  const t = edge.type
  if ((t & O.impliesThen) !== 0) {
    if (then.rsc !== undefined) changed |= updateOrdered(first, then, node, onlyOptional(ff), { optional: true }, O.impliesThen)
    else if (!ff.optional && then.f.optional) { then.f.optional = false; changed |= UPDATED_THEN }
  }
  if ((t & O.restart) !== 0 && then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { optional: true, runnable: true }, O.restart)
  if ((t & O.impliesFirst) !== 0) {
    if (first.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { optional: true }, O.impliesFirst)
    else if (!ff.optional && first.f.runnable) { first.f.runnable = false; changed |= UPDATED_FIRST }
  }
  if ((t & O.promotedImpliesFirst) !== 0 && then.rsc !== undefined) {
    changed |= updateOrdered(first, then, node, onlyOptional(ff), { optional: true }, O.promotedImpliesFirst)
  }
  if ((t & O.oneOrMore) !== 0) {
    if (then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { runnable: true }, O.oneOrMore)
    else if (ff.runnable) {
      then.runnableBefore++
      if (then.runnableBefore >= then.requiredRunnableBefore && !then.f.runnable) { then.f.runnable = true; changed |= UPDATED_THEN }
    }
  }
  if ((t & O.runnableLeft) !== 0) {
    if (then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { runnable: true }, O.runnableLeft)
    else if (!ff.runnable && then.f.runnable) { then.f.runnable = false; changed |= UPDATED_THEN }
  }
  if ((t & O.impliesFirstMigratable) !== 0 && then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { optional: true }, O.impliesFirstMigratable)
  if ((t & O.pseudoLeft) !== 0 && then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { optional: true }, O.pseudoLeft)
  if ((t & O.optional) !== 0 && then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { runnable: true }, O.optional)
  if ((t & O.asymmetrical) !== 0 && then.rsc !== undefined) changed |= updateOrdered(first, then, node, ff, { runnable: true }, O.asymmetrical)
  if (first.f.runnable && (t & O.impliesThenPrinted) !== 0 && !ff.optional) then.f.printAlways = true
  if ((t & O.impliesFirstPrinted) !== 0 && !tf.optional) first.f.printAlways = true
  if ((t & (O.impliesThen | O.impliesFirst | O.restart)) !== 0 && first.rsc !== undefined && !first.rsc.f.managed
    && first.rsc.f.block && !first.f.runnable && first.task === 'stop') {
    if (then.f.runnable) { then.f.runnable = false; changed |= UPDATED_THEN }
  }
  return changed
}

/** Pacemaker passes `first_flags & pe_action_optional` for these updates. */
function onlyOptional(ff: Flags): Flags {
  return { optional: ff.optional, runnable: false, pseudo: false, migrateRunnable: false }
}

function groupStartNode(a: Action): Action['node'] {
  if (a.rsc !== undefined && a.rsc.variant === V.Group && a.task === 'start') return location(a.rsc, false).one ?? a.node
  return a.node
}

/** Re-evaluates `then` against every action ordered before it, recursing on changes. */
export function updateActionForOrderings(then: Action): void {
  let changed = 0
  const lastRunnable = then.f.runnable
  const lastFlags = { ...then.f }
  if (then.f.requiresAny) {
    then.runnableBefore = 0
    if (then.requiredRunnableBefore === 0) then.requiredRunnableBefore = 1
    then.f.runnable = false
  }
  for (let i = then.before.length - 1; i >= 0; i--) {
    const edge = then.before[i]!
    let first = edge.action
    const thenNode = groupStartNode(then)
    const firstNode = groupStartNode(first)
    if ((edge.type & O.sameNode) !== 0 && firstNode !== undefined && thenNode !== undefined && firstNode !== thenNode) {
      edge.type = O.none
      continue
    }
    changed &= ~UPDATED_FIRST
    if (first.rsc !== undefined && (edge.type & O.thenCancelsFirst) !== 0 && !then.f.optional) first.f.optional = true
    if (first.rsc !== undefined && then.rsc !== undefined && first.rsc !== then.rsc && !isParent(then.rsc, first.rsc)) {
      first = actionForOrdering(first)
    }
    if (first === edge.action) {
      changed |= updateForOrderingFlags(first, then, flagsForOrdering(first, thenNode), flagsForOrdering(then, firstNode), edge)
    } else if (orderActions(first, then, edge.type)) {
      changed |= UPDATED_THEN
      edge.type = O.none
    }
    if ((changed & UPDATED_FIRST) !== 0) {
      for (let j = first.after.length - 1; j >= 0; j--) updateActionForOrderings(first.after[j]!.action)
      updateActionForOrderings(first)
    }
  }
  if (then.f.requiresAny) {
    changed = sameFlagsAll(lastFlags, then.f) ? changed & ~UPDATED_THEN : changed | UPDATED_THEN
  }
  if ((changed & UPDATED_THEN) !== 0) {
    if (lastRunnable && !then.f.runnable) blockColocationDependents(then)
    updateActionForOrderings(then)
    for (let j = then.after.length - 1; j >= 0; j--) updateActionForOrderings(then.after[j]!.action)
  }
}

function sameFlagsAll(a: Action['f'], b: Action['f']): boolean {
  return sameFlags(a, b) && a.printAlways === b.printAlways
}
