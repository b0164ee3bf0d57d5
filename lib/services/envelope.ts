import type protobuf from 'protobufjs'
import { longToNumber, lookupType } from '../wire/schema.js'
import type { RingId } from '../totem/ring-id.js'

/** Reserved service id of the sync protocol itself (corosync's "sync" group). */
export const SYNC_SERVICE_ID = 0xffff

export type SyncMessage =
  | { readonly ring: RingId; readonly kind: 'service-list'; readonly services: readonly number[] }
  | { readonly ring: RingId; readonly kind: 'barrier'; readonly service: number }

/** Encoders of the service framing; one instance per node (protobuf types are looked up once). */
export class ServiceCodec {
  readonly #envelope: protobuf.Type = lookupType('services.proto', 'tsha.services.v1.Envelope')
  readonly #sync: protobuf.Type = lookupType('services.proto', 'tsha.services.v1.SyncMessage')

  wrap(service: number, body: Uint8Array): Uint8Array {
    return this.#envelope.encode({ service, body }).finish()
  }

  /** Undefined when the bytes are not an envelope (counted by the caller). */
  unwrap(bytes: Uint8Array): { service: number; body: Uint8Array } | undefined {
    try {
      const m = this.#envelope.decode(bytes) as unknown as { service: number; body: Uint8Array | unknown[] }
      return { service: m.service, body: m.body instanceof Uint8Array ? m.body : new Uint8Array(0) }
    } catch {
      return undefined
    }
  }

  encodeSync(message: SyncMessage): Uint8Array {
    const ring = { rep: message.ring.rep, seq: message.ring.seq }
    const body = message.kind === 'service-list'
      ? { ring, serviceList: { services: message.services } }
      : { ring, barrier: { service: message.service } }
    return this.wrap(SYNC_SERVICE_ID, this.#sync.encode(body).finish())
  }

  decodeSync(body: Uint8Array): SyncMessage | undefined {
    try {
      const m = this.#sync.decode(body) as unknown as Record<string, unknown>
      const raw = m['ring'] as { rep: number; seq: unknown } | null
      if (raw === null) return undefined
      const ring = { rep: raw.rep, seq: longToNumber(raw.seq) }
      if (m['kind'] === 'serviceList') return { ring, kind: 'service-list', services: (m['serviceList'] as { services: number[] }).services }
      if (m['kind'] === 'barrier') return { ring, kind: 'barrier', service: (m['barrier'] as { service: number }).service }
      return undefined
    } catch {
      return undefined
    }
  }
}
