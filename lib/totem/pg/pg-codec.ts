import type protobuf from 'protobufjs'
import type { PgPacket } from '../../wire/frames.js'
import { lookupType } from '../../wire/schema.js'

/**
 * Encoding, decoding and exact size arithmetic of `PgPacket`, the payload of
 * every regular Totem message (proto/totem.proto).
 *
 * The packer plans packets byte for byte before encoding them once, so the size
 * functions here must agree exactly with what protobufjs writes. That holds
 * because {@link encodePgPacket} leaves scalar fields at their proto3 default
 * out of the message (protobufjs would otherwise write an explicit zero), and
 * the tag sizes are derived from the schema rather than assumed.
 */

const pgType: protobuf.Type = lookupType('totem.proto', 'tsha.totem.v1.PgPacket')

/** Bytes of a varint encoding of the unsigned 32-bit `value`. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x200000) return 3
  if (value < 0x10000000) return 4
  return 5
}

function tagSize(name: string, wireType: number): number {
  const field = pgType.fields[name]
  if (field === undefined) throw new Error(`PgPacket has no field ${name}`)
  return varintSize(((field.id << 3) | wireType) >>> 0)
}

const FIRST_NO_TAG = tagSize('firstNo', 0)
const FIRST_OFFSET_TAG = tagSize('firstOffset', 0)
const LAST_PARTIAL_FIELD = tagSize('lastPartial', 0) + 1
const CHUNK_TAG = tagSize('chunks', 2)

/**
 * Largest header a packet can have: both uint32 fields at 5-byte varints plus
 * `last_partial`. Planning against it keeps estimates safe for any message number.
 */
export const PG_HEADER_SIZE_MAX = FIRST_NO_TAG + 5 + FIRST_OFFSET_TAG + 5 + LAST_PARTIAL_FIELD

/**
 * Smallest usable packet size: the worst-case header plus one chunk carrying a
 * few bytes, so that every packet makes progress even for a fragment.
 */
export const PG_PACKET_SIZE_MIN = PG_HEADER_SIZE_MAX + CHUNK_TAG + 1 + 8

/** Encoded bytes of the scalar fields of a packet (everything except the chunks). */
export function pgHeaderSize(firstNo: number, firstOffset: number, lastPartial: boolean): number {
  let size = 0
  if (firstNo !== 0) size += FIRST_NO_TAG + varintSize(firstNo)
  if (firstOffset !== 0) size += FIRST_OFFSET_TAG + varintSize(firstOffset)
  if (lastPartial) size += LAST_PARTIAL_FIELD
  return size
}

/** Extra bytes `last_partial = true` adds to a packet. */
export const PG_LAST_PARTIAL_SIZE = LAST_PARTIAL_FIELD

/** Encoded bytes of one chunk of `length` data bytes (tag, length varint, data). */
export function pgChunkSize(length: number): number {
  return CHUNK_TAG + varintSize(length) + length
}

/**
 * Largest number of data bytes a chunk may carry when `space` encoded bytes are
 * left, or 0 when not even a one-byte chunk fits.
 */
export function pgChunkFit(space: number): number {
  let length = space - CHUNK_TAG - 1
  // A longer length varint eats into the data; at most four steps back.
  while (length > 0 && pgChunkSize(length) > space) length--
  return length > 0 ? length : 0
}

/** Exact encoded size of `packet` as {@link encodePgPacket} writes it. */
export function pgPacketSize(packet: PgPacket): number {
  let size = pgHeaderSize(packet.firstNo, packet.firstOffset, packet.lastPartial)
  for (const chunk of packet.chunks) size += pgChunkSize(chunk.length)
  return size
}

/** Encodes a packet; chunks are copied into the result, which never aliases them. */
export function encodePgPacket(packet: PgPacket): Uint8Array {
  const wire: { firstNo?: number; firstOffset?: number; lastPartial?: boolean; chunks: readonly Uint8Array[] } = {
    chunks: packet.chunks,
  }
  if (packet.firstNo !== 0) wire.firstNo = packet.firstNo
  if (packet.firstOffset !== 0) wire.firstOffset = packet.firstOffset
  if (packet.lastPartial) wire.lastPartial = true
  return pgType.encode(wire).finish()
}

/** Why a received packet was refused. */
export type PgDropReason = 'malformed' | 'inconsistent'

export type PgDecodeResult =
  | { readonly ok: true; readonly packet: PgPacket }
  | { readonly ok: false; readonly reason: PgDropReason; readonly detail: string }

/**
 * Decodes and checks a packet. Never throws. The chunks of a successful result
 * are views of `bytes` (no copy): the caller must not mutate `bytes` while it
 * still uses them.
 *
 * Besides protobuf errors, a packet is refused as `inconsistent` when it has no
 * chunk (the packer never sends one) or when a fragment is empty: the packer
 * always moves at least one byte per fragment, so an empty one can only come
 * from a foreign or broken sender.
 */
export function decodePgPacket(bytes: Uint8Array): PgDecodeResult {
  let raw: { firstNo: number; firstOffset: number; lastPartial: boolean; chunks: Uint8Array[] }
  try {
    raw = pgType.decode(bytes) as unknown as typeof raw
  } catch (error) {
    return { ok: false, reason: 'malformed', detail: error instanceof Error ? error.message : String(error) }
  }
  const { firstNo, firstOffset, lastPartial, chunks } = raw
  const last = chunks.length - 1
  const head = chunks[0]
  const tail = chunks[last]
  if (head === undefined || tail === undefined) return { ok: false, reason: 'inconsistent', detail: 'packet has no chunk' }
  if (firstOffset !== 0 && head.length === 0) {
    return { ok: false, reason: 'inconsistent', detail: 'empty continuation fragment' }
  }
  if (lastPartial && tail.length === 0) return { ok: false, reason: 'inconsistent', detail: 'empty leading fragment' }
  return { ok: true, packet: { firstNo, firstOffset, lastPartial, chunks } }
}
