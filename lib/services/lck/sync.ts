import { ringIdEqual, type NodeId, type RingId } from '../../totem/ring-id.js'
import type { ServiceContext } from '../service.js'
import type { LckCodec, StateChunk } from './messages.js'
import type { Announcement, Holder, LockRecord, Waiter } from './types.js'

/** First budget of one State chunk (estimated bytes); halved while the ring refuses chunks as too big. */
const CHUNK_BYTES = 32 * 1024
const CHUNK_BYTES_MIN = 256

/** The announcement as a stream: lock headers, their holders and waiters, then live ids. */
type Item =
  | { readonly kind: 'lock'; readonly r: LockRecord }
  | { readonly kind: 'holder'; readonly name: string; readonly h: Holder }
  | { readonly kind: 'waiter'; readonly name: string; readonly w: Waiter }
  | { readonly kind: 'live'; readonly id: string }

interface Outgoing {
  readonly ring: RingId
  readonly epoch: number
  readonly items: readonly Item[]
  /** Next item to send, next chunk index, current budget. */
  at: number
  index: number
  budget: number
}

interface Collected {
  epoch: number
  next: number
  done: boolean
  readonly records: Map<string, { lastToken: bigint; delayed: boolean; holders: Holder[]; waiters: Waiter[] }>
  readonly live: Set<string>
}

/** The merged table and which locks it delays because their holders' nodes went away. */
export interface MergeResult {
  readonly records: LockRecord[]
  readonly delayedNow: readonly string[]
}

/**
 * LCK's part of sync v2: every member announces its epoch, its whole table
 * and its own clients' live ids, in chunks; at activation every member
 * merges the same announcements the same way (see {@link merge}).
 */
export class LckSync {
  readonly #codec: LckCodec
  #ring: RingId | undefined
  #members: readonly NodeId[] = []
  #received = new Map<NodeId, Collected>()
  #outgoing: Outgoing | undefined
  /** Chunk budget that the ring accepted last (kept across rounds). */
  #budget = CHUNK_BYTES

  constructor(codec: LckCodec) {
    this.#codec = codec
  }

  init(members: readonly NodeId[], ring: RingId): void {
    this.#ring = ring
    this.#members = members
    this.#received = new Map()
    this.#outgoing = undefined
  }

  abort(): void {
    this.#ring = undefined
    this.#received = new Map()
    this.#outgoing = undefined
  }

  /**
   * Sends the announcement (taken once per round) chunk by chunk; false
   * while the queue is full. A chunk refused as too big is cut smaller.
   */
  process(ctx: ServiceContext, snapshot: () => Announcement): boolean {
    if (this.#ring === undefined) return true
    const out = this.#outgoing ??= { ring: this.#ring, at: 0, index: 0, budget: this.#budget, ...stream(snapshot()) }
    while (out.index === 0 || out.at < out.items.length) {
      const { chunk, next } = cut(out)
      const result = ctx.syncMcast(this.#codec.encode({ kind: 'state', ...chunk }))
      if (result === 'queue-full') return false
      if (result === 'too-big' && out.budget > CHUNK_BYTES_MIN) {
        this.#budget = out.budget = Math.max(CHUNK_BYTES_MIN, out.budget >> 1)
        continue
      }
      if (result !== 'ok') ctx.log(`lck: sync state chunk ${out.index} not sent (${result})`)
      out.at = next
      out.index++
    }
    return true
  }

  /** A State chunk was delivered; false if it belongs to no current round (stale or malformed order). */
  onState(from: NodeId, chunk: StateChunk): boolean {
    if (this.#ring === undefined || !ringIdEqual(chunk.ring, this.#ring) || !this.#members.includes(from)) return false
    let c = this.#received.get(from)
    if (c === undefined) {
      c = { epoch: chunk.epoch, next: 0, done: false, records: new Map(), live: new Set() }
      this.#received.set(from, c)
    }
    if (c.done || chunk.index !== c.next) return false
    c.next++
    c.done = chunk.last
    c.epoch = chunk.epoch
    for (const id of chunk.live) c.live.add(id)
    for (const r of chunk.records) {
      const into = c.records.get(r.name) ?? { lastToken: 0n, delayed: false, holders: [], waiters: [] }
      if (r.lastToken > into.lastToken) into.lastToken = r.lastToken
      into.delayed ||= r.delayed
      into.holders.push(...r.holders)
      into.waiters.push(...r.waiters)
      c.records.set(r.name, into)
    }
    return true
  }

  /**
   * The merge, identical on every member: last tokens are the maximum over
   * all announcements; the table is that of the member with the highest
   * epoch (the most recent quorate lineage; ties to the lowest node id);
   * then every holder or waiter whose node is gone, or whose node no longer
   * lists it as live, is dropped. Locks that lost a holder because its node
   * is gone are delayed when `delay` is set.
   */
  merge(delay: boolean): MergeResult {
    const members = [...this.#members].sort((a, b) => a - b)
    let base: Collected | undefined
    const tokens = new Map<string, bigint>()
    for (const id of members) {
      const c = this.#received.get(id)
      if (c === undefined) continue
      if (base === undefined || c.epoch > base.epoch) base = c
      for (const [name, r] of c.records) if (r.lastToken > (tokens.get(name) ?? -1n)) tokens.set(name, r.lastToken)
    }
    const present = (e: { id: string; node: NodeId }): boolean =>
      members.includes(e.node) && (this.#received.get(e.node)?.live.has(e.id) ?? false)
    const records: LockRecord[] = []
    const delayedNow: string[] = []
    for (const name of [...tokens.keys()].sort()) {
      const r = base?.records.get(name)
      const holders = (r?.holders ?? []).filter(present)
      const gone = (r?.holders ?? []).some((h) => !members.includes(h.node))
      if (delay && gone) delayedNow.push(name)
      const waiters = (r?.waiters ?? []).filter(present)
      records.push({ name, lastToken: tokens.get(name)!, delayed: (r?.delayed ?? false) || (delay && gone), holders, waiters })
    }
    this.#received = new Map()
    this.#ring = undefined
    return { records, delayedNow }
  }
}

function stream(a: Announcement): { epoch: number; items: Item[] } {
  const items: Item[] = []
  for (const r of a.records) {
    items.push({ kind: 'lock', r })
    for (const h of r.holders) items.push({ kind: 'holder', name: r.name, h })
    for (const w of r.waiters) items.push({ kind: 'waiter', name: r.name, w })
  }
  for (const id of a.live) items.push({ kind: 'live', id })
  return { epoch: a.epoch, items }
}

/**
 * The next chunk: items from `out.at` while the estimated size fits the
 * budget (at least one). Holders and waiters continue their lock in a piece
 * of the same name; the receiver concatenates pieces.
 */
function cut(out: Outgoing): { chunk: StateChunk; next: number } {
  const records: (LockRecord & { holders: Holder[]; waiters: Waiter[] })[] = []
  const live: string[] = []
  let bytes = 0
  let i = out.at
  for (; i < out.items.length; i++) {
    const item = out.items[i]!
    const last = records.at(-1)
    const name = item.kind === 'lock' ? item.r.name : item.kind === 'live' ? undefined : item.name
    const opens = item.kind === 'lock' || (name !== undefined && last?.name !== name)
    const size = (opens ? Buffer.byteLength(name!) + 24 : 0) + (item.kind === 'lock' ? 0 : Buffer.byteLength(item.kind === 'live' ? item.id : item.kind === 'holder' ? item.h.id : item.w.id) + 24)
    if (i > out.at && bytes + size > out.budget) break
    bytes += size
    if (item.kind === 'live') live.push(item.id)
    else if (item.kind === 'lock') records.push({ ...item.r, holders: [], waiters: [] })
    else {
      const piece = opens ? { name: item.name, lastToken: 0n, delayed: false, holders: [], waiters: [] } : last!
      if (opens) records.push(piece)
      if (item.kind === 'holder') piece.holders.push(item.h)
      else piece.waiters.push(item.w)
    }
  }
  const chunk: StateChunk = { ring: out.ring, epoch: out.epoch, index: out.index, last: i >= out.items.length, records, live }
  return { chunk, next: i }
}
