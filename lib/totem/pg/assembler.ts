import { assert } from '../../util/assert.js'
import type { PgPacket } from '../../wire/frames.js'
import { decodePgPacket } from './pg-codec.js'

/**
 * Receiver side of the process-group layer: turns the PgPackets of each origin,
 * in Totem delivery order, back into application messages.
 *
 * One assembly per origin suffices because a sender always finishes (or, at a
 * configuration change, abandons) a fragmented message before starting another.
 * A continuation is accepted only when it carries the assembly's message number
 * and starts exactly at its current length; anything else means a packet was
 * lost to this receiver (possible across configuration changes), and gluing
 * would produce a corrupt message, so the assembly is dropped instead.
 *
 * Ownership: returned payloads of unfragmented messages are views of the packet
 * bytes, and fragments are kept as views until their message completes; callers
 * must not mutate packet buffers after handing them in.
 */

export interface AssemblerOptions {
  /** Largest message accepted; longer assemblies are dropped, bounding memory. */
  readonly messageSizeMax: number
}

/** One message completed by a packet. */
export interface AssembledMessage {
  readonly payload: Uint8Array
  /** Index, in the packet, of the chunk that completed the message (its position in the total order). */
  readonly index: number
}

/** Counters of everything the assembler refused; they only grow. */
export interface AssemblerStats {
  /** Packets that did not decode as a PgPacket. */
  malformed: number
  /** Packets that decoded but cannot come from a correct packer (no chunk, empty fragment). */
  inconsistent: number
  /** Partial assemblies abandoned: superseded by a new message, broken by a gap, or reset. */
  discardedAssemblies: number
  /** Continuation chunks that did not continue the origin's assembly. */
  discardedChunks: number
  /** Messages dropped for exceeding `messageSizeMax`. */
  oversize: number
  /** Messages delivered. */
  messages: number
  /** Of those, messages that were reassembled from fragments. */
  reassembled: number
}

interface Assembly {
  readonly no: number
  length: number
  readonly parts: Uint8Array[]
}

const NOTHING: readonly AssembledMessage[] = Object.freeze([])

/** Reassembles application messages from PgPackets; see the module comment. */
export class Assembler {
  readonly messageSizeMax: number
  readonly stats: AssemblerStats = {
    malformed: 0, inconsistent: 0, discardedAssemblies: 0, discardedChunks: 0, oversize: 0, messages: 0, reassembled: 0,
  }
  readonly #assemblies = new Map<number, Assembly>()

  constructor(options: AssemblerOptions) {
    assert(Number.isSafeInteger(options.messageSizeMax) && options.messageSizeMax >= 0,
      `messageSizeMax must be a non-negative integer, got ${options.messageSizeMax}`)
    this.messageSizeMax = options.messageSizeMax
  }

  /**
   * Feeds one packet of `origin` (in delivery order) and returns the messages
   * it completes, in order. Never throws: refused input is only counted.
   * The returned array must not be modified (it may be shared when empty).
   */
  packet(origin: number, payload: Uint8Array): readonly AssembledMessage[] {
    const decoded = decodePgPacket(payload)
    if (!decoded.ok) {
      this.refuse(origin, decoded.reason)
      return NOTHING
    }
    return this.assemble(origin, decoded.packet)
  }

  /** Counts a packet of `origin` that did not decode; its stream is damaged, so its partial message goes. */
  refuse(origin: number, reason: 'malformed' | 'inconsistent'): void {
    this.stats[reason]++
    // A later continuation must not be glued across the damage.
    this.#drop(origin)
  }

  /** Like {@link packet}, for a packet the caller already decoded. */
  assemble(origin: number, packet: PgPacket): readonly AssembledMessage[] {
    const { firstNo, firstOffset, lastPartial, chunks } = packet
    const last = chunks.length - 1
    let out: AssembledMessage[] | undefined
    for (let index = 0; index <= last; index++) {
      const chunk = chunks[index] as Uint8Array
      const partial = lastPartial && index === last
      const message = index === 0 && firstOffset !== 0
        ? this.#continue(origin, firstNo, firstOffset, chunk, partial)
        : this.#start(origin, (firstNo + index) >>> 0, chunk, partial)
      if (message !== undefined) {
        this.stats.messages++
        out ??= []
        out.push({ payload: message, index })
      }
    }
    return out ?? NOTHING
  }

  /** Discards every partial assembly (at each regular configuration: senders restart them). */
  reset(): void {
    this.stats.discardedAssemblies += this.#assemblies.size
    this.#assemblies.clear()
  }

  /** Discards the partial assembly of one origin, if any (e.g. when it leaves). */
  forget(origin: number): void {
    this.#drop(origin)
  }

  /** Origins with a partial assembly in progress. */
  get pending(): number {
    return this.#assemblies.size
  }

  /** A chunk at offset 0: a whole message, or the first fragment of one. */
  #start(origin: number, no: number, chunk: Uint8Array, partial: boolean): Uint8Array | undefined {
    this.#drop(origin)
    if (chunk.length > this.messageSizeMax) {
      this.stats.oversize++
      return undefined
    }
    if (!partial) return chunk
    this.#assemblies.set(origin, { no, length: chunk.length, parts: [chunk] })
    return undefined
  }

  #continue(origin: number, no: number, offset: number, chunk: Uint8Array, partial: boolean): Uint8Array | undefined {
    const assembly = this.#assemblies.get(origin)
    if (assembly === undefined || assembly.no !== no || assembly.length !== offset) {
      this.stats.discardedChunks++
      this.#drop(origin)
      return undefined
    }
    const length = assembly.length + chunk.length
    if (length > this.messageSizeMax) {
      this.stats.oversize++
      this.#drop(origin)
      return undefined
    }
    assembly.parts.push(chunk)
    assembly.length = length
    if (partial) return undefined
    this.#assemblies.delete(origin)
    this.stats.reassembled++
    return Buffer.concat(assembly.parts, length)
  }

  #drop(origin: number): void {
    if (this.#assemblies.delete(origin)) this.stats.discardedAssemblies++
  }
}
