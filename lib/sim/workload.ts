import type { NodeId } from '../totem/ring-id.js'
import type { MessageId } from './checkers/observer.js'

/**
 * Workload messages carry their identity and a self-checking filler, so a
 * delivery proves both which message it is and that its bytes survived
 * packing, fragmentation and recovery intact.
 */
const HEADER_BYTES = 12

export function encodeWorkloadMessage(id: MessageId, size: number): Uint8Array {
  const length = Math.max(HEADER_BYTES, size)
  const bytes = Buffer.allocUnsafe(length)
  bytes.writeUInt32LE(id.origin, 0)
  bytes.writeUInt32LE(id.incarnation, 4)
  bytes.writeUInt32LE(id.counter >>> 0, 8)
  for (let i = HEADER_BYTES; i < length; i++) bytes[i] = (id.counter + i) & 0xff
  return bytes
}

/** Returns the message identity, or a description of what is wrong with the bytes. */
export function decodeWorkloadMessage(payload: Uint8Array): MessageId | string {
  if (payload.length < HEADER_BYTES) return `payload of ${payload.length} bytes is shorter than the header`
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  const id = { origin: view.readUInt32LE(0) as NodeId, incarnation: view.readUInt32LE(4), counter: view.readUInt32LE(8) }
  for (let i = HEADER_BYTES; i < payload.length; i++) {
    if (view[i] !== ((id.counter + i) & 0xff)) return `payload of ${id.origin}/${id.incarnation}/${id.counter} corrupt at byte ${i}`
  }
  return id
}
