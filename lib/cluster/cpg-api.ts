import { EventEmitter } from 'eventemitter3'
import { ClusterError } from '../errors.js'
import type { CpgEvent, CpgMember, CpgMemberChange } from '../services/cpg/types.js'
import { CPG_MESSAGE_SIZE_MAX } from '../services/cpg/types.js'
import type { Guarantee } from '../wire/frames.js'
import { retryWithin } from './budget.js'
import type { EngineLink } from './link.js'
import type { Readiness } from './readiness.js'
import { args, check } from './validate.js'

export type { CpgMember, CpgMemberChange } from '../services/cpg/types.js'

/** A configuration change of one group: the members after it, and who joined or left and why. */
export interface GroupChange {
  readonly members: readonly CpgMember[]
  readonly joined: readonly CpgMemberChange[]
  readonly left: readonly CpgMemberChange[]
}

export interface GroupMessage {
  readonly data: Buffer
  readonly from: CpgMember
}

export type GroupEvents = {
  message: (data: Buffer, from: CpgMember) => void
  confchg: (change: GroupChange) => void
}

export interface SendOptions {
  /** `agreed` (default): total order. `safe`: also held by every member before delivery. */
  readonly guarantee?: Guarantee
  readonly signal?: AbortSignal
}

export interface JoinOptions {
  /** Gives up the join (`ERR_ABORTED`); with it, a join before the node is ready waits for it. */
  readonly signal?: AbortSignal
  /** Messages an async iterator may buffer before it fails with ERR_QUEUE_FULL. @default 1024 */
  readonly highWaterMark?: number
}

/** Events a CpgApi keeps for members whose join answer has not arrived yet. */
const EARLY_EVENTS_MAX = 10_000

/**
 * Membership of one closed process group (corosync cpg_join). Messages and
 * configuration changes arrive in the same total order on every member.
 * Events are emitted from the event loop turn after `join()` resolves (as
 * corosync's joiner hears them at its next cpg_dispatch), so listeners
 * attached right after `await join()` see every one, starting with the
 * confchg that names this member itself.
 */
export class Group extends EventEmitter<GroupEvents> implements AsyncIterable<GroupMessage> {
  readonly name: string
  readonly memberId: string
  readonly #link: EngineLink
  readonly #highWaterMark: number
  #members: readonly CpgMember[]
  #left = false
  readonly #onClose = new Set<(error: ClusterError) => void>()
  /** Events not yet emitted: held until the turn after join() resolved, then in order. */
  #held: CpgEvent[] | undefined

  /** @internal Created by {@link CpgApi.join}. */
  constructor(link: EngineLink, name: string, memberId: string, members: readonly CpgMember[], highWaterMark: number, early: readonly CpgEvent[]) {
    super()
    this.#link = link
    this.name = name
    this.memberId = memberId
    this.#members = members
    this.#highWaterMark = highWaterMark
    this.#held = [...early]
    setImmediate(() => {
      const held = this.#held ?? []
      this.#held = undefined
      for (const event of held) this.#emitEvent(event)
    })
  }

  /** Members at the last configuration change emitted (at first: at the join), ordered by node id then member id. */
  get members(): readonly CpgMember[] {
    return this.#members
  }

  /**
   * Sends to every member, this one included; resolves once the message is
   * delivered here in total order. Waits (never buffers without bound) while
   * the send queue is full.
   */
  async send(payload: Uint8Array | string, options: SendOptions = {}): Promise<void> {
    check(args.payload, payload, 'payload')
    check(args.send, options, 'options')
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
    if (bytes.length > CPG_MESSAGE_SIZE_MAX) {
      throw new ClusterError('ERR_MESSAGE_TOO_LARGE', `a CPG message is at most ${CPG_MESSAGE_SIZE_MAX} bytes, got ${bytes.length}`)
    }
    if (this.#left) throw new ClusterError('ERR_NOT_EXIST', `this member left group ${this.name}`)
    await this.#link.requestWithRoom('cpg', 'mcast', { memberId: this.memberId, payload: bytes, guarantee: options.guarantee ?? 'agreed' }, options.signal)
  }

  /** Leaves the group; resolves once the leave is delivered here. */
  async leave(): Promise<void> {
    if (this.#left) return
    await this.#link.request('cpg', 'leave', { memberId: this.memberId })
    this.#close(new ClusterError('ERR_NOT_EXIST', `left group ${this.name}`))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#left && this.#link.state === 'running') await this.leave()
  }

  /** Messages from now on, buffered up to highWaterMark; a consumer that falls further behind gets ERR_QUEUE_FULL. */
  [Symbol.asyncIterator](): AsyncIterator<GroupMessage> {
    return groupIterator(this, this.#highWaterMark, this.#onClose)
  }

  /** @internal Routes one CPG event of this member. */
  dispatch(event: CpgEvent): void {
    if (this.#held !== undefined) this.#held.push(event)
    else this.#emitEvent(event)
  }

  #emitEvent(event: CpgEvent): void {
    if (event.type === 'message') {
      const p = event.payload
      this.emit('message', Buffer.from(p.buffer, p.byteOffset, p.byteLength), event.from)
    } else if (event.type === 'confchg') {
      this.#members = event.members
      this.emit('confchg', { members: event.members, joined: event.joined, left: event.left })
      if (event.left.some((m) => m.memberId === this.memberId)) this.#close(new ClusterError('ERR_NOT_EXIST', `left group ${this.name}`))
    }
  }

  /** @internal The cluster stopped or this member left: iterators end. */
  close(error: ClusterError): void {
    this.#close(error)
  }

  #close(error: ClusterError): void {
    if (this.#left) return
    this.#left = true
    for (const f of this.#onClose) f(error)
    this.#onClose.clear()
  }
}

function groupIterator(group: Group, highWaterMark: number, onClose: Set<(e: ClusterError) => void>): AsyncIterator<GroupMessage> {
  const buffer: GroupMessage[] = []
  let waiting: ((r: IteratorResult<GroupMessage>) => void) | undefined
  let failed: ClusterError | undefined
  let done = false
  const finish = (error?: ClusterError): void => {
    group.off('message', onMessage)
    onClose.delete(onEnd)
    if (error !== undefined && failed === undefined && !done) failed = error
    done = true
    waiting?.({ value: undefined, done: true })
    waiting = undefined
  }
  const onEnd = (error: ClusterError): void => { if (error.code !== 'ERR_NOT_EXIST') failed ??= error; finish() }
  const onMessage = (data: Buffer, from: CpgMember): void => {
    if (waiting !== undefined) {
      waiting({ value: { data, from }, done: false })
      waiting = undefined
    } else if (buffer.length >= highWaterMark) {
      finish(new ClusterError('ERR_QUEUE_FULL', `the iterator of group ${group.name} fell ${highWaterMark} messages behind; read faster or raise highWaterMark`))
    } else {
      buffer.push({ data, from })
    }
  }
  group.on('message', onMessage)
  onClose.add(onEnd)
  return {
    next: () => {
      const item = buffer.shift()
      if (item !== undefined) return Promise.resolve({ value: item, done: false })
      if (failed !== undefined) return Promise.reject(failed)
      if (done) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => { waiting = resolve })
    },
    return: () => {
      finish()
      return Promise.resolve({ value: undefined, done: true })
    },
  }
}

/** A process group and its members, cluster-wide. */
export interface GroupInfo {
  readonly name: string
  /** Ordered by node id, then member id. */
  readonly members: readonly CpgMember[]
}

/** `cluster.cpg`: closed process groups. */
export class CpgApi {
  readonly #link: EngineLink
  readonly #readiness: Readiness
  readonly #groups = new Map<string, Group>()
  /** Joins sent whose answer has not come: events for member ids not known yet are kept for them. */
  #joining = 0
  readonly #early = new Map<string, CpgEvent[]>()
  #earlyCount = 0

  /** @internal */
  constructor(link: EngineLink, readiness: Readiness) {
    this.#link = link
    this.#readiness = readiness
  }

  /**
   * Joins `group`; resolves once this member's own join is delivered, with the
   * members at that point. Its events (the confchg naming this member first)
   * start on the next turn of the event loop.
   */
  async join(group: string, options: JoinOptions = {}): Promise<Group> {
    check(args.groupName, group, 'group')
    check(args.join, options, 'options')
    const signal = options.signal
    this.#joining++
    let value: { memberId: string; members: CpgMember[] }
    try {
      const attempt = (): Promise<unknown> => this.#link.requestWithRoom('cpg', 'join', { group }, signal)
      value = await (signal === undefined ? attempt() : retryWithin(this.#readiness, {}, { signal, what: `join of group ${group}` }, attempt)) as typeof value
    } finally {
      this.#joining--
    }
    const early = this.#early.get(value.memberId) ?? []
    this.#early.delete(value.memberId)
    this.#earlyCount -= early.length
    if (this.#joining === 0) this.#forgetEarly()
    const handle = new Group(this.#link, group, value.memberId, value.members, options.highWaterMark ?? 1024, early)
    this.#groups.set(value.memberId, handle)
    return handle
  }

  /** Current members of any group (joined here or not). */
  async members(group: string): Promise<readonly CpgMember[]> {
    check(args.groupName, group, 'group')
    return await this.#link.request('cpg', 'members', { group }) as CpgMember[]
  }

  /** Every group with at least one member anywhere in the cluster, sorted by name (corosync cpg_iteration). */
  async groups(): Promise<GroupInfo[]> {
    return await this.#link.request('cpg', 'list', {}) as GroupInfo[]
  }

  /** Groups this node's members are in, for status(). */
  get joined(): readonly Group[] {
    return [...this.#groups.values()]
  }

  /** @internal Leaves every group (reason `leave` at the others): a graceful stop. */
  async leaveAll(): Promise<void> {
    await Promise.allSettled([...this.#groups.values()].map((g) => g.leave()))
  }

  /** @internal */
  dispatch(event: CpgEvent): void {
    if (event.type === 'totem') return
    const group = this.#groups.get(event.memberId)
    if (group === undefined) {
      this.#keepEarly(event)
      return
    }
    group.dispatch(event)
    if (event.type === 'confchg' && event.left.some((m) => m.memberId === event.memberId)) this.#groups.delete(event.memberId)
  }

  /** @internal */
  closeAll(error: ClusterError): void {
    for (const g of this.#groups.values()) g.close(error)
    this.#groups.clear()
    this.#forgetEarly()
  }

  /** The confchg of a member's own join is delivered before the answer that tells us its id. */
  #keepEarly(event: Exclude<CpgEvent, { type: 'totem' }>): void {
    if (this.#joining === 0 || this.#earlyCount >= EARLY_EVENTS_MAX) return
    const list = this.#early.get(event.memberId)
    if (list === undefined) this.#early.set(event.memberId, [event])
    else list.push(event)
    this.#earlyCount++
  }

  #forgetEarly(): void {
    this.#early.clear()
    this.#earlyCount = 0
  }
}
