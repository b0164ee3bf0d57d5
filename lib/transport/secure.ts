import { ClusterError } from '../errors.js'
import { checkCryptoOptions, FrameCrypto, SEAL_OVERHEAD, type OpenFailure } from '../crypto/frame-crypto.js'
import type { NodeId } from '../totem/ring-id.js'
import type { ReceiveHandler, Transport, TransportStats } from './transport.js'

/** Options of {@link secure}. */
export interface SecureOptions {
  /** The cluster authkey, 128..4096 bytes, the same on every node (`readAuthKey()`). */
  readonly authKey: Uint8Array
  /** Keys are derived per cluster name: clusters sharing an authkey stay apart. */
  readonly clusterName: string
  /** This node's id; written into (and authenticated with) every datagram. */
  readonly nodeId: NodeId
  /**
   * This run's boot id (see `FrameCryptoOptions.bootId`): must exceed every
   * earlier run's. Default: {@link claimBootId} at open(), which may delay
   * open() by up to one second.
   */
  readonly bootId?: number
}

/** Datagrams {@link secure} refused on receipt; none of them reached the layer above. */
export interface SecureStats {
  /** Tag mismatch: tampered, corrupted, wrong authkey or another cluster name. */
  authFailed: number
  /** Authentic but already delivered, too old, from an older boot of the sender, or our own reflected back. */
  replays: number
  /** Too short to be sealed, or an unknown format version. */
  malformed: number
}

/** A transport that seals what it sends and opens what it receives; see {@link secure}. */
export type SecureTransport = Transport & { readonly secureStats: Readonly<SecureStats> }

/**
 * Wraps any transport with authenticated encryption and replay protection
 * (AES-256-GCM, keys from the authkey by HKDF; format in
 * `lib/crypto/frame-crypto.ts`). Every datagram sent is sealed, every one
 * received is opened; datagrams that fail are dropped and counted in
 * `secureStats`, never thrown and never passed up.
 *
 * `frameSizeMax` is the inner one minus {@link SEAL_OVERHEAD} (33 bytes), so
 * Totem budgets for the seal and sealed datagrams still fit the wire.
 * `stats` counts what the layer above sees: frames and payload bytes sent,
 * and frames that passed authentication and their plaintext bytes; the
 * inner transport's unlisted, oversize and error counters show through.
 */
export function secure(inner: Transport, options: SecureOptions): SecureTransport {
  return new Secure(inner, options)
}

/**
 * A boot id for a node starting now, for {@link SecureOptions.bootId}: the
 * next whole second of the wall clock, resolved once that second has begun.
 * Waiting is what makes it unique without persisting anything: a later run
 * of the same node starts at or after this moment, so it claims a strictly
 * larger second — even in a crash loop restarting many times a second.
 * Plain `Math.floor(Date.now() / 1000)` would hand two runs started within one
 * second the same id, reusing GCM nonces and getting the second run's frames
 * dropped as replays. Assumes the clock is not stepped backwards across a restart.
 */
export async function claimBootId(now: () => number = Date.now): Promise<number> {
  const bootId = Math.floor(now() / 1000) + 1
  for (;;) {
    const wait = bootId * 1000 - now()
    if (wait <= 0) return bootId
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
}

class Secure implements SecureTransport {
  readonly authenticated = true
  readonly secureStats: SecureStats = { authFailed: 0, replays: 0, malformed: 0 }
  readonly stats: TransportStats
  readonly #inner: Transport
  readonly #options: SecureOptions
  /** Our own counters; the rest of `stats` reads through to the inner transport. */
  readonly #own = { rxFrames: 0, rxBytes: 0, oversize: 0 }
  #crypto: FrameCrypto | undefined
  #closed = false

  constructor(inner: Transport, options: SecureOptions) {
    // Fail at construction, not at open(), on a bad key or id.
    checkCryptoOptions(options)
    if (inner.frameSizeMax <= SEAL_OVERHEAD) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `secure: inner frameSizeMax ${inner.frameSizeMax} leaves no room for the ${SEAL_OVERHEAD}-byte seal`)
    }
    this.#inner = inner
    // Copy the key: a caller zeroing its buffer after secure() returns must not change what open() derives from.
    this.#options = { ...options, authKey: Uint8Array.from(options.authKey) }
    this.stats = statsView(inner, this.#own)
  }

  get frameSizeMax(): number {
    return this.#inner.frameSizeMax - SEAL_OVERHEAD
  }

  async open(receive: ReceiveHandler): Promise<void> {
    if (this.#closed) throw new ClusterError('ERR_TRANSPORT', `secure: node ${this.#options.nodeId}: open() after close()`)
    if (this.#crypto === undefined) {
      const bootId = this.#options.bootId ?? (await claimBootId())
      if (this.#closed) throw new ClusterError('ERR_TRANSPORT', `secure: node ${this.#options.nodeId}: closed while opening`)
      this.#crypto ??= new FrameCrypto({ ...this.#options, bootId })
    }
    const crypto = this.#crypto
    await this.#inner.open((bytes) => {
      if (!this.#closed) this.#deliver(crypto, bytes, receive)
    })
  }

  send(to: NodeId, bytes: Uint8Array): void {
    const sealed = this.#seal(bytes)
    if (sealed !== undefined) this.#inner.send(to, sealed)
  }

  multicast(bytes: Uint8Array): void {
    // Sealed once: every receiver gets the same counter, each tracks it in its own window.
    const sealed = this.#seal(bytes)
    if (sealed !== undefined) this.#inner.multicast(sealed)
  }

  close(): Promise<void> {
    this.#closed = true
    return this.#inner.close()
  }

  /** Undefined when the datagram must not go out: closed, not open yet, or too large. */
  #seal(bytes: Uint8Array): Uint8Array | undefined {
    if (this.#closed || this.#crypto === undefined) return undefined
    if (bytes.length > this.frameSizeMax) {
      this.#own.oversize++
      return undefined
    }
    return this.#crypto.seal(bytes)
  }

  #deliver(crypto: FrameCrypto, bytes: Uint8Array, receive: ReceiveHandler): void {
    const opened = crypto.open(bytes)
    if (!opened.ok) {
      this.#count(opened.reason)
      return
    }
    this.#own.rxFrames++
    this.#own.rxBytes += opened.plain.length
    receive(opened.plain)
  }

  #count(reason: OpenFailure): void {
    if (reason === 'auth') this.secureStats.authFailed++
    else if (reason === 'replay') this.secureStats.replays++
    else this.secureStats.malformed++
  }
}

/**
 * Live counters: sends read through to the inner transport (asynchronous
 * send errors included) with the seal overhead taken off the byte count —
 * exact because every frame the inner transport sends is one we sealed.
 */
function statsView(inner: Transport, own: { rxFrames: number; rxBytes: number; oversize: number }): TransportStats {
  return {
    get txFrames() {
      return inner.stats.txFrames
    },
    get txBytes() {
      return inner.stats.txBytes - SEAL_OVERHEAD * inner.stats.txFrames
    },
    get rxFrames() {
      return own.rxFrames
    },
    get rxBytes() {
      return own.rxBytes
    },
    get rxUnlisted() {
      return inner.stats.rxUnlisted
    },
    get oversize() {
      return inner.stats.oversize + own.oversize
    },
    get txErrors() {
      return inner.stats.txErrors
    },
  }
}
