import type { ConfigurationChange, McastResult } from '../totem/events.js'
import type { NodeId, RingId } from '../totem/ring-id.js'
import type { Guarantee } from '../wire/frames.js'

/**
 * The contract between the service host and one replicated service (corosync's
 * `struct corosync_service_engine`: exec handlers, confchg, sync v2,
 * allow_inquorate). Services are pure: replicated state changes only in
 * `deliver`, `configurationChange` and the sync callbacks, which every member
 * runs at the same point of the total order, so replicas stay identical.
 * Time and randomness come in through the context.
 */

/** What a service may do; every call is recorded as output of the current step. */
export interface ServiceContext {
  readonly self: NodeId
  /** Virtual or real monotonic milliseconds of the current step. */
  readonly now: number
  /** Ring and members of the current regular configuration (empty before the first). */
  readonly ringId: RingId
  readonly members: readonly NodeId[]
  /**
   * Multicasts a message of this service; it comes back through `deliver` on
   * every member, in total order. `bulk` messages (state transfer) leave only
   * when nothing else of this node waits, so they may be overtaken by later ones.
   */
  mcast(body: Uint8Array, options?: { readonly guarantee?: Guarantee; readonly bulk?: boolean }): McastResult
  /** Sends a message of this service during sync (it overtakes application traffic held back until sync ends). */
  syncMcast(body: Uint8Array): McastResult
  /** Arms (or re-arms) a named timer of this service; `timer` is called when it expires. */
  setTimer(name: string, at: number): void
  cancelTimer(name: string): void
  /** Hands an event to the local clients of this service (the library side). */
  emit(event: unknown): void
  /** Whether the node is quorate now (always true without a quorum provider). */
  readonly quorate: boolean
  log(message: string): void
}

/** A request from a local client (library side) to a service, e.g. CPG join. */
export interface ClientRequest {
  /** Identifies the client connection, so answers and callbacks reach it. */
  readonly client: string
  readonly op: string
  readonly args: unknown
  /** Correlates the answer. */
  readonly id: number
}

/** Positive or negative answer to a ClientRequest. */
export interface ClientAnswer {
  readonly client: string
  readonly id: number
  readonly ok: boolean
  readonly value?: unknown
  /** ClusterError code when !ok. */
  readonly code?: string
  readonly message?: string
}

export interface Service {
  /** Stable small integer on the wire (corosync service ids: cmap 0, cpg 2, quorum 3, votequorum 5 …). */
  readonly id: number
  readonly name: string
  /** Requests are refused with ERR_NO_QUORUM in an inquorate partition unless this is set. */
  readonly allowInquorate: boolean
  /** Names of services that must also be present. */
  readonly dependencies: readonly string[]
  /** A message of this service, delivered in total order on every member. */
  deliver(ctx: ServiceContext, from: NodeId, body: Uint8Array): void
  /** Every Totem configuration change, transitional then regular, in order with deliveries. */
  configurationChange?(ctx: ServiceContext, change: ConfigurationChange): void
  /** Sync v2: a new regular configuration; `transitional` are the members that came with me. */
  syncInit(ctx: ServiceContext, transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void
  /** Sends this service's state; returns true when done, false to be called again (e.g. the queue was full). */
  syncProcess(ctx: ServiceContext): boolean
  /** Every member reached the barrier: switch to the synchronised state. */
  syncActivate(ctx: ServiceContext): void
  /** Another configuration change interrupted sync: forget per-round state. */
  syncAbort(ctx: ServiceContext): void
  /** A local client's request; answer synchronously or later via `answer`. */
  request?(ctx: ServiceContext, request: ClientRequest, answer: (a: ClientAnswer) => void): void
  /** A timer armed with ctx.setTimer expired. */
  timer?(ctx: ServiceContext, name: string): void
  /**
   * The partition became quorate or lost quorum (votequorum decided it at this
   * point of the total order). Local reactions only, e.g. aborting lock handles.
   */
  quorumChanged?(ctx: ServiceContext, quorate: boolean): void
  /** The send queue has room again after an mcast answered 'queue-full'. */
  writable?(ctx: ServiceContext): void
  /** A local client went away (its connection closed): clean up its state (e.g. CPG PROCDOWN). */
  clientGone?(ctx: ServiceContext, client: string): void
}
