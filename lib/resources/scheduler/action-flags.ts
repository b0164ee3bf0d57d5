/**
 * The effective flags of collective actions (a group's or clone's action is
 * required if a member's is, runnable if members' are) and ordering updates
 * that fan out to members and instances, interleaved or not.
 *
 * @module
 */
import { findFirstAction, orderActions } from './actions.js'
import { compatibleChild, copiesPerNode } from './clone-coloc.js'
import { finalizeAll } from './assign-dispatch.js'
import { updatePrimitiveOrdered, updateActionForOrderings, UPDATED_FIRST, UPDATED_THEN } from './propagate.js'
import { R, V, type Action, type ActionFlags, type Node, type Rsc } from './types.js'

/** The flags that matter for orderings. */
export type Flags = Pick<ActionFlags, 'optional' | 'runnable' | 'pseudo' | 'migrateRunnable'>

const FOLD: Readonly<Record<string, string>> = { running: 'start', stopped: 'stop', promoted: 'promote', demoted: 'demote' }

/** The member action matching a collective task (Pacemaker's `get_complex_task`). */
export function complexTask(member: Rsc, task: string): string {
  return member.variant === V.Native ? FOLD[task] ?? task : task
}

function snapshot(a: Action): Flags {
  return { optional: a.f.optional, runnable: a.f.runnable, pseudo: a.f.pseudo, migrateRunnable: a.f.migrateRunnable }
}

/** An action's flags as its resource's method reports them (Pacemaker's `cmds->action_flags`). */
export function actionFlags(action: Action, node: Node | undefined): Flags {
  const rsc = action.rsc
  if (rsc === undefined || rsc.variant === V.Native) return snapshot(action)
  return rsc.variant === V.Group ? groupFlags(action, node) : cloneFlags(action, node)
}

function groupFlags(action: Action, node: Node | undefined): Flags {
  const flags: Flags = { optional: true, runnable: true, pseudo: true, migrateRunnable: action.f.migrateRunnable }
  for (const member of action.rsc!.children) {
    const task = complexTask(member, action.task)
    const ma = findFirstAction(member.actions, undefined, task, node)
    if (ma !== undefined) {
      const mf = actionFlags(ma, node)
      if (flags.optional && !mf.optional) { flags.optional = false; action.f.optional = false }
      if (task !== action.task && flags.runnable && !mf.runnable) { flags.runnable = false; action.f.runnable = false }
    } else if (task !== 'stop' && task !== 'demote') {
      flags.runnable = false
    }
  }
  return flags
}

/** The member task a clone action stands for; notifications name their operation in the key. */
export function cloneChildTask(action: Action): string {
  const first = action.rsc!.children[0]
  let task = action.task
  if (task === 'notify' || task === 'notified') {
    const m = /_notify_(.+)_\d+$/.exec(action.uuid)
    if (m !== null) task = m[1]!
  }
  return first === undefined ? task : complexTask(first, task)
}

function cloneFlags(action: Action, node: Node | undefined): Flags {
  const rsc = action.rsc!
  const task = cloneChildTask(action)
  const flags: Flags = { optional: true, runnable: true, pseudo: true, migrateRunnable: action.f.migrateRunnable }
  let anyRunnable = false
  for (const child of rsc.children) {
    const ca = findFirstAction(child.actions, undefined, task, child.children.length > 0 ? undefined : node)
    if (ca === undefined) continue
    const cf = actionFlags(ca, node)
    if (flags.optional && !cf.optional) { flags.optional = false; action.f.optional = false }
    if (cf.runnable) anyRunnable = true
  }
  if (!anyRunnable) {
    flags.runnable = false
    if (node === undefined) action.f.runnable = false
  }
  return flags
}

/** Dispatches an ordering update to the "then" resource's method. */
export function updateOrdered(first: Action, then: Action, node: Node | undefined, flags: Flags, filter: Partial<Flags>, type: number): number {
  const rsc = then.rsc
  if (rsc === undefined || rsc.variant === V.Native) return updatePrimitiveOrdered(first, then, flags, filter, type)
  if (rsc.variant === V.Group) {
    let changed = updatePrimitiveOrdered(first, then, flags, filter, type)
    for (const member of rsc.children) {
      const ma = findFirstAction(member.actions, undefined, then.task, node)
      if (ma !== undefined) changed |= updateOrdered(first, ma, node, flags, filter, type)
    }
    return changed
  }
  return multiUpdate(first, then, node, flags, filter, type)
}

function canInterleave(first: Action, then: Action): boolean {
  if (first.rsc === undefined || then.rsc === undefined || first.rsc === then.rsc) return false
  if (first.rsc.variant < V.Clone || then.rsc.variant < V.Clone) return false
  const rsc = then.uuid.endsWith('_stop_0') || then.uuid.endsWith('_demote_0') ? first.rsc : then.rsc
  return /^(true|on|yes|y|1)$/i.test(rsc.meta.get('interleave') ?? '')
}

function multiUpdate(first: Action, then: Action, node: Node | undefined, flags: Flags, filter: Partial<Flags>, type: number): number {
  if (canInterleave(first, then)) return interleaveUpdate(first, then, node, filter, type)
  let changed = updatePrimitiveOrdered(first, then, flags, filter, type)
  for (const child of then.rsc!.children) {
    const ca = findFirstAction(child.actions, undefined, then.task, node)
    if (ca === undefined) continue
    let childChanged = 0
    if (actionFlags(ca, node).runnable) childChanged |= updateOrdered(first, ca, node, flags, filter, type)
    changed |= childChanged
    if ((childChanged & UPDATED_THEN) !== 0) {
      for (let i = ca.after.length - 1; i >= 0; i--) updateActionForOrderings(ca.after[i]!.action)
    }
  }
  return changed
}

function interleaveUpdate(first: Action, then: Action, node: Node | undefined, filter: Partial<Flags>, type: number): number {
  const current = first.uuid.endsWith('_stopped_0') || first.uuid.endsWith('_demoted_0')
  let changed = 0
  const ws = then.rsc!.ws
  for (const thenChild of then.rsc!.children) {
    const firstChild = compatibleChild(ws, thenChild, first.rsc!, R.Unknown, current)
    if (firstChild === undefined) {
      if (!current && (type & (0x100 | 0x20)) !== 0 && finalizeAll(thenChild)) changed |= UPDATED_THEN
      continue
    }
    const task = cloneChildTask(first)
    const fa = findFirstAction(firstChild.actions, undefined, task, node)
    const ta = findFirstAction(thenChild.actions, undefined, then.task, node)
    if (fa === undefined || ta === undefined) continue
    if (orderActions(fa, ta, type)) changed |= UPDATED_FIRST | UPDATED_THEN
    changed |= updateOrdered(fa, ta, node, actionFlags(fa, node), filter, type)
  }
  void copiesPerNode
  return changed
}
