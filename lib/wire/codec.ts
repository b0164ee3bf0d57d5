import type protobuf from 'protobufjs'
import type { NodeId, RingId } from '../totem/ring-id.js'
import type {
  CommitEntry, CommitToken, Frame, FrameBody, Guarantee, Mcast, MembJoin, OrfToken, RtrItem,
} from './frames.js'
import { crc32c } from './crc32c.js'
import { PROTOCOL_VERSION } from './frames.js'
import { longToNumber, lookupType } from './schema.js'

/**
 * Why a received datagram was dropped before reaching the protocol.
 * `checksum`: the frame's CRC-32C does not match its bytes (altered in flight).
 */
export type DropReason = 'malformed' | 'version' | 'cluster' | 'sender' | 'oversize' | 'checksum'

export type DecodeResult =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string }

export interface FrameCodecOptions {
  readonly clusterName: string
  /** Every node id of the nodelist; frames from anyone else are dropped. */
  readonly nodes: readonly NodeId[]
  /** Largest datagram accepted or produced, in bytes. */
  readonly frameSizeMax: number
  /**
   * Append and verify a CRC-32C over every frame (see {@link FRAME_CHECKSUM_BYTES}).
   * Turn it off only where the transport authenticates every datagram itself
   * (secauth's AES-GCM tag is a far stronger check); every node of a cluster
   * must agree. @default true
   */
  readonly checksum?: boolean
}

/**
 * Bytes the checksum adds to a plain-mode frame: `Frame.checksum` (proto field
 * 4, fixed32) written last, so the frame stays a valid protobuf message: one
 * tag byte and the little-endian CRC-32C of every byte before the tag.
 */
export const FRAME_CHECKSUM_BYTES = 5
/** Tag of `Frame.checksum`: field 4, wire type 5 (32-bit). */
const CHECKSUM_TAG = (4 << 3) | 5

/**
 * Upper bound on nodes in one cluster: a commit token costs about 38 bytes per
 * member and must fit one 1500-byte MTU datagram (1260 bytes at 32 members).
 */
export const NODES_MAX = 32
/** Corosync's RETRANSMIT_ENTRIES_MAX. */
export const RTR_ENTRIES_MAX = 30

/** FNV-1a, 32 bit: a cheap, stable fingerprint of the cluster name for every frame header. */
export function clusterHash(name: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

const BODY_FIELD = {
  token: 'token', mcast: 'mcast', join: 'join', commit: 'commit',
  'merge-detect': 'mergeDetect', 'hold-cancel': 'holdCancel',
} as const

class Malformed extends Error {}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Malformed(what)
}

/**
 * Encodes and validates Totem frames. Decoding never throws: anything that is
 * not a well-formed frame of this cluster and protocol version, from a listed
 * node, comes back as `{ ok: false, reason }` for the caller to count.
 */
export class FrameCodec {
  readonly cluster: number
  readonly frameSizeMax: number
  /** Whether frames carry and must pass a CRC-32C. */
  readonly checksum: boolean
  readonly #nodes: ReadonlySet<NodeId>
  readonly #frameType: protobuf.Type

  constructor(options: FrameCodecOptions) {
    this.cluster = clusterHash(options.clusterName)
    this.frameSizeMax = options.frameSizeMax
    this.checksum = options.checksum ?? true
    this.#nodes = new Set(options.nodes)
    this.#frameType = lookupType('totem.proto', 'tsha.totem.v1.Frame')
  }

  encode(frame: Frame): Uint8Array {
    const body = frame.body
    const wire: Record<string, unknown> = {
      version: PROTOCOL_VERSION,
      cluster: this.cluster,
      sender: frame.sender,
      [BODY_FIELD[body.kind]]: toWire(body),
    }
    const bytes = this.#frameType.encode(wire).finish()
    return this.checksum ? withChecksum(bytes) : bytes
  }

  decode(bytes: Uint8Array): DecodeResult {
    if (bytes.length > this.frameSizeMax) {
      return { ok: false, reason: 'oversize', detail: `${bytes.length} > ${this.frameSizeMax} bytes` }
    }
    if (this.checksum && !checksumMatches(bytes)) return this.#checksumFailure(bytes)
    const body = this.checksum ? bytes.subarray(0, bytes.length - FRAME_CHECKSUM_BYTES) : bytes
    let raw: Record<string, unknown>
    try {
      raw = this.#frameType.decode(body) as unknown as Record<string, unknown>
    } catch (error) {
      return { ok: false, reason: 'malformed', detail: (error as Error).message }
    }
    return this.#validate(raw)
  }

  /**
   * A frame whose checksum fails is damaged, unless it has no checksum field
   * at all and is a well-formed frame of this cluster and another protocol
   * version (a node not upgraded yet): that is worth telling apart for the
   * operator. Only the failure path pays for the extra decode.
   */
  #checksumFailure(bytes: Uint8Array): DecodeResult {
    const damaged: DecodeResult = { ok: false, reason: 'checksum', detail: `CRC-32C mismatch on a ${bytes.length}-byte frame` }
    if (bytes[bytes.length - FRAME_CHECKSUM_BYTES] === CHECKSUM_TAG) return damaged
    try {
      const raw = this.#frameType.decode(bytes) as unknown as Record<string, unknown>
      const version = raw['version']
      if (typeof version === 'number' && version !== PROTOCOL_VERSION && raw['cluster'] === this.cluster) {
        return { ok: false, reason: 'version', detail: `version ${version}` }
      }
    } catch {
      // Not even protobuf: damaged.
    }
    return damaged
  }

  #validate(raw: Record<string, unknown>): DecodeResult {
    if (raw['version'] !== PROTOCOL_VERSION) {
      return { ok: false, reason: 'version', detail: `version ${String(raw['version'])}` }
    }
    if (raw['cluster'] !== this.cluster) {
      return { ok: false, reason: 'cluster', detail: `cluster hash ${String(raw['cluster'])}` }
    }
    const sender = raw['sender'] as number
    if (!this.#nodes.has(sender)) {
      return { ok: false, reason: 'sender', detail: `node ${sender} is not in the nodelist` }
    }
    try {
      return { ok: true, frame: { sender, body: this.#body(raw) } }
    } catch (error) {
      if (error instanceof Malformed) return { ok: false, reason: 'malformed', detail: error.message }
      return { ok: false, reason: 'malformed', detail: String(error) }
    }
  }

  #body(raw: Record<string, unknown>): FrameBody {
    const which = raw['body']
    const msg = typeof which === 'string' ? (raw[which] as Record<string, unknown>) : undefined
    check(msg, 'frame has no body')
    switch (which) {
      case 'token': return this.#token(msg)
      case 'mcast': return this.#mcast(msg, true)
      case 'join': return this.#join(msg)
      case 'commit': return this.#commit(msg)
      case 'mergeDetect': return { kind: 'merge-detect', ringId: this.#ringId(msg['ringId']) }
      case 'holdCancel': return { kind: 'hold-cancel', ringId: this.#ringId(msg['ringId']) }
      default: throw new Malformed(`unknown body ${String(which)}`)
    }
  }

  #ringId(raw: unknown): RingId {
    check(raw !== null && typeof raw === 'object', 'missing ring id')
    const r = raw as Record<string, unknown>
    const rep = r['rep'] as number
    const seq = longToNumber(r['seq'])
    check(this.#nodes.has(rep), `ring representative ${rep} is not in the nodelist`)
    check(Number.isSafeInteger(seq), 'ring seq out of range')
    return { rep, seq }
  }

  #nodeList(raw: unknown, what: string): NodeId[] {
    const list = raw as number[]
    check(Array.isArray(list) && list.length <= NODES_MAX, `${what} too long`)
    for (const id of list) check(this.#nodes.has(id), `${what} names unknown node ${id}`)
    return list.slice()
  }

  #token(m: Record<string, unknown>): OrfToken {
    const rtrRaw = m['rtr'] as Record<string, unknown>[]
    check(rtrRaw.length <= RTR_ENTRIES_MAX, 'retransmit list too long')
    const rtr: RtrItem[] = rtrRaw.map((r) => ({ ringId: this.#ringId(r['ringId']), seq: r['seq'] as number }))
    const aruAddr = m['aruAddr'] as number
    check(aruAddr === 0 || this.#nodes.has(aruAddr), 'token aru_addr names unknown node')
    return {
      kind: 'token',
      ringId: this.#ringId(m['ringId']),
      tokenSeq: m['tokenSeq'] as number,
      seq: m['seq'] as number,
      aru: m['aru'] as number,
      aruAddr,
      backlog: m['backlog'] as number,
      fcc: m['fcc'] as number,
      retransFlg: m['retransFlg'] as boolean,
      rtr,
    }
  }

  #mcast(m: Record<string, unknown>, outer: boolean): Mcast {
    const origin = m['origin'] as number
    check(this.#nodes.has(origin), `mcast origin ${origin} is not in the nodelist`)
    const inner = m['recovered'] as Record<string, unknown> | null
    check(inner === null || outer, 'recovered message nested twice')
    const guarantee = m['guarantee'] as number
    check(guarantee === 0 || guarantee === 1, `unknown guarantee ${guarantee}`)
    // protobufjs returns its shared default (a plain array) for an absent bytes field.
    const payload = m['payload'] instanceof Uint8Array ? m['payload'] : new Uint8Array(0)
    return {
      kind: 'mcast',
      ringId: this.#ringId(m['ringId']),
      seq: m['seq'] as number,
      origin,
      guarantee: guarantee === 1 ? 'safe' : 'agreed',
      payload,
      recovered: inner === null ? undefined : this.#mcast(inner, false),
    }
  }

  #join(m: Record<string, unknown>): MembJoin {
    const ringSeq = longToNumber(m['ringSeq'])
    check(Number.isSafeInteger(ringSeq), 'join ring seq out of range')
    return {
      kind: 'join',
      procList: this.#nodeList(m['procList'], 'join proc list'),
      failedList: this.#nodeList(m['failedList'], 'join failed list'),
      ringSeq,
      leave: m['leave'] as boolean,
    }
  }

  #commit(m: Record<string, unknown>): CommitToken {
    const members = this.#nodeList(m['members'], 'commit member list')
    check(members.length > 0, 'commit token without members')
    for (let i = 1; i < members.length; i++) check(members[i - 1]! < members[i]!, 'commit members not ascending')
    const entriesRaw = m['entries'] as Record<string, unknown>[]
    const membIndex = m['membIndex'] as number
    check(membIndex <= members.length, 'commit memb_index beyond member list')
    check(entriesRaw.length === membIndex, 'commit entries do not match memb_index')
    const entries: CommitEntry[] = entriesRaw.map((e) => ({
      ringId: this.#oldRingId(e['ringId']),
      aru: e['aru'] as number,
      highDelivered: e['highDelivered'] as number,
      receivedFlg: e['receivedFlg'] as boolean,
      safeUpTo: e['safeUpTo'] as number,
    }))
    return { kind: 'commit', ringId: this.#ringId(m['ringId']), tokenSeq: m['tokenSeq'] as number, members, entries, membIndex }
  }

  /** A node's previous ring may be "none yet" (rep 0) when it has never been operational. */
  #oldRingId(raw: unknown): RingId {
    check(raw !== null && typeof raw === 'object', 'missing ring id')
    const r = raw as Record<string, unknown>
    const rep = r['rep'] as number
    if (rep === 0) {
      const seq = longToNumber(r['seq'])
      check(Number.isSafeInteger(seq), 'ring seq out of range')
      return { rep: 0, seq }
    }
    return this.#ringId(raw)
  }
}

/** `bytes` (an encoded Frame without checksum) followed by the `Frame.checksum` field over them. */
export function withChecksum(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(bytes.length + FRAME_CHECKSUM_BYTES)
  out.set(bytes, 0)
  out[bytes.length] = CHECKSUM_TAG
  out.writeUInt32LE(crc32c(bytes), bytes.length + 1)
  return out
}

function checksumMatches(bytes: Uint8Array): boolean {
  const at = bytes.length - FRAME_CHECKSUM_BYTES
  if (at < 0 || bytes[at] !== CHECKSUM_TAG) return false
  const stored = (bytes[at + 1]! | (bytes[at + 2]! << 8) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 24)) >>> 0
  return stored === crc32c(bytes, 0, at)
}

function ringToWire(r: RingId): Record<string, unknown> {
  return { rep: r.rep, seq: r.seq }
}

function guaranteeToWire(g: Guarantee): number {
  return g === 'safe' ? 1 : 0
}

function mcastToWire(m: Mcast): Record<string, unknown> {
  return {
    ringId: ringToWire(m.ringId), seq: m.seq, origin: m.origin, guarantee: guaranteeToWire(m.guarantee),
    payload: m.payload, recovered: m.recovered === undefined ? undefined : mcastToWire(m.recovered),
  }
}

function toWire(body: FrameBody): Record<string, unknown> {
  switch (body.kind) {
    case 'token':
      return { ...body, ringId: ringToWire(body.ringId), rtr: body.rtr.map((r) => ({ ringId: ringToWire(r.ringId), seq: r.seq })) }
    case 'mcast':
      return mcastToWire(body)
    case 'join':
      return { procList: body.procList, failedList: body.failedList, ringSeq: body.ringSeq, leave: body.leave }
    case 'commit':
      return {
        ringId: ringToWire(body.ringId), tokenSeq: body.tokenSeq, members: body.members, membIndex: body.membIndex,
        entries: body.entries.map((e) => ({ ...e, ringId: ringToWire(e.ringId) })),
      }
    case 'merge-detect':
    case 'hold-cancel':
      return { ringId: ringToWire(body.ringId) }
  }
}
