/**
 * Fencing and shutdown decisions (Pacemaker's
 * `schedule_fencing_and_shutdowns`): unclean nodes that can be fenced are,
 * their resources' stops become implied by the fencing, starts that need
 * fencing wait for it; clean shutdowns wait for their node's stops.
 *
 * @module
 */
import { canFence, customAction, fenceOp, orderActions, rscActions, findFirstAction } from './actions.js'
import { newOrdering } from './ordering.js'
import { isAnonClone, top } from './resource-state.js'
import { O, type Action, type Node, type Rsc, type WorkingSet } from './types.js'

function anyManaged(rsc: Rsc): boolean {
  return rsc.f.managed || rsc.children.some(anyManaged)
}

function knownOn(rsc: Rsc, node: Node): boolean {
  if (rsc.knownOn.has(node.name)) return true
  return rsc.children.length === 0 && isAnonClone(rsc.parent) && rsc.parent!.knownOn.has(node.name)
}

function orderStartVsFencing(rsc: Rsc, fence: Action): void {
  const target = fence.node!
  for (const a of [...rsc.actions].reverse()) {
    if (a.needs === 'fencing') orderActions(fence, a, O.optional)
    else if (a.needs === 'quorum' && a.task === 'start' && rsc.allowed.has(target.name) && !knownOn(rsc, target)) {
      orderActions(fence, a, O.optional | O.runnableLeft)
    }
  }
}

function orderStopVsFencing(rsc: Rsc, fence: Action): void {
  const target = fence.node!
  const stops = rscActions(rsc, target, 'stop', false)
  const implicit = rsc.f.needsFencing
  const parentStop = stops.length > 0 && implicit ? findFirstAction(top(rsc).actions, undefined, 'stop', undefined) : undefined
  for (const stop of stops) {
    stop.f.pseudo = true
    stop.f.runnable = true
    if (implicit) {
      stop.f.impliedByStonith = true
      orderActions(fence, stop, O.preserve)
      orderActions(fence, parentStop, O.preserve)
    }
  }
  for (const demote of rscActions(rsc, target, 'demote', false)) {
    if (!demote.node!.online || demote.node!.unclean || rsc.f.failed) {
      demote.f.pseudo = true
      demote.f.runnable = true
      if (implicit) orderActions(fence, demote, O.preserve | O.optional)
    }
  }
}

function stonithOrdering(rsc: Rsc, fence: Action): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) stonithOrdering(c, fence)
  } else if (rsc.f.managed) {
    orderStartVsFencing(rsc, fence)
    orderStopVsFencing(rsc, fence)
  }
}

/** Orders every resource's actions relative to a fencing action. */
export function orderVsFence(ws: WorkingSet, fence: Action): void {
  for (const r of ws.resources) stonithOrdering(r, fence)
}

function shutdownAction(ws: WorkingSet, node: Node): Action {
  const op = customAction(ws, undefined, `do_shutdown-${node.name}`, 'do_shutdown', node, false)
  for (let i = ws.actions.length - 1; i >= 0; i--) {
    const a = ws.actions[i]!
    if (a.rsc === undefined || a.node !== node || a.task !== 'stop') continue
    if (a.rsc.f.maintenance || node.maintenance) continue
    if (!a.rsc.f.managed && !a.rsc.f.block) continue
    a.f.optional = false
    newOrdering(ws, a.rsc, undefined, a, undefined, 'do_shutdown', op, O.optional | O.runnableLeft)
  }
  return op
}

/** Schedules fencing of unclean nodes and shutdown of nodes that asked for it. */
export function scheduleFencingAndShutdowns(ws: WorkingSet): void {
  const managed = ws.resources.some(anyManaged)
  let dcDown: Action | undefined
  const fencing: Action[] = []
  const shutdowns: Action[] = []
  for (const node of ws.nodes) {
    let fence: Action | undefined
    if (managed && node.unclean && canFence(ws, node)) {
      fence = fenceOp(ws, node, undefined, false, 'node is unclean')
      orderVsFence(ws, fence)
      if (node.isDc) dcDown = fence
      else {
        if (!ws.f.concurrentFencing && fencing.length > 0) orderActions(fencing[0], fence, O.optional)
        fencing.unshift(fence)
      }
    } else if (node.online && node.shutdown) {
      const down = shutdownAction(ws, node)
      if (node.isDc) dcDown = down
      else shutdowns.unshift(down)
    }
  }
  if (dcDown === undefined) return
  if (dcDown.task === 'do_shutdown') for (const s of shutdowns) orderActions(s, dcDown, O.optional)
  if (ws.f.concurrentFencing) for (const f of fencing) orderActions(f, dcDown, O.optional)
  else if (fencing.length > 0) orderActions(fencing[0], dcDown, O.optional)
}
