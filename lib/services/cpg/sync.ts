import type { ConfigurationChange } from '../../totem/events.js'
import type { NodeId, RingId } from '../../totem/ring-id.js'
import type { ServiceContext } from '../service.js'
import { compareMembers, type CpgMember, type GroupTable, memberKey } from './groups.js'
import type { CpgMessage } from './messages.js'
import type { CpgMemberChange } from './types.js'

export interface CpgSyncHooks {
  confchg(ctx: ServiceContext, group: string, joined: readonly CpgMemberChange[], left: readonly CpgMemberChange[]): void
  localEntries(self: NodeId): { group: string; member: CpgMember }[]
  encode(message: CpgMessage): Uint8Array
}

/**
 * CPG's part of sync (corosync cpg_sync_init/process/activate): each node
 * announces its own members (joinlist); at activation every member, at the
 * same point of the total order, removes the members of nodes that went down
 * (NODEDOWN), adds those learnt from joinlists (NODEUP), and drops remote
 * members nobody confirmed (PROCDOWN). The downlist is computed locally,
 * never agreed (corosync commit 23e17953).
 */
export class CpgSync {
  readonly #table: GroupTable
  readonly #hooks: CpgSyncHooks
  #lastRegular: readonly NodeId[] = []
  #previousRegular: readonly NodeId[] = []
  #downlist: readonly NodeId[] = []
  #members: readonly NodeId[] = []
  #ringId: RingId | undefined
  #joinLists = new Map<NodeId, readonly { group: string; memberId: string }[]>()
  #active = false

  constructor(table: GroupTable, hooks: CpgSyncHooks) {
    this.#table = table
    this.#hooks = hooks
  }

  configurationChange(change: ConfigurationChange): void {
    if (change.kind !== 'regular') return
    this.#previousRegular = this.#lastRegular
    this.#lastRegular = change.members
  }

  init(transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void {
    this.#downlist = this.#previousRegular.filter((id) => !transitional.includes(id))
    this.#members = members
    this.#ringId = ringId
    this.#joinLists = new Map()
    this.#active = true
  }

  process(ctx: ServiceContext): boolean {
    const entries = this.#hooks.localEntries(ctx.self).map((e) => ({ group: e.group, memberId: e.member.memberId }))
    return ctx.syncMcast(this.#hooks.encode({ kind: 'join-list', entries })) === 'ok'
  }

  onJoinList(from: NodeId, entries: readonly { group: string; memberId: string }[]): void {
    if (this.#active && this.#members.includes(from)) this.#joinLists.set(from, entries)
  }

  abort(): void {
    // A joinlist kept past an aborted round made permanent ghost members (corosync PR #828).
    this.#joinLists = new Map()
    this.#active = false
  }

  activate(ctx: ServiceContext): void {
    this.#removeNodes(ctx, (m) => this.#downlist.includes(m.nodeId), 'nodedown')
    this.#addJoinLists(ctx)
    const confirmed = new Set<string>()
    for (const [node, entries] of this.#joinLists) for (const e of entries) confirmed.add(`${e.group}|${node}/${e.memberId}`)
    this.#removeNodes(ctx, (m, group) => m.nodeId !== ctx.self && !confirmed.has(`${group}|${memberKey(m)}`), 'procdown')
    this.#joinLists = new Map()
    this.#active = false
    ctx.emit({ type: 'totem', ringId: this.#ringId ?? ctx.ringId, members: this.#members })
  }

  #removeNodes(ctx: ServiceContext, gone: (m: CpgMember, group: string) => boolean, reason: 'nodedown' | 'procdown'): void {
    const byGroup = new Map<string, CpgMemberChange[]>()
    for (const { group, member } of this.#table.entries()) {
      if (!gone(member, group)) continue
      const list = byGroup.get(group) ?? []
      list.push({ ...member, reason })
      byGroup.set(group, list)
    }
    for (const [group, left] of [...byGroup].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      // Table iteration order depends on each node's history: confchg lists must not.
      left.sort(compareMembers)
      for (const m of left) this.#table.remove(group, m)
      this.#hooks.confchg(ctx, group, [], left)
    }
  }

  #addJoinLists(ctx: ServiceContext): void {
    const byGroup = new Map<string, CpgMemberChange[]>()
    for (const [node, entries] of [...this.#joinLists].sort((a, b) => a[0] - b[0])) {
      if (node === ctx.self) continue
      for (const e of entries) {
        const member = { nodeId: node, memberId: e.memberId }
        if (!this.#table.add(e.group, member)) continue
        const list = byGroup.get(e.group) ?? []
        list.push({ ...member, reason: 'nodeup' })
        byGroup.set(e.group, list)
      }
    }
    for (const [group, joined] of [...byGroup].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      this.#hooks.confchg(ctx, group, joined.sort(compareMembers), [])
    }
  }
}
