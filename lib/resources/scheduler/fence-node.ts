/**
 * Marking a node unclean and scheduling its fencing (Pacemaker's
 * `pe_fence_node`): the first reason given is the one the summary shows.
 *
 * @module
 */
import { fenceNodeHook, fenceOp } from './actions.js'
import type { Node, WorkingSet } from './types.js'

/** Marks the node unclean (once) and creates its optional fencing action with the reason. */
export function fenceNode(ws: WorkingSet, node: Node, reason: string): void {
  if (node.unclean) return
  node.unclean = true
  fenceOp(ws, node, undefined, true, reason)
}

fenceNodeHook.fence = fenceNode
