import type { NodeId } from '../totem/ring-id.js'

/** Counters every transport keeps; surfaced in CMAP `runtime.totem.stats.*`. */
export interface TransportStats {
  txFrames: number
  txBytes: number
  rxFrames: number
  rxBytes: number
  /** Datagrams from an address that is not in the nodelist. */
  rxUnlisted: number
  /** Datagrams larger than `frameSizeMax` (refused on send, dropped on receive). */
  oversize: number
  /** Send failures reported by the OS (EAGAIN, EHOSTUNREACH, …): loss, as far as Totem is concerned. */
  txErrors: number
}

export function emptyTransportStats(): TransportStats {
  return { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, rxUnlisted: 0, oversize: 0, txErrors: 0 }
}

/** Called for every datagram received from another node. */
export type ReceiveHandler = (bytes: Uint8Array) => void

/**
 * Moves opaque datagrams between the nodes of one cluster. Best effort: may
 * drop, duplicate and reorder, must never corrupt, split or merge datagrams,
 * and never throws because a peer is unreachable (loss is normal for Totem).
 * Never delivers a node's own datagrams back to it.
 */
export interface Transport {
  /** Largest datagram accepted, in bytes. */
  readonly frameSizeMax: number
  /**
   * True when the transport itself authenticates every datagram ({@link secure}):
   * frames then carry no CRC-32C of their own, the seal's tag covers every byte.
   */
  readonly authenticated?: boolean
  readonly stats: TransportStats
  /** Binds sockets; resolves once datagrams can flow. */
  open(receive: ReceiveHandler): Promise<void>
  /** Unicast to one node of the nodelist (the token). */
  send(to: NodeId, bytes: Uint8Array): void
  /** To every other node of the nodelist. */
  multicast(bytes: Uint8Array): void
  close(): Promise<void>
}

/** One entry of the nodelist as transports need it. */
export interface TransportNode {
  readonly nodeId: NodeId
  /** IPv4 or IPv6 address (corosync `ring0_addr`). */
  readonly addr: string
}
