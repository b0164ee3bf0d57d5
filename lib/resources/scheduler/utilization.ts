/**
 * Utilization placement (`placement-strategy` other than `default`): node
 * capacity accounting and bans on nodes without room for a resource and the
 * resources colocated with it.
 *
 * @module
 */
import { INFINITY } from '../model/scores.js'
import { resourceLocation } from './location.js'
import { colocationAffects } from './colocation.js'
import { isClone } from './resource-state.js'
import { V, type Node, type Rsc, type WorkingSet } from './types.js'

/** Negative when `a` has more remaining capacity than `b` (Pacemaker's `pcmk__compare_node_capacities`). */
export function compareCapacity(a: Node, b: Node): number {
  let result = 0
  for (const [k, v] of a.utilization) {
    const other = b.utilization.get(k) ?? 0
    if (v > other) result--
    else if (v < other) result++
  }
  for (const [k, v] of b.utilization) {
    if (a.utilization.has(k)) continue
    if (0 > v) result--
    else if (0 < v) result++
  }
  return result
}

/** Subtracts a resource's utilization from a node's remaining capacity. */
export function consumeCapacity(node: Node, rsc: Rsc): void {
  for (const [k, v] of rsc.utilization) node.utilization.set(k, (node.utilization.get(k) ?? 0) - v)
}

/** Gives a resource's utilization back to a node. */
export function releaseCapacity(node: Node, rsc: Rsc): void {
  for (const [k, v] of rsc.utilization) node.utilization.set(k, (node.utilization.get(k) ?? 0) + v)
}

function enough(node: Node, need: ReadonlyMap<string, number>): boolean {
  for (const [k, v] of need) if (v > (node.utilization.get(k) ?? 0)) return false
  return true
}

/** Resources that must share a node with `rsc` (Pacemaker's `colocated_resources`). */
export function colocatedResources(rsc: Rsc, orig: Rsc | undefined, acc: Rsc[]): Rsc[] {
  const origin = orig ?? rsc
  if (rsc.variant === V.Group) {
    const members = isClone(rsc.parent) ? rsc.children : rsc.children
    for (const m of members) colocatedResources(m, origin, acc)
  }
  if (acc.includes(rsc)) return acc
  acc.push(rsc)
  for (const c of rsc.thisWith) {
    if (c.primary === origin) continue
    if (c.score === INFINITY && colocationAffects(rsc, c.primary, c, true) === 'location') colocatedResources(c.primary, origin, acc)
  }
  for (const c of rsc.withThis) {
    if (c.dependent === origin) continue
    if (isClone(rsc) && !isClone(c.dependent)) continue
    if (c.score === INFINITY && colocationAffects(c.dependent, rsc, c, true) === 'location') colocatedResources(c.dependent, origin, acc)
  }
  return acc
}

function addUtilization(rsc: Rsc, all: readonly Rsc[], into: Map<string, number>): void {
  if (!rsc.f.provisional) return
  if (rsc.variant === V.Native) {
    for (const [k, v] of rsc.utilization) into.set(k, (into.get(k) ?? 0) + v)
  } else if (rsc.variant === V.Group) {
    for (const m of rsc.children) if (m.f.provisional && !all.includes(m)) addUtilization(m, all, into)
  } else {
    const found = rsc.children.some((c) => all.includes(c))
    if (!found && rsc.children[0] !== undefined) addUtilization(rsc.children[0], all, into)
  }
}

/**
 * Bans the resource from nodes without enough capacity; returns the node with
 * the most free capacity when no node fits everything colocated with it.
 */
export function banInsufficientCapacity(ws: WorkingSet, rsc: Rsc): Node | undefined {
  if (ws.placementStrategy === 'default') return undefined
  const colocated = colocatedResources(rsc, undefined, [])
  if (!colocated.includes(rsc)) colocated.push(rsc)
  const need = new Map<string, number>()
  for (const r of colocated) addUtilization(r, colocated, need)
  let anyCapable = false
  let most: Node | undefined
  const available = [...rsc.allowed.values()].filter((a) => a.node.online && !a.node.unclean && !a.node.standby
    && !a.node.maintenance && !a.node.shutdown && a.weight >= 0)
  for (const a of available) {
    if (enough(a.node, need)) anyCapable = true
    if (most === undefined || compareCapacity(a.node, most) < 0) most = a.node
  }
  const threshold = anyCapable ? need : rsc.utilization
  for (const a of available) if (!enough(a.node, threshold)) resourceLocation(ws, rsc, a.node, -INFINITY)
  return anyCapable ? undefined : most
}
