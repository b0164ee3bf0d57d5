import type { ConfigurationChange } from '../../totem/events.js'
import type { NodeId, RingId } from '../../totem/ring-id.js'
import type { ClientAnswer, ClientRequest, Service, ServiceContext } from '../service.js'
import { activate } from './activate.js'
import { reply } from './local.js'
import type { CkptMessage } from './messages.js'
import { EXPIRE_TIMER, lowest, Replica } from './replica.js'
import { handleRequest } from './requests.js'
import type { CkptStore } from './store.js'
import { CatalogRound, merge } from './sync.js'
import { receiveChunk, receiveDone, receiveIndex, TransferSender } from './transfer.js'
import { CKPT_SECTION_SIZE_MAX, CKPT_SERVICE_ID, CKPT_TRANSFER_CHUNK_BYTES, type CkptTraceEntry } from './types.js'

export type { CkptAttributes, CkptEvent, CkptTraceEntry } from './types.js'

export interface CkptOptions {
  /** Sees every change this node applies, and every write it acknowledges (simulator checkers, audits). */
  readonly trace?: (entry: CkptTraceEntry) => void
  /** Section bytes per transfer message. @default 60 KiB */
  readonly transferChunkBytes?: number
  /** Transfer bytes this node may have in flight (sent, not yet delivered back). @default 4 chunks */
  readonly transferWindowBytes?: number
  /**
   * Every configured node. When all of them are members and none holds a
   * complete copy of a checkpoint (every one that did failed), the best
   * unfinished copy is made whole instead of staying unavailable.
   */
  readonly nodes?: readonly NodeId[]
}

type Transfer = Extract<CkptMessage, { kind: 'index' | 'chunk' | 'done' }>

/**
 * Checkpoints (OpenAIS CKPT) as a replicated state machine: named checkpoints
 * of named sections, the same on every node.
 *
 * - Changes are multicast (writes, deletes, creates and unlinks as safe
 *   messages) and applied at delivery, identically everywhere, only when the
 *   partition is quorate at that point of the total order. A writer is
 *   answered when its own message is delivered: every member holds it then.
 *   A change delivered in a transitional configuration was only promised to
 *   the members that came along; it is confirmed at the next activation if
 *   this node's copy won a quorate merge, otherwise answered ERR_TRY_AGAIN.
 * - Sync exchanges a catalog per node (sync.ts); the merge picks per name the
 *   greatest complete copy by (epoch, version), unless an unfinished copy is
 *   of a newer epoch (the latest state is elsewhere: the checkpoint stays
 *   unavailable instead of going back in time). Tombstones keep unlinked
 *   names from coming back.
 * - Contents move afterwards in the background (transfer.ts), paced by a
 *   window and the send queue, so a joining node never stalls the ring.
 */
export class CkptService implements Service {
  readonly id = CKPT_SERVICE_ID
  readonly name = 'ckpt'
  readonly allowInquorate = true
  readonly dependencies: readonly string[] = []
  /** Delivered messages that were not CKPT messages of this version. */
  dropped = 0
  readonly #replica: Replica
  readonly #round = new CatalogRound()
  readonly #sender: TransferSender
  readonly #nodes: readonly NodeId[] | undefined
  #transitional = false
  #syncing = false

  constructor(options: CkptOptions = {}) {
    const chunk = Math.min(CKPT_SECTION_SIZE_MAX, Math.max(1024, options.transferChunkBytes ?? CKPT_TRANSFER_CHUNK_BYTES))
    this.#replica = new Replica(options.trace)
    this.#sender = new TransferSender(this.#replica.codec, chunk, options.transferWindowBytes ?? 4 * chunk)
    this.#nodes = options.nodes
  }

  /** Read-only inspection: this node's replicas and tombstones. */
  get store(): CkptStore {
    return this.#replica.store
  }

  /** Hash of the sections and their versions, for comparing replicas. */
  digest(name: string): string | undefined {
    return this.#replica.store.get(name)?.digest
  }

  complete(name: string): boolean {
    const c = this.#replica.store.get(name)
    return c !== undefined && c.complete && c.available
  }

  /** Requests not answered yet (waiting reads included). */
  get outstanding(): number {
    return this.#replica.local.outstanding
  }

  /** Whether a transfer from or to this node is under way. */
  get transferring(): boolean {
    if (!this.#sender.idle) return true
    for (const c of this.#replica.store.checkpoints.values()) if (c.receiving !== undefined && c.receiving.donor !== 0) return true
    return false
  }

  /** Whether this node is sending a transfer (it is the donor of some checkpoint). */
  get sending(): boolean {
    return !this.#sender.idle
  }

  get sentBytes(): number {
    return this.#sender.sentBytes
  }

  deliver(ctx: ServiceContext, from: NodeId, body: Uint8Array): void {
    const m = this.#replica.codec.decode(body)
    if (m === undefined) {
      this.dropped++
      return
    }
    switch (m.kind) {
      case 'catalog':
        this.#round.onCatalog(from, m.ring, m.entries)
        return
      case 'index': case 'chunk': case 'done':
        return this.#transfer(ctx, from, m, body.length)
      default:
        this.#replica.deliver(ctx, { from, message: m, quorate: ctx.quorate, ringSeq: ctx.ringId.seq, transitional: this.#transitional })
    }
  }

  configurationChange(_ctx: ServiceContext, change: ConfigurationChange): void {
    this.#transitional = change.kind === 'transitional'
    if (change.kind === 'transitional') {
      this.#sender.stop()
      this.#syncing = false
    }
  }

  syncInit(_ctx: ServiceContext, _transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void {
    this.#round.init(ringId, members)
    this.#syncing = true
  }

  syncProcess(ctx: ServiceContext): boolean {
    return this.#round.process(ctx, this.#replica, this.#replica.codec)
  }

  syncActivate(ctx: ServiceContext): void {
    const ring = this.#round.ring ?? ctx.ringId
    const participants = [...this.#round.catalogs.keys()]
    const promote = ctx.quorate && this.#nodes !== undefined && this.#nodes.every((n) => participants.includes(n))
    const decisions = merge(this.#round.catalogs, promote)
    const send = activate(ctx, this.#replica, decisions, { ring, quorate: ctx.quorate, mine: this.#round.mine })
    this.#round.end()
    this.#syncing = false
    this.#sender.start(ring.seq, send)
    this.#sender.pump(ctx, this.#replica.store)
  }

  syncAbort(): void {
    this.#round.end()
    this.#syncing = false
  }

  request(ctx: ServiceContext, request: ClientRequest, answer: (a: ClientAnswer) => void): void {
    handleRequest(ctx, this.#replica, request, reply(request.client, request.id, answer))
  }

  /** The retention of an unopened checkpoint ran out here (the lowest member): ask everyone to drop it. */
  timer(ctx: ServiceContext, name: string): void {
    if (!name.startsWith(EXPIRE_TIMER)) return
    const c = this.#replica.store.get(name.slice(EXPIRE_TIMER.length))
    if (c === undefined || !c.available || c.handles.size > 0 || !lowest(ctx) || !ctx.quorate) return
    const result = this.#replica.send(ctx, { kind: 'expire', name: c.name, closeSeq: c.closeSeq })
    if (result === 'queue-full') ctx.setTimer(name, ctx.now + 100)
  }

  /**
   * Quorum came back without a new configuration (votequorum changed its
   * mind at this point of the total order): the copies here are the latest,
   * as at a quorate activation. Unopened ones start their retention again.
   */
  quorumChanged(ctx: ServiceContext, quorate: boolean): void {
    if (!quorate || this.#syncing) return
    for (const c of this.#replica.store.checkpoints.values()) {
      if (!c.available) continue
      c.epoch = ctx.ringId.seq
      this.#replica.armRetention(ctx, c)
    }
  }

  writable(ctx: ServiceContext): void {
    this.#sender.writable()
    this.#sender.pump(ctx, this.#replica.store)
    this.#replica.closeAbandoned(ctx)
  }

  clientGone(ctx: ServiceContext, client: string): void {
    const local = this.#replica.local
    for (const h of [...local.handles.values()]) {
      if (h.client !== client) continue
      if (h.state === 'dead') local.handles.delete(h.handleId)
      else h.abandoned = true
    }
    local.forget(client)
    this.#replica.closeAbandoned(ctx)
  }

  #transfer(ctx: ServiceContext, from: NodeId, m: Transfer, bytes: number): void {
    const replica = this.#replica
    if (from === ctx.self) {
      this.#sender.delivered(m.plan, bytes)
      this.#sender.pump(ctx, replica.store)
    }
    const c = replica.store.get(m.name)
    if (m.kind === 'index') {
      if (!receiveIndex(c, from, m)) return
      const r = c!.receiving!
      // Local handles that knew the copy this one replaced hear what differs.
      for (const s of r.previous ?? []) if (!r.names.has(s)) replica.emitSection(ctx, m.name, s, false)
      for (const s of r.previous === undefined ? [] : r.names) if (!r.previous!.has(s)) replica.emitSection(ctx, m.name, s, true)
      for (const e of r.held.splice(0)) replica.applyEffect(ctx, c!, e, true)
    } else if (m.kind === 'chunk') {
      const out = receiveChunk(c, from, m)
      if (out.anomalies > 0) replica.trace(ctx, 'anomaly', m.name, { detail: `${out.anomalies} pieces out of place` })
      if (out.completed.length === 0) return
    } else {
      const out = receiveDone(c, from, m)
      if (out === undefined) return
      if (out.missing.length > 0) replica.trace(ctx, 'anomaly', m.name, { detail: `transfer done without ${out.missing.join(',')}` })
      replica.trace(ctx, 'synced', m.name, { digest: c!.digest })
      ctx.emit({ type: 'synced', name: m.name, bytes: c!.bytes })
    }
    replica.local.wake(m.name)
  }
}
