import type { NodeId } from '../../totem/ring-id.js'

/** One member of a process group: a node and a member id unique on that node for its lifetime. */
export interface CpgMember {
  readonly nodeId: NodeId
  readonly memberId: string
}

export function memberKey(m: CpgMember): string {
  return `${m.nodeId}/${m.memberId}`
}

/** Members ordered by (node id, member id), as corosync orders process_info. */
export function compareMembers(a: CpgMember, b: CpgMember): number {
  return a.nodeId - b.nodeId || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)
}

/**
 * The replicated table of every group member cluster-wide (corosync's
 * process_info list). Every node applies the same changes in the same order.
 */
export class GroupTable {
  readonly #groups = new Map<string, Map<string, CpgMember>>()

  has(group: string, m: CpgMember): boolean {
    return this.#groups.get(group)?.has(memberKey(m)) ?? false
  }

  add(group: string, m: CpgMember): boolean {
    let members = this.#groups.get(group)
    if (members === undefined) {
      members = new Map()
      this.#groups.set(group, members)
    }
    if (members.has(memberKey(m))) return false
    members.set(memberKey(m), m)
    return true
  }

  remove(group: string, m: CpgMember): boolean {
    const members = this.#groups.get(group)
    if (members === undefined || !members.delete(memberKey(m))) return false
    if (members.size === 0) this.#groups.delete(group)
    return true
  }

  members(group: string): CpgMember[] {
    return [...(this.#groups.get(group)?.values() ?? [])].sort(compareMembers)
  }

  groups(): string[] {
    return [...this.#groups.keys()].sort()
  }

  /** Every (group, member) entry, for sync bookkeeping. */
  *entries(): Iterable<{ group: string; member: CpgMember }> {
    for (const [group, members] of this.#groups) for (const member of members.values()) yield { group, member }
  }

  /** True if the node has any member in the group (corosync only delivers mcasts from such nodes). */
  nodeInGroup(group: string, nodeId: NodeId): boolean {
    for (const m of this.#groups.get(group)?.values() ?? []) if (m.nodeId === nodeId) return true
    return false
  }
}
