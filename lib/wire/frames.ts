import type { NodeId, RingId } from '../totem/ring-id.js'

/**
 * Decoded Totem frames, as the protocol core sees them. They mirror
 * `proto/totem.proto` field for field (checked by test/wire/parity.test.ts);
 * the codec converts 64-bit ring seqs to plain numbers on the way in.
 */

/**
 * Current wire protocol version; frames of any other version are dropped.
 * 2: plain-mode frames end with a CRC-32C (`Frame.checksum`); version 1 had none.
 */
export const PROTOCOL_VERSION = 2

export type Guarantee = 'agreed' | 'safe'

export interface RtrItem {
  readonly ringId: RingId
  readonly seq: number
}

export interface OrfToken {
  readonly kind: 'token'
  ringId: RingId
  tokenSeq: number
  seq: number
  aru: number
  aruAddr: NodeId
  backlog: number
  fcc: number
  retransFlg: boolean
  rtr: RtrItem[]
}

export interface Mcast {
  readonly kind: 'mcast'
  readonly ringId: RingId
  readonly seq: number
  readonly origin: NodeId
  readonly guarantee: Guarantee
  readonly payload: Uint8Array
  /** Set on recovery re-originations: the old-ring message being carried. */
  readonly recovered: Mcast | undefined
}

export interface MembJoin {
  readonly kind: 'join'
  readonly procList: readonly NodeId[]
  readonly failedList: readonly NodeId[]
  readonly ringSeq: number
  readonly leave: boolean
}

export interface CommitEntry {
  readonly ringId: RingId
  readonly aru: number
  readonly highDelivered: number
  readonly receivedFlg: boolean
  /** Highest seq the member knew every member of its old ring held: the old ring's safe point. */
  readonly safeUpTo: number
}

export interface CommitToken {
  readonly kind: 'commit'
  readonly ringId: RingId
  readonly tokenSeq: number
  readonly members: readonly NodeId[]
  /** One entry per member already visited during the first rotation (index = position). */
  readonly entries: readonly CommitEntry[]
  readonly membIndex: number
}

export interface MergeDetect {
  readonly kind: 'merge-detect'
  readonly ringId: RingId
}

export interface TokenHoldCancel {
  readonly kind: 'hold-cancel'
  readonly ringId: RingId
}

export type FrameBody = OrfToken | Mcast | MembJoin | CommitToken | MergeDetect | TokenHoldCancel

export interface Frame {
  /** The node that put this datagram on the wire. */
  readonly sender: NodeId
  readonly body: FrameBody
}

/** Packing/fragmentation header carried as the payload of regular Mcasts. */
export interface PgPacket {
  readonly firstNo: number
  readonly firstOffset: number
  readonly lastPartial: boolean
  readonly chunks: readonly Uint8Array[]
}
