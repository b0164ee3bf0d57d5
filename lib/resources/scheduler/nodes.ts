/**
 * Node availability and the node order used for placement (Pacemaker's
 * `pcmk__node_available` and `compare_nodes`).
 *
 * @module
 */
import { INFINITY } from '../model/scores.js'
import type { Allowed, Node, WorkingSet } from './types.js'
import { compareCapacity } from './utilization.js'

/** Whether a node can run resources (and, with `considerScore`, whether the score allows it). */
export function nodeAvailable(node: Node | undefined, weight: number, considerScore: boolean): boolean {
  if (node === undefined || !node.online || node.shutdown || node.unclean || node.standby || node.maintenance) return false
  return !(considerScore && weight < 0)
}

/** Whether any entry of an allowed-node table is available with a non-negative score. */
export function anyAvailable(table: ReadonlyMap<string, Allowed>): boolean {
  for (const a of table.values()) if (nodeAvailable(a.node, a.weight, true)) return true
  return false
}

/** Byte-order string comparison (C's `strcmp`). */
export function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Sorts allowed entries best first: score, capacity, fewest assigned, the active node, name. */
export function sortAllowed(ws: WorkingSet, list: Allowed[], active: Node | undefined): Allowed[] {
  return list.sort((a, b) => compareAllowed(ws, a, b, active))
}

function compareAllowed(ws: WorkingSet, a: Allowed, b: Allowed, active: Node | undefined): number {
  const wa = nodeAvailable(a.node, a.weight, false) ? a.weight : -INFINITY
  const wb = nodeAvailable(b.node, b.weight, false) ? b.weight : -INFINITY
  if (wa > wb) return -1
  if (wa < wb) return 1
  if (ws.placementStrategy !== 'minimal') {
    if (ws.placementStrategy === 'balanced') {
      const c = compareCapacity(a.node, b.node)
      if (c < 0) return -1
      if (c > 0) return 1
    }
    if (a.node.numResources < b.node.numResources) return -1
    if (a.node.numResources > b.node.numResources) return 1
    if (active !== undefined) {
      if (active === a.node) return -1
      if (active === b.node) return 1
    }
  }
  return strcmp(a.node.name, b.node.name)
}

/** A copy of an allowed-node table. */
export function copyTable(table: ReadonlyMap<string, Allowed>): Map<string, Allowed> {
  return new Map([...table].map(([k, a]) => [k, { ...a }]))
}
