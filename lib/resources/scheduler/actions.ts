/**
 * Actions: creation (Pacemaker's `custom_action`), lookup, runnability
 * (node state, quorum policy), failure policy of an operation, and the
 * ordering edges between two actions.
 *
 * @module
 */
import type { Op } from '../model/config.js'
import { F, R, type Action, type Edge, type Node, type OnFailCode, type Rsc, type WorkingSet } from './types.js'
import { isActive } from './resource-state.js'

/** `<rsc>_<task>_<interval>`. */
export function opKey(id: string, task: string, intervalMs = 0): string {
  return `${id}_${task}_${intervalMs}`
}

/** Whether a key names this task (and interval) of a resource id. */
function keyTaskOf(key: string, id: string): { task: string; interval: number } | undefined {
  if (!key.startsWith(`${id}_`)) return undefined
  const rest = key.slice(id.length + 1)
  const us = rest.lastIndexOf('_')
  if (us < 0) return undefined
  const interval = Number(rest.slice(us + 1))
  return Number.isFinite(interval) ? { task: rest.slice(0, us), interval } : undefined
}

/** The configured op an action key refers to (Pacemaker's `find_rsc_op_entry`). */
export function findOpEntry(rsc: Rsc, key: string): Op | undefined {
  const parsed = keyTaskOf(key, rsc.id) ?? (rsc.cloneName === undefined ? undefined : keyTaskOf(key, rsc.cloneName))
  if (parsed !== undefined) {
    const op = rsc.ops.find((o) => o.name === parsed.task && (o.intervalMs ?? 0) === parsed.interval)
    if (op !== undefined) return op
  }
  if (key.includes('migrate')) return rsc.ops.find((o) => o.name === 'migrate' && (o.intervalMs ?? 0) === 0)
  if (key.includes('_notify_')) return rsc.ops.find((o) => o.name === 'notify' && (o.intervalMs ?? 0) === 0)
  return undefined
}

function intervalOf(key: string): number {
  const us = key.lastIndexOf('_')
  const n = Number(key.slice(us + 1))
  return us >= 0 && Number.isFinite(n) ? n : 0
}

function newAction(ws: WorkingSet, rsc: Rsc | undefined, key: string, task: string, node: Node | undefined,
  optional: boolean, save: boolean): Action {
  const action: Action = {
    id: save ? ws.nextActionId++ : 0,
    uuid: key,
    task,
    rsc,
    node,
    f: {
      optional, runnable: true, pseudo: false, printAlways: false, dc: task === 'delete',
      impliedByStonith: false, migrateRunnable: false, requiresAny: false, tracking: false, dangle: false,
    },
    reason: undefined,
    before: [],
    after: [],
    needs: 'nothing',
    onFail: F.Ignore,
    failRole: R.Unknown,
    intervalMs: intervalOf(key),
    priority: 0,
    requiredRunnableBefore: 0,
    runnableBefore: 0,
    fenceAction: undefined,
  }
  if (rsc !== undefined) unpackOperation(ws, action, rsc, findOpEntry(rsc, key))
  if (save) {
    ws.actions.push(action)
    if (rsc === undefined) ws.singletons.set(key, action)
    else rsc.actions.push(action)
  }
  return action
}

/** Creates or updates an action (Pacemaker's `custom_action`). */
export function customAction(ws: WorkingSet, rsc: Rsc | undefined, key: string, task: string,
  node: Node | undefined, optional: boolean, save = true): Action {
  let action = save ? findExisting(ws, rsc, key, node) : undefined
  if (action === undefined) action = newAction(ws, rsc, key, task, node, optional, save)
  updateOptional(action, optional)
  if (rsc !== undefined) updateRunnable(ws, action, save)
  return action
}

function findExisting(ws: WorkingSet, rsc: Rsc | undefined, key: string, node: Node | undefined): Action | undefined {
  return findActions(rsc === undefined ? ws.actions : rsc.actions, key, node)[0]
}

/**
 * Actions with this uuid (and on this node, if given), oldest first. An
 * action without a node matched with a node is given that node, as in Pacemaker.
 */
export function findActions(list: readonly Action[], key: string, node: Node | undefined): Action[] {
  const out: Action[] = []
  for (const a of list) {
    if (a.uuid !== key) continue
    if (node === undefined) out.push(a)
    else if (a.node === undefined) {
      a.node = node
      out.push(a)
    } else if (a.node === node) out.push(a)
  }
  return out
}

/** Like {@link findActions} but requires an assigned node (Pacemaker's `find_actions_exact`). */
export function findActionsExact(list: readonly Action[], key: string, node: Node | undefined): Action[] {
  if (node === undefined) return []
  return list.filter((a) => a.node === node && a.uuid === key)
}

/** The newest action matching uuid and/or task (and node, when given). */
export function findFirstAction(list: readonly Action[], uuid: string | undefined, task: string | undefined,
  node: Node | undefined): Action | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const a = list[i]!
    if (uuid !== undefined && a.uuid !== uuid) continue
    if (task !== undefined && a.task !== task) continue
    if (node === undefined) return a
    if (a.node !== undefined && a.node === node) return a
  }
  return undefined
}

/** A resource's actions for a task (Pacemaker's `pe__resource_actions`). */
export function rscActions(rsc: Rsc, node: Node | undefined, task: string, requireNode: boolean): Action[] {
  const key = opKey(rsc.id, task, 0)
  return requireNode ? findActionsExact(rsc.actions, key, node) : findActions(rsc.actions, key, node)
}

function updateOptional(action: Action, optional: boolean): void {
  const rsc = action.rsc
  if (rsc !== undefined && action.node !== undefined && !action.f.pseudo && !rsc.f.managed && action.intervalMs === 0) {
    action.f.optional = true
  } else if (!optional) {
    action.f.optional = false
  }
}

/** Sets the reason an action was changed; the first reason sticks unless `overwrite`. */
export function setReason(action: Action, reason: string | undefined, overwrite: boolean): void {
  if (action.reason !== undefined && !overwrite) return
  action.reason = reason
}

function effectiveQuorumPolicy(ws: WorkingSet, rsc: Rsc): WorkingSet['noQuorumPolicy'] {
  if (ws.f.haveQuorum) return 'ignore'
  if (ws.noQuorumPolicy !== 'demote') return ws.noQuorumPolicy
  if (rsc.role === R.Promoted || rsc.role === R.Unpromoted) {
    if (rsc.nextRole > R.Unpromoted) rsc.nextRole = R.Unpromoted
    return 'ignore'
  }
  return 'stop'
}

function updateRunnable(ws: WorkingSet, action: Action, save: boolean): void {
  const rsc = action.rsc!
  if (action.f.pseudo) return
  const node = action.node
  if (node === undefined) {
    action.f.runnable = false
  } else if (!action.f.dc && !node.online) {
    action.f.runnable = false
    if (rsc.f.managed && save && action.task === 'stop' && !node.unclean) {
      fenceNodeHook.fence(ws, node, 'stop is unrunnable')
    }
  } else if (!action.f.dc && node.pending) {
    action.f.runnable = false
  } else if (action.needs === 'nothing') {
    setReason(action, undefined, true)
    action.f.runnable = true
  } else {
    switch (effectiveQuorumPolicy(ws, rsc)) {
      case 'stop':
        action.f.runnable = false
        setReason(action, 'no quorum', true)
        break
      case 'freeze':
        if (!isActive(rsc, true) || rsc.nextRole > rsc.role) {
          action.f.runnable = false
          setReason(action, 'quorum freeze', true)
        }
        break
      default:
        action.f.runnable = true
    }
  }
}

/** Breaks the import cycle with fencing: set by fence-node at load. */
export const fenceNodeHook: { fence: (ws: WorkingSet, node: Node, reason: string) => void } = {
  fence: () => undefined,
}

function opOnFailValue(ws: WorkingSet, action: Action, rsc: Rsc, op: Op | undefined): string | undefined {
  const defaults = ws.config.defaults.op
  let value: string | undefined = op?.onFail ?? defaults.onFail ?? defaults.extra?.['on-fail']
  if (action.task === 'stop' && (value === 'standby' || value === 'demote' || value === 'stop')) return undefined
  if (action.task === 'demote' && value === undefined) {
    const mon = rsc.ops.find((o) => o.onFail !== undefined && o.enabled !== false && o.name === 'monitor'
      && o.role === 'Promoted' && (o.intervalMs ?? 0) > 0 && o.onFail !== 'demote')
    return mon?.onFail
  }
  if (value === 'demote') {
    const ok = op !== undefined && (op.name === 'promote'
      || (op.name === 'monitor' && op.role === 'Promoted' && (op.intervalMs ?? 0) > 0))
    if (!ok) value = undefined
  }
  return value
}

function unpackOperation(ws: WorkingSet, action: Action, rsc: Rsc, op: Op | undefined): void {
  if (action.task !== 'start' && action.task !== 'promote') action.needs = 'nothing'
  else if (rsc.f.needsFencing) action.needs = 'fencing'
  else if (rsc.f.needsQuorum) action.needs = 'quorum'
  else action.needs = 'nothing'
  const value = opOnFailValue(ws, action, rsc, op)
  let onFail: OnFailCode | undefined
  switch (value) {
    case 'block': onFail = F.Block; break
    case 'fence':
      if (ws.f.stonithEnabled) onFail = F.Fence
      else { onFail = F.Stop; action.failRole = R.Stopped }
      break
    case 'standby': onFail = F.Standby; break
    case 'ignore': case 'nothing': onFail = F.Ignore; break
    case 'migrate': onFail = F.Migrate; break
    case 'stop': onFail = F.Stop; action.failRole = R.Stopped; break
    case 'restart': onFail = F.Recover; break
    case 'demote': onFail = F.Demote; break
    default: onFail = undefined
  }
  if (onFail === undefined) {
    onFail = action.task === 'stop' ? (ws.f.stonithEnabled ? F.Fence : F.Block) : F.Recover
  }
  action.onFail = onFail
  if (action.failRole === R.Unknown) action.failRole = action.task === 'promote' ? R.Unpromoted : R.Started
}

/** Whether a node can be fenced now (Pacemaker's `pe_can_fence`). */
export function canFence(ws: WorkingSet, node: Node | undefined): boolean {
  if (!ws.f.stonithEnabled || !ws.f.haveStonithResource) return false
  if (ws.f.haveQuorum || ws.noQuorumPolicy === 'ignore') return true
  return node !== undefined && node.online
}

/** The fencing action for a node, created once (Pacemaker's `pe_fence_op`). */
export function fenceOp(ws: WorkingSet, node: Node, op: string | undefined, optional: boolean,
  reason: string | undefined): Action {
  const what = op ?? ws.stonithAction
  const key = `stonith-${node.name}-${what}`
  let action = ws.singletons.get(key)
  if (action === undefined) {
    action = customAction(ws, undefined, key, 'stonith', node, true)
    action.fenceAction = what
  }
  if (!optional && canFence(ws, node)) {
    action.f.optional = false
    setReason(action, reason, false)
  } else if (reason !== undefined && action.reason === undefined) {
    action.reason = reason
  }
  return action
}

/** A node-less pseudo-action shared by name (Pacemaker's `get_pseudo_op`). */
export function pseudoOp(ws: WorkingSet, name: string): Action {
  let op = ws.singletons.get(name)
  if (op === undefined) {
    op = customAction(ws, undefined, name, name, undefined, true)
    op.f.pseudo = true
    op.f.runnable = true
  }
  return op
}

/** A resource's node-less pseudo-action (Pacemaker's `pe__new_rsc_pseudo_action`). */
export function rscPseudo(ws: WorkingSet, rsc: Rsc, task: string, optional: boolean, runnable: boolean): Action {
  const action = customAction(ws, rsc, opKey(rsc.id, task, 0), task, undefined, optional)
  action.f.pseudo = true
  if (runnable) action.f.runnable = true
  return action
}

/** Orders `first` before `then`; false when an equivalent edge exists (Pacemaker's `order_actions`). */
export function orderActions(first: Action | undefined, then: Action | undefined, type: number): boolean {
  if (type === 0 || first === undefined || then === undefined || first === then) return false
  if (first.after.some((e) => e.action === then && (e.type & type) !== 0)) return false
  first.after.push({ action: then, type } satisfies Edge)
  then.before.push({ action: first, type } satisfies Edge)
  return true
}

/** Shorthands for the resource actions Pacemaker creates by name. */
export const startAction = (ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): Action =>
  customAction(ws, rsc, opKey(rsc.id, 'start'), 'start', node, optional)
export const stopAction = (ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): Action =>
  customAction(ws, rsc, opKey(rsc.id, 'stop'), 'stop', node, optional)
export const promoteAction = (ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): Action =>
  customAction(ws, rsc, opKey(rsc.id, 'promote'), 'promote', node, optional)
export const demoteAction = (ws: WorkingSet, rsc: Rsc, node: Node | undefined, optional: boolean): Action =>
  customAction(ws, rsc, opKey(rsc.id, 'demote'), 'demote', node, optional)
