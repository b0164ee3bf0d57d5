import { ClusterError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import { CORRUPTION_KINDS, corrupt, type CorruptionKind } from './corruption.js'
import type { ReceiveHandler, Transport, TransportStats } from './transport.js'

/** Faults to inject; every field defaults to "no fault". */
export interface FaultOptions {
  /** Probability in 0..1 that a datagram is dropped. */
  readonly loss?: number
  /** Probability in 0..1 that a surviving datagram is delivered twice. */
  readonly duplicate?: number
  /** Extra latency per datagram copy, uniform in [min, max] ms; copies may overtake each other. */
  readonly delayMs?: { readonly min: number; readonly max: number }
  /** PRNG seed, so a failing run can be replayed. Default 1. */
  readonly seed?: number
  /** Where faults apply: the send side (default), the receive side, or both. */
  readonly side?: 'send' | 'receive' | 'both'
  /** Probability in 0..1 that a surviving datagram is followed (or replaced) by an altered copy. */
  readonly corrupt?: number
  /** The damage drawn for each altered copy, uniformly. Default: all of {@link CORRUPTION_KINDS}. */
  readonly corruptKinds?: readonly CorruptionKind[]
  /**
   * The altered copy replaces the genuine datagram (damage in flight: the
   * original is lost) instead of arriving next to it (a storm of altered
   * copies of the cluster's own frames). Default false.
   */
  readonly corruptReplaces?: boolean
}

/** What the decorator did, counted per datagram decision. */
export interface FaultStats {
  dropped: number
  duplicated: number
  delayed: number
  corrupted: number
}

/** A transport with fault injection; see {@link faulty}. */
export type FaultyTransport = Transport & {
  /** Changes some faults; omitted fields keep their value. A new `seed` restarts the PRNG. */
  setFaults(f: Partial<FaultOptions>): void
  readonly faultStats: FaultStats
}

/**
 * Wraps any transport and injects loss, duplication and delay (JGroups'
 * DISCARD and DELAY), and altered datagrams, on the send side by default. A
 * multicast is one decision on the send side, so every receiver gets it or
 * none does; use the receive side for independent per-receiver faults.
 * Randomness comes from a seeded PRNG: the same seed and the same sequence of
 * calls give the same faults.
 */
export function faulty(inner: Transport, options: FaultOptions = {}): FaultyTransport {
  return new Faulty(inner, options)
}

class Faulty implements FaultyTransport {
  readonly faultStats: FaultStats = { dropped: 0, duplicated: 0, delayed: 0, corrupted: 0 }
  readonly #inner: Transport
  readonly #timers = new Set<NodeJS.Timeout>()
  #faults: FaultOptions
  #random: () => number
  /** The previous datagram, the tail of the next splice. */
  #last: Uint8Array | undefined
  #closed = false

  constructor(inner: Transport, options: FaultOptions) {
    this.#inner = inner
    this.#faults = checkFaults({ side: 'send', ...options })
    this.#random = prng(this.#faults.seed ?? 1)
  }

  get frameSizeMax(): number {
    return this.#inner.frameSizeMax
  }

  get authenticated(): boolean {
    return this.#inner.authenticated ?? false
  }

  get stats(): TransportStats {
    return this.#inner.stats
  }

  setFaults(f: Partial<FaultOptions>): void {
    this.#faults = checkFaults({ ...this.#faults, ...f })
    if (f.seed !== undefined) this.#random = prng(f.seed)
  }

  open(receive: ReceiveHandler): Promise<void> {
    return this.#inner.open((bytes) => {
      if (this.#closed) return
      if (this.#faults.side !== 'send') this.#inject(bytes, receive)
      else receive(bytes)
    })
  }

  send(to: NodeId, bytes: Uint8Array): void {
    if (this.#closed) return
    if (this.#faults.side !== 'receive') this.#inject(bytes, (b) => this.#inner.send(to, b))
    else this.#inner.send(to, bytes)
  }

  multicast(bytes: Uint8Array): void {
    if (this.#closed) return
    if (this.#faults.side !== 'receive') this.#inject(bytes, (b) => this.#inner.multicast(b))
    else this.#inner.multicast(bytes)
  }

  close(): Promise<void> {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    return this.#inner.close()
  }

  /** Decides the fate of one datagram, then hands it (maybe twice, maybe later) to `forward`. */
  #inject(bytes: Uint8Array, forward: (b: Uint8Array) => void): void {
    // Always draw the same number of values, so changing one fault does not reshuffle the others.
    const lossDraw = this.#random()
    const dupDraw = this.#random()
    const delayDraws = [this.#random(), this.#random()] as const
    if (lossDraw < (this.#faults.loss ?? 0)) {
      this.faultStats.dropped++
      return
    }
    const copies = dupDraw < (this.#faults.duplicate ?? 0) ? 2 : 1
    if (copies === 2) this.faultStats.duplicated++
    const send = this.#corrupting(bytes)
    for (let i = 0; i < copies; i++) {
      const delay = pickDelay(this.#faults.delayMs, delayDraws[i] ?? 0)
      for (const b of send) {
        if (delay <= 0) forward(b)
        else this.#later(delay, b, forward)
      }
    }
  }

  /** The datagrams to deliver in place of `bytes`: itself, an altered copy, or both in a random order. */
  #corrupting(bytes: Uint8Array): readonly Uint8Array[] {
    const p = this.#faults.corrupt ?? 0
    // No draws at all without corruption, so older seeds keep their fault sequence.
    if (p <= 0) return [bytes]
    const last = this.#last
    this.#last = new Uint8Array(bytes)
    if (this.#random() >= p) return [bytes]
    const int = (n: number): number => Math.floor(this.#random() * n)
    const kinds = this.#faults.corruptKinds ?? CORRUPTION_KINDS
    const altered = corrupt(bytes, kinds[int(kinds.length)]!, int, last)
    this.faultStats.corrupted++
    if (this.#faults.corruptReplaces === true) return [altered]
    return int(2) === 0 ? [altered, bytes] : [bytes, altered]
  }

  #later(delay: number, bytes: Uint8Array, forward: (b: Uint8Array) => void): void {
    this.faultStats.delayed++
    // The caller may reuse its buffer once we return (and Buffer#slice would share it).
    const copy = new Uint8Array(bytes)
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (!this.#closed) forward(copy)
    }, delay)
    timer.unref()
    this.#timers.add(timer)
  }
}

function checkFaults(f: FaultOptions): FaultOptions {
  for (const key of ['loss', 'duplicate', 'corrupt'] as const) {
    const p = f[key]
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new ClusterError('ERR_INVALID_ARGUMENT', `faulty: ${key} must be in 0..1, got ${p}`)
  }
  const d = f.delayMs
  if (d !== undefined && !(d.min >= 0 && d.max >= d.min && Number.isFinite(d.max))) {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `faulty: delayMs needs 0 <= min <= max, got ${d.min}..${d.max}`)
  }
  if (f.corruptKinds !== undefined && (f.corruptKinds.length === 0 || f.corruptKinds.some((k) => !CORRUPTION_KINDS.includes(k)))) {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `faulty: corruptKinds must be a non-empty list of ${CORRUPTION_KINDS.join(', ')}`)
  }
  if (f.seed !== undefined && !Number.isFinite(f.seed)) throw new ClusterError('ERR_INVALID_ARGUMENT', `faulty: seed must be a finite number`)
  return f
}

function pickDelay(range: FaultOptions['delayMs'], draw: number): number {
  if (range === undefined) return 0
  return range.min + draw * (range.max - range.min)
}

/**
 * Seeded generator of floats in [0, 1): a Weyl sequence (golden-ratio
 * increment) run through a 32-bit avalanche mixer. Plenty for fault
 * injection, and tiny; Math.random cannot be replayed.
 */
function prng(seed: number): () => number {
  let state = Math.trunc(seed) >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    z ^= z >>> 15
    return (z >>> 0) / 0x1_0000_0000
  }
}
