/**
 * Resource order for non-default placement strategies (Pacemaker's
 * `cmp_resources`): priority, then score on the current node, then the best
 * score on any node.
 *
 * @module
 */
import { INFINITY } from '../model/scores.js'
import { addColocatedScores } from './colocation-scores.js'
import { sortAllowed } from './nodes.js'
import { currentNode } from './resource-state.js'
import type { Allowed, Node, Rsc, WorkingSet } from './types.js'

function weightOn(node: Node | undefined, table: ReadonlyMap<string, Allowed> | undefined): number {
  if (node === undefined || table === undefined) return -INFINITY
  return table.get(node.name)?.weight ?? -INFINITY
}

/** The top-level resources in placement order. */
export function sortResourcesForPlacement(ws: WorkingSet): Rsc[] {
  const nodes = sortAllowed(ws, ws.nodes.map((n) => ({ node: n, weight: n.weight, count: 0, discover: 0 })), undefined).map((a) => a.node)
  const tables = new Map<Rsc, Map<string, Allowed> | undefined>()
  const tableOf = (r: Rsc): Map<string, Allowed> | undefined => {
    if (!tables.has(r)) tables.set(r, addColocatedScores(r, undefined, undefined, 1, { thisWith: true }))
    return tables.get(r)
  }
  const indexed = ws.resources.map((r, i) => ({ r, i }))
  indexed.sort((x, y) => {
    const a = x.r
    const b = y.r
    if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1
    const ta = tableOf(a)
    const tb = tableOf(b)
    const wa = weightOn(a.runningOn.length > 0 ? currentNode(a) : undefined, ta)
    const wb = weightOn(b.runningOn.length > 0 ? currentNode(b) : undefined, tb)
    if (wa !== wb) return wa > wb ? -1 : 1
    for (const n of nodes) {
      const na = weightOn(n, ta)
      const nb = weightOn(n, tb)
      if (na !== nb) return na > nb ? -1 : 1
    }
    return x.i - y.i
  })
  return indexed.map((x) => x.r)
}
