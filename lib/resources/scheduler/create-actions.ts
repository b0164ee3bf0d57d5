/**
 * Creating each resource's actions after assignment, by variant, including
 * a clone's pseudo-actions (start/running, stop/stopped, promote/promoted,
 * demote/demoted).
 *
 * @module
 */
import { rscPseudo } from './actions.js'
import { createGroupActions } from './group.js'
import { createPrimitiveActions } from './role-matrix.js'
import { INFINITY } from '../model/scores.js'
import { V, type Rsc, type WorkingSet } from './types.js'

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
  rscPseudo(ws, rsc, 'start', !starting, true)
  const started = rscPseudo(ws, rsc, 'running', !starting, false)
  started.priority = INFINITY
  if (active || starting) started.f.runnable = true
  const stop = rscPseudo(ws, rsc, 'stop', !stopping, true)
  rscPseudo(ws, rsc, 'stopped', !stopping, true).priority = INFINITY
  if (allowMigrations) stop.f.migrateRunnable = true
  if (rsc.f.promotable) {
    // Pacemaker creates the instances' actions a second time for promotable clones.
    for (const child of rsc.children) {
      createActions(ws, child)
      roleChanges(child, roles)
    }
    rscPseudo(ws, rsc, 'promote', !roles.promoting, true)
    rscPseudo(ws, rsc, 'promoted', !roles.promoting, true).priority = INFINITY
    rscPseudo(ws, rsc, 'demote', !roles.demoting, true)
    rscPseudo(ws, rsc, 'demoted', !roles.demoting, true).priority = INFINITY
    for (const child of rsc.children) child.priority = rsc.priority
  }
}
