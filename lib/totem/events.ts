import type { Frame, Guarantee } from '../wire/frames.js'
import type { NodeId, RingId } from './ring-id.js'

/** The membership protocol state (Totem SRP §4). */
export type TotemState = 'gather' | 'commit' | 'recovery' | 'operational' | 'stopped'

/** A frame the core wants on the wire. Transports never loop back; the driver does. */
export type Outgoing =
  | {
      readonly kind: 'mcast'
      readonly frame: Frame
      /** Also hand the frame back to this node (joins, hold cancels: a lone node must hear itself). */
      readonly loopback: boolean
    }
  | { readonly kind: 'unicast'; readonly to: NodeId; readonly frame: Frame }

/**
 * One configuration change. Extended virtual synchrony: every node first sees a
 * transitional configuration (the members that come with it from its previous
 * ring, `left` = the others), then the regular configuration of the new ring.
 */
export interface ConfigurationChange {
  readonly kind: 'transitional' | 'regular'
  readonly ringId: RingId
  readonly members: readonly NodeId[]
  readonly left: readonly NodeId[]
  readonly joined: readonly NodeId[]
}

/** An application message delivered in agreed (or safe) total order. */
export interface Delivery {
  readonly origin: NodeId
  /** Ring in which the message was sent (an old ring for transitional deliveries). */
  readonly ringId: RingId
  /** Position in that ring: Totem seq of the packet that completed it, and chunk index inside it. */
  readonly seq: number
  readonly index: number
  readonly guarantee: Guarantee
  readonly payload: Uint8Array
}

export type WarningCode =
  | 'token-warning'
  | 'continuous-gather'
  | 'failed-to-receive'
  | 'process-pause'
  | 'receive-window-overrun'
  /** An ordered packet did not decode: logged at error level with ring and seq; this node left its ring. */
  | 'undecodable-message'

export type TotemEvent =
  | ({ readonly type: 'deliver' } & Delivery)
  | ({ readonly type: 'configuration' } & ConfigurationChange)
  | { readonly type: 'state'; readonly state: TotemState; readonly reason: string }
  /** The send queue has room again after an `mcast` was refused with `queue-full`. */
  | { readonly type: 'writable' }
  | { readonly type: 'warning'; readonly code: WarningCode; readonly message: string }

/** Everything one step of the core produced, in the order it must be applied. */
export interface TotemOutput {
  /** Must be durable before any of `sends` leaves the process (ring ids never go backwards). */
  readonly persistRingSeq: number | undefined
  readonly sends: readonly Outgoing[]
  readonly events: readonly TotemEvent[]
}

export type McastResult = 'ok' | 'queue-full' | 'too-big' | 'stopped'
