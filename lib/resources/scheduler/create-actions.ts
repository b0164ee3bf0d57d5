/**
 * Creating each resource's actions after assignment, by variant, including
 * a clone's pseudo-actions (start/running, stop/stopped, promote/promoted,
 * demote/demoted).
 *
 * @module
 */
import { customAction, orderActions, rscPseudo } from './actions.js'
import { createGroupActions } from './group.js'
import { createPrimitiveActions } from './role-matrix.js'
import { INFINITY } from '../model/scores.js'
import { O, V, type Action, type Rsc, type WorkingSet } from './types.js'

/** Creates a resource's actions (Pacemaker's `cmds->create_actions`). */
export function createActions(ws: WorkingSet, rsc: Rsc): void {
  if (rsc.variant === V.Native) createPrimitiveActions(ws, rsc)
  else if (rsc.variant === V.Group) createGroupActions(ws, rsc)
  else createCloneActions(ws, rsc)
}

function pseudoStatus(rsc: Rsc, acc: { stopping: boolean; starting: boolean; active: boolean }): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) pseudoStatus(c, acc)
    return
  }
  if (rsc.runningOn.length > 0) acc.active = true
  for (const a of [...rsc.actions].reverse()) {
    if (acc.starting && acc.stopping) return
    if (a.f.optional || (!a.f.pseudo && !a.f.runnable)) continue
    if (a.task === 'stop') acc.stopping = true
    else if (a.task === 'start' && a.f.runnable) acc.starting = true
  }
}

function roleChanges(rsc: Rsc, acc: { promoting: boolean; demoting: boolean }): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) roleChanges(c, acc)
    return
  }
  for (const a of [...rsc.actions].reverse()) {
    if (acc.promoting && acc.demoting) return
    if (a.f.optional) continue
    if (a.task === 'demote') acc.demoting = true
    else if (a.task === 'promote') acc.promoting = true
  }
}

function notifyPseudo(ws: WorkingSet, rsc: Rsc, of: Action, task: string, type: string): Action {
  const a = customAction(ws, rsc, `${rsc.id}_${type}_notify_${of.task}_0`, task, undefined, of.f.optional)
  a.f.pseudo = true
  return a
}

/** A notify-enabled clone's pre/post notification pseudo-actions (Pacemaker's `pe__clone_notif_pseudo_ops`). */
function notifyPseudoOps(ws: WorkingSet, rsc: Rsc, _task: string, action: Action, complete: Action): { pre: Action; postDone: Action } | undefined {
  if (!rsc.f.notify) return undefined
  const pre = notifyPseudo(ws, rsc, action, 'notify', 'pre')
  pre.f.runnable = true
  const preDone = notifyPseudo(ws, rsc, action, 'notified', 'confirmed-pre')
  preDone.f.runnable = true
  orderActions(pre, preDone, O.optional)
  orderActions(preDone, action, O.optional)
  const post = notifyPseudo(ws, rsc, complete, 'notify', 'post')
  post.priority = INFINITY
  post.f.runnable = complete.f.runnable
  const postDone = notifyPseudo(ws, rsc, complete, 'notified', 'confirmed-post')
  postDone.priority = INFINITY
  postDone.f.runnable = complete.f.runnable
  orderActions(complete, post, O.impliesThen)
  orderActions(post, postDone, O.impliesThen)
  orderActions(preDone, post, O.optional)
  return { pre, postDone }
}

function createCloneActions(ws: WorkingSet, rsc: Rsc): void {
  let starting = false
  let stopping = false
  let active = false
  let allowMigrations = true
  const roles = { promoting: false, demoting: false }
  for (const child of rsc.children) {
    const acc = { stopping: false, starting: false, active: false }
    createActions(ws, child)
    pseudoStatus(child, acc)
    if (acc.stopping && acc.starting) allowMigrations = false
    if (acc.active) active = true
    stopping ||= acc.stopping
    starting ||= acc.starting
  }
  const start = rscPseudo(ws, rsc, 'start', !starting, true)
  const started = rscPseudo(ws, rsc, 'running', !starting, false)
  started.priority = INFINITY
  if (active || starting) started.f.runnable = true
  const startNotify = notifyPseudoOps(ws, rsc, 'start', start, started)
  const stop = rscPseudo(ws, rsc, 'stop', !stopping, true)
  const stopped = rscPseudo(ws, rsc, 'stopped', !stopping, true)
  stopped.priority = INFINITY
  if (allowMigrations) stop.f.migrateRunnable = true
  const stopNotify = notifyPseudoOps(ws, rsc, 'stop', stop, stopped)
  if (startNotify !== undefined && stopNotify !== undefined) orderActions(stopNotify.postDone, startNotify.pre, O.optional)
  if (rsc.f.promotable) {
    // Pacemaker creates the instances' actions a second time for promotable clones.
    for (const child of rsc.children) {
      createActions(ws, child)
      roleChanges(child, roles)
    }
    const promote = rscPseudo(ws, rsc, 'promote', !roles.promoting, true)
    const promoted = rscPseudo(ws, rsc, 'promoted', !roles.promoting, true)
    promoted.priority = INFINITY
    notifyPseudoOps(ws, rsc, 'promote', promote, promoted)
    const demote = rscPseudo(ws, rsc, 'demote', !roles.demoting, true)
    const demoted = rscPseudo(ws, rsc, 'demoted', !roles.demoting, true)
    demoted.priority = INFINITY
    notifyPseudoOps(ws, rsc, 'demote', demote, demoted)
    for (const child of rsc.children) child.priority = rsc.priority
  }
}
