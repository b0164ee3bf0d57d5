import type protobuf from 'protobufjs'
import { longToNumber, lookupType } from '../../wire/schema.js'

export type CpgReason = 'join' | 'leave' | 'nodedown' | 'nodeup' | 'procdown'

export type CpgMessage =
  | { readonly kind: 'join'; readonly group: string; readonly memberId: string }
  | { readonly kind: 'leave'; readonly group: string; readonly memberId: string; readonly reason: 'leave' | 'procdown' }
  | { readonly kind: 'join-list'; readonly entries: readonly { readonly group: string; readonly memberId: string }[] }
  | { readonly kind: 'mcast'; readonly group: string; readonly memberId: string; readonly seq: number; readonly payload: Uint8Array }

const REASONS: readonly CpgReason[] = ['join', 'leave', 'nodedown', 'nodeup', 'procdown']

/** protobuf framing of CPG's exec messages (proto/cpg.proto). */
export class CpgCodec {
  readonly #type: protobuf.Type = lookupType('cpg.proto', 'tsha.cpg.v1.CpgMessage')

  encode(m: CpgMessage): Uint8Array {
    switch (m.kind) {
      case 'join': return this.#type.encode({ join: { group: m.group, memberId: m.memberId } }).finish()
      case 'leave': return this.#type.encode({ leave: { group: m.group, memberId: m.memberId, reason: REASONS.indexOf(m.reason) + 1 } }).finish()
      case 'join-list': return this.#type.encode({ joinList: { entries: m.entries } }).finish()
      case 'mcast': return this.#type.encode({ mcast: { group: m.group, memberId: m.memberId, seq: m.seq, payload: m.payload } }).finish()
    }
  }

  /** Undefined for bytes that are not a CPG message (counted by the caller). */
  decode(bytes: Uint8Array): CpgMessage | undefined {
    let raw: Record<string, unknown>
    try {
      raw = this.#type.decode(bytes) as unknown as Record<string, unknown>
    } catch {
      return undefined
    }
    const body = raw[raw['kind'] as string] as Record<string, unknown> | undefined
    if (body === undefined) return undefined
    switch (raw['kind']) {
      case 'join': return { kind: 'join', group: body['group'] as string, memberId: body['memberId'] as string }
      case 'leave': return { kind: 'leave', group: body['group'] as string, memberId: body['memberId'] as string, reason: body['reason'] === 5 ? 'procdown' : 'leave' }
      case 'joinList': return { kind: 'join-list', entries: (body['entries'] as { group: string; memberId: string }[]).map((e) => ({ group: e.group, memberId: e.memberId })) }
      case 'mcast': {
        const payload = body['payload'] instanceof Uint8Array ? body['payload'] : new Uint8Array(0)
        return { kind: 'mcast', group: body['group'] as string, memberId: body['memberId'] as string, seq: longToNumber(body['seq']), payload }
      }
      default: return undefined
    }
  }
}
