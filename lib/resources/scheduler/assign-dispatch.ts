/**
 * Assignment dispatched on the resource variant.
 *
 * @module
 */
import { assignPrimitive, finalizeAssignment } from './assign.js'
import { assignClone } from './clone-assign.js'
import { assignGroup } from './group.js'
import { V, type Node, type Rsc, type WorkingSet } from './types.js'

/** Assigns a resource of any variant (Pacemaker's `cmds->assign`). */
export function assignResource(ws: WorkingSet, rsc: Rsc, prefer: Node | undefined): Node | undefined {
  switch (rsc.variant) {
    case V.Native: return assignPrimitive(ws, rsc, prefer)
    case V.Group: return assignGroup(ws, rsc, prefer)
    default: return assignClone(ws, rsc, prefer)
  }
}

/** Forces every primitive under `rsc` to be unassigned (Pacemaker's `pcmk__assign_resource(rsc, NULL, true)`). */
export function finalizeAll(rsc: Rsc): boolean {
  if (rsc.children.length === 0) {
    const changed = rsc.allocatedTo !== undefined
    finalizeAssignment(rsc, undefined, true)
    return changed
  }
  let changed = false
  for (const c of rsc.children) changed = finalizeAll(c) || changed
  return changed
}
