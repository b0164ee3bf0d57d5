import type protobuf from 'protobufjs'
import type { NodeId, RingId } from '../../totem/ring-id.js'
import { longToNumber, lookupType } from '../../wire/schema.js'
import { LCK_NAME_MAX, type Holder, type LckMode, type LockRecord, type Waiter } from './types.js'

/** One chunk of a member's sync announcement. */
export interface StateChunk {
  readonly ring: RingId
  readonly epoch: number
  readonly index: number
  readonly last: boolean
  readonly records: readonly LockRecord[]
  readonly live: readonly string[]
}

export type LckMessage =
  | { readonly kind: 'acquire'; readonly id: string; readonly name: string; readonly mode: LckMode; readonly try: boolean }
  | { readonly kind: 'release'; readonly id: string }
  | { readonly kind: 'cancel'; readonly id: string }
  | { readonly kind: 'regrant'; readonly ring: RingId }
  | { readonly kind: 'delay-end'; readonly ring: RingId; readonly names: readonly string[] }
  | ({ readonly kind: 'state' } & StateChunk)

const MODES: readonly (LckMode | undefined)[] = [undefined, 'exclusive', 'shared']

/** A lock name is 1..LCK_NAME_MAX UTF-8 bytes. */
export function validName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && Buffer.byteLength(name) <= LCK_NAME_MAX
}

/** protobufjs takes 64-bit values as {low, high}; tokens are unsigned. */
function toLong(value: bigint): { low: number; high: number; unsigned: boolean } {
  const v = BigInt.asUintN(64, value)
  return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true }
}

function fromLong(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(value)
  if (value !== null && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number }
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)
  }
  return 0n
}

class Malformed extends Error {}

function need<T>(ok: boolean, value: T): T {
  if (!ok) throw new Malformed()
  return value
}

function str(v: unknown): string {
  return need(typeof v === 'string' && v.length > 0, v as string)
}

function mode(v: unknown): LckMode {
  const m = MODES[typeof v === 'number' ? v : 0]
  return need(m !== undefined, m!)
}

function ring(v: unknown): RingId {
  const r = v as { rep?: number; seq?: unknown } | null | undefined
  return need(r !== null && r !== undefined, { rep: r?.rep ?? 0, seq: longToNumber(r?.seq) })
}

function record(raw: Record<string, unknown>): LockRecord {
  const name = need(validName(raw['name']), raw['name'] as string)
  const holders = ((raw['holders'] ?? []) as Record<string, unknown>[]).map((h): Holder => ({
    id: str(h['id']), node: (h['node'] as number | undefined) ?? 0, mode: mode(h['mode']), token: fromLong(h['token']),
  }))
  const waiters = ((raw['waiters'] ?? []) as Record<string, unknown>[]).map((w): Waiter => ({
    id: str(w['id']), node: (w['node'] as number | undefined) ?? 0, mode: mode(w['mode']),
  }))
  return { name, lastToken: fromLong(raw['lastToken']), delayed: raw['delayed'] === true, holders, waiters }
}

function encodeRecord(r: LockRecord): Record<string, unknown> {
  return {
    name: r.name, lastToken: toLong(r.lastToken), delayed: r.delayed,
    holders: r.holders.map((h) => ({ id: h.id, node: h.node, mode: MODES.indexOf(h.mode), token: toLong(h.token) })),
    waiters: r.waiters.map((w) => ({ id: w.id, node: w.node, mode: MODES.indexOf(w.mode) })),
  }
}

/** protobuf framing of LCK's messages (proto/lck.proto). */
export class LckCodec {
  readonly #type: protobuf.Type = lookupType('lck.proto', 'tsha.lck.v1.LckMessage')

  encode(m: LckMessage): Uint8Array {
    return this.#type.encode(this.#body(m)).finish()
  }

  /** Undefined for bytes that are not a well-formed LCK message (counted by the caller). */
  decode(bytes: Uint8Array): LckMessage | undefined {
    try {
      const raw = this.#type.decode(bytes) as unknown as Record<string, unknown>
      const body = raw[raw['kind'] as string] as Record<string, unknown> | undefined
      return body === undefined ? undefined : decodeBody(raw['kind'] as string, body)
    } catch {
      return undefined
    }
  }

  #body(m: LckMessage): Record<string, unknown> {
    const r = (x: RingId): { rep: NodeId; seq: number } => ({ rep: x.rep, seq: x.seq })
    switch (m.kind) {
      case 'acquire': return { acquire: { id: m.id, name: m.name, mode: MODES.indexOf(m.mode), try: m.try } }
      case 'release': return { release: { id: m.id } }
      case 'cancel': return { cancel: { id: m.id } }
      case 'regrant': return { regrant: { ring: r(m.ring) } }
      case 'delay-end': return { delayEnd: { ring: r(m.ring), names: m.names } }
      case 'state': return {
        state: { ring: r(m.ring), epoch: m.epoch, index: m.index, last: m.last, locks: m.records.map(encodeRecord), live: m.live },
      }
    }
  }
}

function decodeBody(kind: string, b: Record<string, unknown>): LckMessage | undefined {
  switch (kind) {
    case 'acquire':
      return { kind: 'acquire', id: str(b['id']), name: need(validName(b['name']), b['name'] as string), mode: mode(b['mode']), try: b['try'] === true }
    case 'release': return { kind: 'release', id: str(b['id']) }
    case 'cancel': return { kind: 'cancel', id: str(b['id']) }
    case 'regrant': return { kind: 'regrant', ring: ring(b['ring']) }
    case 'delayEnd': return { kind: 'delay-end', ring: ring(b['ring']), names: (b['names'] ?? []) as string[] }
    case 'state': return {
      kind: 'state', ring: ring(b['ring']), epoch: longToNumber(b['epoch']), index: (b['index'] as number | undefined) ?? 0,
      last: b['last'] === true, records: ((b['locks'] ?? []) as Record<string, unknown>[]).map(record), live: (b['live'] ?? []) as string[],
    }
    default: return undefined
  }
}
