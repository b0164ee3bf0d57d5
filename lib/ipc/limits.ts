import { ADMIN_FRAME_MAX } from './protocol.js'

/** What one admin connection may do; beyond it the connection waits, or is closed. */
export interface AdminLimits {
  /** Largest frame accepted (bytes after the length prefix). */
  readonly frameMax: number
  /** Sustained requests per second; a faster client is slowed down (its socket is paused), not refused. */
  readonly requestsPerSecond: number
  /** Requests a client may send at once before the rate applies. */
  readonly burst: number
  /** Requests being answered at once; more wait in the socket. */
  readonly inFlightMax: number
  readonly subscriptionsMax: number
  /** Time to complete `hello` after connecting. */
  readonly helloTimeoutMs: number
  /** Bytes queued towards a client that does not read; beyond it the connection is closed. */
  readonly writeBufferMax: number
  /** Connections at once, per node. */
  readonly connectionsMax: number
}

export const DEFAULT_ADMIN_LIMITS: AdminLimits = Object.freeze({
  frameMax: ADMIN_FRAME_MAX,
  requestsPerSecond: 1000,
  burst: 1000,
  inFlightMax: 32,
  subscriptionsMax: 16,
  helloTimeoutMs: 5000,
  writeBufferMax: 32 * 1024 * 1024,
  connectionsMax: 64,
})

/** Reasons a connection was closed by the node; each is counted. */
export type RejectReason =
  | 'malformed' | 'oversized' | 'unauthenticated' | 'auth' | 'protocol_version' | 'handshake_timeout' | 'slow_consumer' | 'too_many_connections'

export const REJECT_REASONS: readonly RejectReason[] = [
  'malformed', 'oversized', 'unauthenticated', 'auth', 'protocol_version', 'handshake_timeout', 'slow_consumer', 'too_many_connections',
]

/** A token bucket on a monotonic millisecond clock. */
export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #at: number

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.#rate = ratePerSecond
    this.#burst = burst
    this.#tokens = burst
    this.#at = now
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Milliseconds until the next token. */
  waitMs(): number {
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate))
  }
}
