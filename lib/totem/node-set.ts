import type { NodeId } from './ring-id.js'

/**
 * Membership arithmetic over small sets of node ids. Lists are kept sorted
 * ascending and duplicate-free so that equality is positional and results are
 * deterministic.
 */

export function sortedSet(ids: Iterable<NodeId>): NodeId[] {
  return [...new Set(ids)].sort((a, b) => a - b)
}

export function setHas(set: readonly NodeId[], id: NodeId): boolean {
  return set.includes(id)
}

export function setEqual(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function isSubset(sub: readonly NodeId[], full: readonly NodeId[]): boolean {
  for (const id of sub) if (!full.includes(id)) return false
  return true
}

export function setUnion(a: readonly NodeId[], b: readonly NodeId[]): NodeId[] {
  return sortedSet([...a, ...b])
}

export function setMinus(a: readonly NodeId[], b: readonly NodeId[]): NodeId[] {
  return a.filter((id) => !b.includes(id))
}

export function setIntersect(a: readonly NodeId[], b: readonly NodeId[]): NodeId[] {
  return a.filter((id) => b.includes(id))
}
