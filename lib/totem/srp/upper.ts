import type { Guarantee } from '../../wire/frames.js'
import type { ConfigurationChange } from '../events.js'
import type { NodeId, RingId } from '../ring-id.js'

/** A packet the layer above hands to Totem for one token visit. */
export interface PulledPacket {
  readonly payload: Uint8Array
  readonly guarantee: Guarantee
}

/** A totally ordered packet handed up. */
export interface PacketDelivery {
  readonly origin: NodeId
  readonly ringId: RingId
  readonly seq: number
  readonly guarantee: Guarantee
  readonly payload: Uint8Array
}

/**
 * What Totem SRP needs from the layer above it (the packing layer). Totem pulls
 * packets only while it holds the token, so packing happens at the last moment
 * and a half-sent fragmented message is visible to the layer that can restart it.
 */
export interface SrpUpper {
  /** Up to `max` packets to multicast now. `syncOnly`: only service-synchronisation traffic. */
  pull(max: number, syncOnly: boolean): readonly PulledPacket[]
  /** Packets waiting to be sent (Totem flow control shares the window by backlog). */
  backlog(syncOnly: boolean): number
  /**
   * Hands one packet up. False when the packet does not decode (a bug, or a
   * forger: every frame passed its checksum): nothing of it was delivered.
   */
  deliver(packet: PacketDelivery): boolean
  /** Whether {@link deliver} would accept the payload; pure, so every node answers alike for the same bytes. */
  decodable(payload: Uint8Array): boolean
  configuration(change: ConfigurationChange): void
}
