import type { ConfigurationChange } from '../../totem/events.js'
import type { NodeId, RingId } from '../../totem/ring-id.js'
import type { Guarantee } from '../../wire/frames.js'
import type { ClientAnswer, ClientRequest, Service, ServiceContext } from '../service.js'
import { type CpgMember, GroupTable, memberKey } from './groups.js'
import { CpgCodec, type CpgMessage } from './messages.js'
import { CpgSync } from './sync.js'
import { confchgKey, CPG_GROUP_NAME_MAX, CPG_LOCAL_MEMBERS_MAX, CPG_MESSAGE_SIZE_MAX, type CpgMemberChange, type CpgTraceEntry, messageKey } from './types.js'
import { ringIdString } from '../../totem/ring-id.js'

type Answer = (a: ClientAnswer) => void

interface LocalMember {
  readonly memberId: string
  readonly group: string
  readonly client: string
  state: 'joining' | 'joined' | 'leaving'
  nextSeq: number
  pendingJoin: (() => void) | undefined
  pendingLeave: (() => void) | undefined
  /** Sends waiting for their local delivery, by seq; answered with the seq, or refused. */
  readonly pendingSends: Map<number, (error?: { code: string; message: string }) => void>
}

export interface CpgOptions {
  /** Distinguishes this process's member ids from those of earlier incarnations of the node. */
  readonly bootId: string
  /** Sees every group event this node applies (simulator checkers, audits). */
  readonly trace?: (entry: CpgTraceEntry) => void
}

/**
 * Closed process groups (corosync exec/cpg.c). Joins, leaves and messages are
 * totally ordered exec messages applied identically everywhere; node-level
 * changes become NODEDOWN / NODEUP / PROCDOWN confchgs at sync activation, at
 * the same point of the total order on every member.
 */
export class CpgService implements Service {
  readonly id = 2
  readonly name = 'cpg'
  readonly allowInquorate = true
  readonly dependencies: readonly string[] = []
  readonly table = new GroupTable()
  dropped = 0
  readonly #codec = new CpgCodec()
  readonly #local = new Map<string, LocalMember>()
  readonly #sync: CpgSync
  readonly #bootId: string
  readonly #trace: ((entry: CpgTraceEntry) => void) | undefined
  #stream = 'none'
  #regular = 'none'
  /** Installations since the last completed sync: two nodes are comparable only with the same history. */
  #history = 'none'
  #counter = 0

  constructor(options: CpgOptions) {
    this.#bootId = options.bootId
    this.#trace = options.trace
    this.#sync = new CpgSync(this.table, {
      confchg: (ctx, group, joined, left) => { this.#confchg(ctx, group, joined, left) },
      localEntries: (self) => [...this.table.entries()].filter((e) => e.member.nodeId === self),
      encode: (m) => this.#codec.encode(m),
    })
  }

  deliver(ctx: ServiceContext, from: NodeId, body: Uint8Array): void {
    const m = this.#codec.decode(body)
    if (m === undefined) {
      this.dropped++
      return
    }
    switch (m.kind) {
      case 'join': return this.#onJoin(ctx, { nodeId: from, memberId: m.memberId }, m.group)
      case 'leave': return this.#onLeave(ctx, { nodeId: from, memberId: m.memberId }, m.group, m.reason)
      case 'join-list': return this.#sync.onJoinList(from, m.entries)
      case 'mcast': return this.#onMcast(ctx, { nodeId: from, memberId: m.memberId }, m)
    }
  }

  configurationChange(_ctx: ServiceContext, change: ConfigurationChange): void {
    // Streams for the trace: old-ring deliveries after a transitional configuration, then the sync
    // activation, both keyed by every installation since the last completed sync; then the new ring.
    const ring = ringIdString(change.ringId)
    if (change.kind === 'transitional') {
      this.#history = this.#stream = `${this.#history}>${ring}:[${change.members.join(',')}]`
    } else {
      this.#regular = ring
      this.#stream = `${this.#history}#sync`
    }
    this.#sync.configurationChange(change)
  }

  syncInit(_ctx: ServiceContext, transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void {
    this.#sync.init(transitional, members, ringId)
  }

  syncProcess(ctx: ServiceContext): boolean {
    return this.#sync.process(ctx)
  }

  syncActivate(ctx: ServiceContext): void {
    this.#sync.activate(ctx)
    this.#stream = this.#history = this.#regular
  }

  syncAbort(): void {
    this.#sync.abort()
  }

  request(ctx: ServiceContext, request: ClientRequest, answer: Answer): void {
    const args = (request.args ?? {}) as Record<string, unknown>
    const fail = (code: string, message: string): void => { answer({ client: request.client, id: request.id, ok: false, code, message }) }
    const ok = (value?: unknown): void => { answer({ client: request.client, id: request.id, ok: true, value }) }
    switch (request.op) {
      case 'join': return this.#join(ctx, request.client, String(args['group']), ok, fail)
      case 'leave': return this.#leave(ctx, request.client, String(args['memberId']), ok, fail)
      case 'mcast': return this.#mcast(ctx, request.client, args, ok, fail)
      case 'members': return ok(this.table.members(String(args['group'])))
      case 'list': return ok(this.table.groups().map((name) => ({ name, members: this.table.members(name) })))
      default: return fail('ERR_INVALID_ARGUMENT', `cpg has no operation ${request.op}`)
    }
  }

  clientGone(ctx: ServiceContext, client: string): void {
    for (const local of [...this.#local.values()]) {
      if (local.client !== client) continue
      local.pendingSends.clear()
      local.pendingJoin = undefined
      local.pendingLeave = undefined
      if (local.state !== 'leaving') {
        local.state = 'leaving'
        ctx.mcast(this.#codec.encode({ kind: 'leave', group: local.group, memberId: local.memberId, reason: 'procdown' }))
      }
    }
  }

  #join(ctx: ServiceContext, client: string, group: string, ok: (v?: unknown) => void, fail: (c: string, m: string) => void): void {
    if (group.length === 0 || Buffer.byteLength(group) > CPG_GROUP_NAME_MAX) return fail('ERR_INVALID_ARGUMENT', `group names are 1 to ${CPG_GROUP_NAME_MAX} bytes`)
    if (this.#local.size >= CPG_LOCAL_MEMBERS_MAX) return fail('ERR_QUEUE_FULL', `at most ${CPG_LOCAL_MEMBERS_MAX} group members per node`)
    const memberId = `${this.#bootId}.${++this.#counter}`
    const result = ctx.mcast(this.#codec.encode({ kind: 'join', group, memberId }))
    if (result !== 'ok') return fail(result === 'queue-full' ? 'ERR_QUEUE_FULL' : 'ERR_STOPPED', `join not sent: ${result}`)
    this.#local.set(memberId, {
      memberId, group, client, state: 'joining', nextSeq: 0, pendingLeave: undefined, pendingSends: new Map(),
      pendingJoin: () => { ok({ memberId, members: this.table.members(group) }) },
    })
  }

  #leave(ctx: ServiceContext, client: string, memberId: string, ok: (v?: unknown) => void, fail: (c: string, m: string) => void): void {
    const local = this.#local.get(memberId)
    if (local === undefined || local.client !== client || local.state !== 'joined') return fail('ERR_NOT_EXIST', `member ${memberId} is not joined`)
    // Safe: leave() resolves only once every member holds the leave, so a process that stops right
    // after is seen to have left, not to have gone down with its node.
    const result = ctx.mcast(this.#codec.encode({ kind: 'leave', group: local.group, memberId, reason: 'leave' }), { guarantee: 'safe' })
    if (result !== 'ok') return fail(result === 'queue-full' ? 'ERR_QUEUE_FULL' : 'ERR_STOPPED', `leave not sent: ${result}`)
    local.state = 'leaving'
    local.pendingLeave = () => { ok() }
  }

  #mcast(ctx: ServiceContext, client: string, args: Record<string, unknown>, ok: (v?: unknown) => void, fail: (c: string, m: string) => void): void {
    const local = this.#local.get(String(args['memberId']))
    if (local === undefined || local.client !== client || local.state !== 'joined') return fail('ERR_NOT_EXIST', 'not a joined member of the group')
    const payload = args['payload'] as Uint8Array
    if (payload.length > CPG_MESSAGE_SIZE_MAX) return fail('ERR_MESSAGE_TOO_LARGE', `${payload.length} bytes exceeds the ${CPG_MESSAGE_SIZE_MAX}-byte CPG limit`)
    const seq = local.nextSeq
    const body = this.#codec.encode({ kind: 'mcast', group: local.group, memberId: local.memberId, seq, payload })
    const result = ctx.mcast(body, { guarantee: (args['guarantee'] as Guarantee | undefined) ?? 'agreed' })
    if (result !== 'ok') return fail(result === 'queue-full' ? 'ERR_QUEUE_FULL' : result === 'too-big' ? 'ERR_MESSAGE_TOO_LARGE' : 'ERR_STOPPED', `message not sent: ${result}`)
    local.nextSeq++
    local.pendingSends.set(seq, (error) => { if (error === undefined) ok({ seq }); else fail(error.code, error.message) })
  }

  #onJoin(ctx: ServiceContext, member: CpgMember, group: string): void {
    if (!this.table.add(group, member)) return
    const local = member.nodeId === ctx.self ? this.#local.get(member.memberId) : undefined
    if (local !== undefined && local.state === 'joining') local.state = 'joined'
    this.#confchg(ctx, group, [{ ...member, reason: 'join' }], [])
    local?.pendingJoin?.()
    if (local !== undefined) local.pendingJoin = undefined
  }

  #onLeave(ctx: ServiceContext, member: CpgMember, group: string, reason: 'leave' | 'procdown'): void {
    if (!this.table.has(group, member)) return
    // The leaver hears about its own leave too: confchg before removal, as corosync does.
    this.#confchg(ctx, group, [], [{ ...member, reason }])
    this.table.remove(group, member)
    if (member.nodeId !== ctx.self) return
    const local = this.#local.get(member.memberId)
    this.#local.delete(member.memberId)
    local?.pendingLeave?.()
  }

  #onMcast(ctx: ServiceContext, from: CpgMember, m: Extract<CpgMessage, { kind: 'mcast' }>): void {
    if (!this.table.has(m.group, from)) {
      this.dropped++
      // Every member drops it alike, this node too: its sender must hear so rather than wait for ever.
      if (from.nodeId === ctx.self) this.#settleOwn(from.memberId, m.seq, 'was dropped: the sender is no longer a member of the group')
      return
    }
    this.#trace?.({ stream: this.#stream, group: m.group, key: messageKey(from, m.seq) })
    for (const local of this.#local.values()) {
      if (local.group !== m.group || local.state === 'joining') continue
      ctx.emit({ type: 'message', client: local.client, memberId: local.memberId, group: m.group, from, seq: m.seq, payload: m.payload })
    }
    if (from.nodeId === ctx.self) this.#settleOwn(from.memberId, m.seq, undefined)
  }

  /**
   * Own message `seq` of a local member was delivered here (`dropped` unset)
   * or dropped by every member alike. A member's messages reach it in the
   * order it sent them, so any of its sends still waiting with a lower seq
   * will never be delivered here: they are refused with ERR_NOT_DELIVERED
   * instead of leaving their callers waiting for ever.
   */
  #settleOwn(memberId: string, seq: number, dropped: string | undefined): void {
    const sender = this.#local.get(memberId)
    if (sender === undefined) return
    for (const [earlier, settle] of sender.pendingSends) {
      if (earlier >= seq) break
      sender.pendingSends.delete(earlier)
      settle({ code: 'ERR_NOT_DELIVERED', message: `message ${earlier} of ${memberId} was lost before it reached this node` })
    }
    const settle = sender.pendingSends.get(seq)
    if (settle === undefined) return
    sender.pendingSends.delete(seq)
    settle(dropped === undefined ? undefined : { code: 'ERR_NOT_DELIVERED', message: `message ${seq} of ${memberId} ${dropped}` })
  }

  /** One confchg per local member present in the group's table (a leaver still is, until after its confchg). */
  #confchg(ctx: ServiceContext, group: string, joined: readonly CpgMemberChange[], left: readonly CpgMemberChange[]): void {
    const leaving = new Set(left.map(memberKey))
    const members = this.table.members(group).filter((m) => !leaving.has(memberKey(m)))
    this.#trace?.({ stream: this.#stream, group, key: confchgKey(joined, left, members) })
    for (const local of this.#local.values()) {
      if (local.group !== group || local.state === 'joining') continue
      if (!this.table.has(group, { nodeId: ctx.self, memberId: local.memberId })) continue
      ctx.emit({ type: 'confchg', client: local.client, memberId: local.memberId, group, members, joined, left })
    }
  }
}
