import type { Guarantee } from '../../wire/frames.js'
import { assert } from '../../util/assert.js'
import {
  PG_HEADER_SIZE_MAX, PG_LAST_PARTIAL_SIZE, PG_PACKET_SIZE_MIN,
  encodePgPacket, pgChunkFit, pgChunkSize, pgHeaderSize,
} from './pg-codec.js'

/**
 * Sender side of the process-group layer: packs small application messages into
 * Totem packets and fragments large ones, from a bounded three-lane send queue.
 *
 * Message numbers (uint32, wrapping) are assigned when a message's first byte is
 * put into a packet, not at enqueue time, because the numbers inside one packet
 * must be consecutive in packet order and lanes overtake each other.
 *
 * Packing rule. Messages are taken in order and placed whole while they fit. A
 * message that does not fit whole in the space left starts there as a fragment
 * only when
 *  - the packet is still empty (it must make progress), or
 *  - the message could not fit whole into a fresh packet either, so splitting it
 *    here costs nothing, or
 *  - the space left is at least a quarter of `packetSizeMax`, so the extra
 *    fragment header buys a useful amount of payload.
 * Otherwise the packet is closed and the message starts the next one.
 *
 * Ownership: {@link Packer.enqueue} copies the payload, so callers may reuse
 * their buffer at once.
 */

/**
 * Which queue a message waits in: 'sync' always goes first; 'bulk' (state
 * transfer) only when 'normal' is empty, so a joiner catching up on megabytes
 * does not put everyone else's messages behind them.
 */
export type Lane = 'normal' | 'sync' | 'bulk'

export interface PackerOptions {
  /** Largest encoded PgPacket, in bytes (the Mcast payload budget). */
  readonly packetSizeMax: number
  /** Largest application message accepted. */
  readonly messageSizeMax: number
  /** Bytes each lane may hold before `enqueue` answers 'queue-full'. */
  readonly queueBytesMax: number
  /** Number of the first message (uint32); only tests need anything but 0. @default 0 */
  readonly firstMessageNo?: number
}

/** One packet ready for a Totem Mcast. */
export interface PulledPacket {
  /** The encoded PgPacket. */
  readonly payload: Uint8Array
  /** 'safe' when any chunk in the packet belongs to a 'safe' message. */
  readonly guarantee: Guarantee
}

export type EnqueueResult = 'ok' | 'queue-full' | 'too-big'

/**
 * Every message is charged at least this many bytes against the queue bound,
 * so that a flood of empty or tiny messages cannot grow the queue (whose per
 * message bookkeeping is far from free) without limit.
 */
export const MESSAGE_CHARGE_MIN = 64

/** Bytes a message of `length` is charged against the queue bound. */
export function messageCharge(length: number): number {
  return length > MESSAGE_CHARGE_MIN ? length : MESSAGE_CHARGE_MIN
}

interface Pending {
  readonly payload: Uint8Array
  readonly safe: boolean
}

/** A FIFO with O(1) amortised shift and the running totals flow control needs. */
class LaneQueue {
  #items: (Pending | undefined)[] = []
  #head = 0
  /** Bytes charged against the bound by messages not yet completely pulled. */
  charged = 0
  /** Payload bytes not yet pulled (for backlog estimates). */
  unsent = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(item: Pending): void {
    this.#items.push(item)
    this.charged += messageCharge(item.payload.length)
    this.unsent += item.payload.length
  }

  peek(): Pending | undefined {
    return this.#items[this.#head]
  }

  /** Removes the head, whose bytes have all been pulled already. */
  shift(): void {
    const item = this.#items[this.#head]
    assert(item !== undefined, 'shift of an empty lane')
    this.charged -= messageCharge(item.payload.length)
    this.#items[this.#head++] = undefined
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Compaction halves the array at most once per head advance of its size: amortised O(1).
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
  }
}

/** Packs application messages into PgPackets; see the module comment for the rules. */
export class Packer {
  readonly packetSizeMax: number
  readonly messageSizeMax: number
  readonly queueBytesMax: number
  readonly #sync = new LaneQueue()
  readonly #normal = new LaneQueue()
  readonly #bulk = new LaneQueue()
  /** Largest message that fits whole in a fresh packet, whatever its number. */
  readonly #wholeMax: number
  /** Least space worth starting a fragment of a message that would fit a fresh packet. */
  readonly #fragmentMin: number
  /** Lane whose head message has been partially pulled, if any. */
  #partial: LaneQueue | undefined = undefined
  /** Bytes of that message already pulled. */
  #offset = 0
  /** Number of that message. */
  #partialNo = 0
  #nextNo = 0

  constructor(options: PackerOptions) {
    const { packetSizeMax, messageSizeMax, queueBytesMax } = options
    assert(Number.isSafeInteger(packetSizeMax) && packetSizeMax >= PG_PACKET_SIZE_MIN,
      `packetSizeMax must be an integer >= ${PG_PACKET_SIZE_MIN}, got ${packetSizeMax}`)
    // Fragment offsets are uint32 on the wire.
    assert(Number.isSafeInteger(messageSizeMax) && messageSizeMax >= 0 && messageSizeMax <= 0xffffffff,
      `messageSizeMax must be a uint32, got ${messageSizeMax}`)
    assert(Number.isSafeInteger(queueBytesMax) && queueBytesMax >= 0, `queueBytesMax must be >= 0, got ${queueBytesMax}`)
    this.packetSizeMax = packetSizeMax
    this.messageSizeMax = messageSizeMax
    this.queueBytesMax = queueBytesMax
    this.#wholeMax = pgChunkFit(packetSizeMax - pgHeaderSize(0xffffffff, 0, false))
    this.#fragmentMin = Math.ceil(packetSizeMax / 4)
    this.#nextNo = (options.firstMessageNo ?? 0) >>> 0
  }

  /**
   * Queues one application message (copied).
   *
   * Each lane has its own bound of `queueBytesMax` bytes, so that a full
   * application lane can never block the synchronisation messages needed to
   * get out of a configuration change. A message is charged
   * {@link messageCharge} bytes until its last byte has been pulled; an empty
   * lane accepts any message up to `messageSizeMax`, so progress never depends
   * on the bound being larger than one message.
   *
   * @returns 'too-big' when longer than `messageSizeMax`; 'queue-full' when
   * the lane's bound would be exceeded (nothing is queued; retry after pulls).
   */
  enqueue(payload: Uint8Array, guarantee: Guarantee, lane: Lane): EnqueueResult {
    if (payload.length > this.messageSizeMax) return 'too-big'
    const queue = this.#lane(lane)
    if (queue.length > 0 && queue.charged + messageCharge(payload.length) > this.queueBytesMax) return 'queue-full'
    queue.push({ payload: Buffer.from(payload), safe: guarantee === 'safe' })
    return 'ok'
  }

  /**
   * Produces up to `max` packets, each encoding to at most `packetSizeMax`
   * bytes. The partially pulled message, if any, is continued first; then the
   * sync lane, then (unless `syncOnly`) the normal lane.
   *
   * Under `syncOnly`, a partially pulled normal-lane message is left alone
   * while the sync lane is empty, and rewound (as by {@link restartPartial})
   * when a sync message must go first: starting it makes every receiver discard
   * the partial assembly anyway.
   */
  pull(max: number, syncOnly: boolean): PulledPacket[] {
    const out: PulledPacket[] = []
    if (syncOnly && this.#partial !== undefined && this.#partial !== this.#sync && this.#sync.length > 0) this.restartPartial()
    while (out.length < max) {
      const packet = this.#packOne(syncOnly)
      if (packet === undefined) break
      out.push(packet)
    }
    return out
  }

  /**
   * Sends the partially pulled message again from its first byte, under a new
   * message number. Called at every configuration change, where receivers
   * discard their partial assemblies.
   */
  restartPartial(): void {
    const lane = this.#partial
    if (lane === undefined) return
    lane.unsent += this.#offset
    this.#partial = undefined
    this.#offset = 0
  }

  /**
   * Estimated packets needed to send what is queued (sync lane only, or both
   * lanes): O(1), from running totals, assuming worst-case packet headers and
   * two bytes of framing per message.
   */
  backlog(syncOnly: boolean): number {
    let bytes = this.#sync.unsent + 2 * this.#sync.length
    if (!syncOnly) bytes += this.#normal.unsent + 2 * this.#normal.length + this.#bulk.unsent + 2 * this.#bulk.length
    return Math.ceil(bytes / (this.packetSizeMax - PG_HEADER_SIZE_MAX))
  }

  /** Bytes charged against the bounds, both lanes together (see {@link enqueue}). */
  get queuedBytes(): number {
    return this.#sync.charged + this.#normal.charged + this.#bulk.charged
  }

  /** Bytes charged against the bound of one lane. */
  queuedBytesIn(lane: Lane): number {
    return this.#lane(lane).charged
  }

  /** Messages not yet completely pulled, both lanes together. */
  get queuedMessages(): number {
    return this.#sync.length + this.#normal.length + this.#bulk.length
  }

  #lane(lane: Lane): LaneQueue {
    return lane === 'sync' ? this.#sync : lane === 'bulk' ? this.#bulk : this.#normal
  }

  #nextLane(syncOnly: boolean): LaneQueue | undefined {
    if (this.#partial !== undefined) return syncOnly && this.#partial !== this.#sync ? undefined : this.#partial
    if (this.#sync.length > 0) return this.#sync
    if (syncOnly) return undefined
    if (this.#normal.length > 0) return this.#normal
    if (this.#bulk.length > 0) return this.#bulk
    return undefined
  }

  #packOne(syncOnly: boolean): PulledPacket | undefined {
    let lane = this.#nextLane(syncOnly)
    if (lane === undefined) return undefined
    const firstOffset = this.#offset
    const firstNo = firstOffset > 0 ? this.#partialNo : this.#nextNo
    const chunks: Uint8Array[] = []
    let size = pgHeaderSize(firstNo, firstOffset, false)
    let safe = false
    let lastPartial = false
    while (lane !== undefined) {
      const message = lane.peek()
      assert(message !== undefined, 'selected lane is empty')
      const { payload } = message
      const offset = this.#offset
      const rest = payload.length - offset
      const whole = pgChunkSize(rest)
      if (size + whole <= this.packetSizeMax) {
        chunks.push(offset === 0 ? payload : payload.subarray(offset))
        size += whole
        if (offset === 0) this.#nextNo = (this.#nextNo + 1) >>> 0
        lane.unsent -= rest
        lane.shift()
        this.#partial = undefined
        this.#offset = 0
      } else {
        const fit = pgChunkFit(this.packetSizeMax - size - PG_LAST_PARTIAL_SIZE)
        if (!this.#mayFragment(chunks.length, fit, payload.length)) break
        chunks.push(payload.subarray(offset, offset + fit))
        size += pgChunkSize(fit) + PG_LAST_PARTIAL_SIZE
        if (offset === 0) {
          this.#partialNo = this.#nextNo
          this.#nextNo = (this.#nextNo + 1) >>> 0
        }
        lane.unsent -= fit
        this.#partial = lane
        this.#offset = offset + fit
        lastPartial = true
      }
      if (message.safe) safe = true
      if (lastPartial) break
      lane = this.#nextLane(syncOnly)
    }
    const encoded = encodePgPacket({ firstNo, firstOffset, lastPartial, chunks })
    assert(encoded.length === size && size <= this.packetSizeMax,
      `PgPacket planned at ${size} bytes encoded to ${encoded.length} (max ${this.packetSizeMax})`)
    return { payload: encoded, guarantee: safe ? 'safe' : 'agreed' }
  }

  /** The packing rule of the module comment, for a message that does not fit whole. */
  #mayFragment(chunksInPacket: number, fit: number, length: number): boolean {
    if (chunksInPacket === 0) {
      assert(fit > 0, 'an empty packet has no room for a fragment')
      return true
    }
    if (fit === 0) return false
    return length > this.#wholeMax || fit >= this.#fragmentMin
  }
}
