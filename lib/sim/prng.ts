import { assert } from '../util/assert.js'

/**
 * Seeded pseudo-random numbers for the deterministic simulator. Every random
 * decision of a simulated run flows from one root seed through {@link Prng}
 * instances, so a failing seed replays bit for bit.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator): 128 bits of state, only adds, shifts and xors, and a built-in
 * counter that rules out short cycles for any state, so no seed is "bad".
 * Seeds are spread into the state with a splitmix-style finalizer. It is not
 * cryptographic and must never be used as such.
 */

/** A probability as an exact fraction, so configs print and compare exactly. */
export type Ratio = readonly [numerator: number, denominator: number]

const TWO_POW_32 = 0x1_0000_0000
/** Rejection sampling rejects with probability < 1/2 per draw; 64 misses in a row is a broken generator. */
const REJECTION_ROUNDS_MAX = 64
/** sfc32's authors recommend discarding early outputs so weak seeds diffuse. */
const WARMUP_ROUNDS = 12

/** A splitmix-style 32-bit finalizer (lowbias32 constants): a bijection on uint32 with good avalanche. */
function mix32(x: number): number {
  let z = x >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) >>> 0
}

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0
}

/** Splits a safe integer into two uint32 words; the sign goes into a bit the magnitude cannot reach. */
function splitSafeInteger(value: number): [lo: number, hi: number] {
  assert(Number.isSafeInteger(value), `seed must be a safe integer, got ${value}`)
  const magnitude = Math.abs(value)
  const lo = magnitude % TWO_POW_32
  const hi = Math.floor(magnitude / TWO_POW_32) + (value < 0 ? 0x20_0000 : 0)
  return [lo >>> 0, hi >>> 0]
}

/** Validates a {@link Ratio}; exported so config parsers can reuse the same rule. */
export function assertRatio(r: Ratio, what = 'ratio'): void {
  const [n, d] = r
  assert(Number.isInteger(n) && Number.isInteger(d), `${what} must be integers, got ${n}/${d}`)
  assert(d > 0 && d <= TWO_POW_32, `${what} denominator must be in 1..2^32, got ${d}`)
  assert(n >= 0 && n <= d, `${what} must be within 0..1, got ${n}/${d}`)
}

/** Seeded PRNG with helpers for the distributions the simulator needs. */
export class Prng {
  private a = 0
  private b = 0
  private c = 0
  private d = 0

  /** @param seed any safe integer, including 0, negatives and values above 2^32. */
  constructor(seed: number) {
    const [lo, hi] = splitSafeInteger(seed)
    // The first two words are bijections of the two halves, so distinct seeds give distinct states.
    this.setState(mix32(lo + 0x9e3779b9), mix32(hi ^ 0x6a09e667), mix32(lo ^ rotl32(hi, 16) ^ 0xbb67ae85))
  }

  private setState(a: number, b: number, c: number): void {
    this.a = a >>> 0
    this.b = b >>> 0
    this.c = c >>> 0
    this.d = 1
    for (let i = 0; i < WARMUP_ROUNDS; i++) this.next32()
  }

  /** A uniformly distributed uint32. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A uniform integer in [0, maxExclusive), without modulo bias. maxExclusive ∈ 1..2^32. */
  int(maxExclusive: number): number {
    assert(Number.isInteger(maxExclusive) && maxExclusive >= 1 && maxExclusive <= TWO_POW_32, `int() bound must be in 1..2^32, got ${maxExclusive}`)
    // Draws at or above `limit` fall in the incomplete last bucket and would favour small results.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive)
    for (let round = 0; round < REJECTION_ROUNDS_MAX; round++) {
      const x = this.next32()
      if (x < limit) return x % maxExclusive
    }
    assert(false, 'int(): rejection sampling did not terminate')
  }

  /** A uniform integer in [minInclusive, maxInclusive]; the span may be at most 2^32. */
  range(minInclusive: number, maxInclusive: number): number {
    assert(Number.isSafeInteger(minInclusive) && Number.isSafeInteger(maxInclusive), 'range() bounds must be safe integers')
    assert(maxInclusive >= minInclusive, `range() is empty: ${minInclusive}..${maxInclusive}`)
    return minInclusive + this.int(maxInclusive - minInclusive + 1)
  }

  /** A float in [0, 1) with 32-bit resolution. */
  float(): number {
    return this.next32() / TWO_POW_32
  }

  /** True with probability p ∈ [0, 1]. */
  chance(p: number): boolean {
    assert(p >= 0 && p <= 1, `chance() probability must be in [0,1], got ${p}`)
    return this.float() < p
  }

  /** True with probability numerator/denominator, exactly (no float rounding). */
  ratio(r: Ratio): boolean {
    assertRatio(r)
    const [n, d] = r
    // Skip the draw at the extremes so a disabled fault does not consume randomness differently per ratio.
    if (n === 0) return false
    if (n === d) return true
    return this.int(d) < n
  }

  /**
   * An exponentially distributed value with the given mean (≥ 0). With 32-bit
   * input the result is bounded by about 22.2 × mean, which keeps simulated
   * delays finite.
   */
  exponential(mean: number): number {
    assert(Number.isFinite(mean) && mean >= 0, `exponential() mean must be finite and >= 0, got ${mean}`)
    if (mean === 0) return 0
    // 1 - float() is in (0, 1], so the logarithm is finite.
    return -mean * Math.log(1 - this.float())
  }

  /** A uniformly chosen element; the list must not be empty. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick() from an empty list')
    return items[this.int(items.length)] as T
  }

  /** Fisher–Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }

  /**
   * Derives an independent generator. This generator advances by exactly four
   * draws, whatever the child later does, so giving each subsystem (network,
   * faults, each node) its own fork keeps their streams from perturbing each
   * other when one of them draws more or less.
   */
  fork(): Prng {
    const w0 = this.next32()
    const w1 = this.next32()
    const w2 = this.next32()
    const w3 = this.next32()
    const child = new Prng(0)
    // Re-mixing keeps the child's state from being a plain window of the parent's output.
    child.setState(mix32(w0 ^ rotl32(w3, 7)), mix32(w1 + 0x3c6ef372), mix32(w2 ^ 0xa54ff53a))
    return child
  }
}

/**
 * Mixes numbers and strings into one seed (a non-negative safe integer), e.g.
 * `seedFrom(rootSeed, 'node', 3)`. Different part lists give different seeds
 * with overwhelming probability; types and lengths are mixed in so that
 * `('ab')` and `('a', 'b')` differ.
 */
export function seedFrom(...parts: (number | string)[]): number {
  let h1 = 0x510e527f
  let h2 = 0x9b05688c
  const absorb = (word: number): void => {
    h1 = Math.imul(rotl32((h1 ^ word) >>> 0, 13), 0x9e3779b1) >>> 0
    h2 = Math.imul(rotl32((h2 + word + h1) >>> 0, 17), 0x85ebca77) >>> 0
  }
  absorb(parts.length)
  for (const part of parts) {
    if (typeof part === 'number') {
      const [lo, hi] = splitSafeInteger(part)
      absorb(0x4e554d) // "NUM" tag
      absorb(lo)
      absorb(hi)
    } else {
      absorb(0x535452) // "STR" tag
      absorb(part.length)
      for (let i = 0; i < part.length; i++) absorb(part.charCodeAt(i))
    }
  }
  const lo = mix32(h1 ^ rotl32(h2, 11))
  const hi = mix32(h2 ^ lo) & 0x1f_ffff
  return hi * TWO_POW_32 + lo
}
