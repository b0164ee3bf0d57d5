import { assert } from '../../util/assert.js'
import type { Mcast } from '../../wire/frames.js'
import { seqDiff } from '../seq.js'

/**
 * The receive window of one ring (corosync's sq.h): messages indexed by their
 * 32-bit sequence number relative to `base`, the oldest seq not yet released.
 * Slots remember how many token visits they have been missing so that a
 * message late on the wire is not requested at once.
 */
export class SortQueue {
  readonly size: number
  readonly #mask: number
  readonly #items: (Mcast | undefined)[]
  readonly #misses: Uint16Array
  /** Oldest sequence number still held (one above the last released). */
  #base: number

  constructor(size: number, base: number) {
    assert(size > 0 && (size & (size - 1)) === 0, 'sort queue size must be a power of two')
    this.size = size
    this.#mask = size - 1
    this.#items = new Array<Mcast | undefined>(size)
    this.#misses = new Uint16Array(size)
    this.#base = base >>> 0
  }

  get base(): number {
    return this.#base
  }

  /** Drops everything and restarts the window at `base` (a new ring). */
  reinit(base: number): void {
    this.#items.fill(undefined)
    this.#misses.fill(0)
    this.#base = base >>> 0
  }

  inRange(seq: number): boolean {
    const d = seqDiff(seq, this.#base)
    return d >= 0 && d < this.size
  }

  has(seq: number): boolean {
    return this.inRange(seq) && this.#items[seq & this.#mask] !== undefined
  }

  get(seq: number): Mcast | undefined {
    return this.inRange(seq) ? this.#items[seq & this.#mask] : undefined
  }

  /** Stores a message; the caller checked `inRange`. Returns false if the slot was already full. */
  add(seq: number, message: Mcast): boolean {
    assert(this.inRange(seq), `seq ${seq} outside the receive window at ${this.#base}`)
    const slot = seq & this.#mask
    if (this.#items[slot] !== undefined) return false
    this.#items[slot] = message
    this.#misses[slot] = 0
    return true
  }

  /** Empties the slot of `seq` (a message that must not be delivered after all). */
  remove(seq: number): void {
    if (this.inRange(seq)) this.#items[seq & this.#mask] = undefined
  }

  /** Counts one more token visit on which `seq` was missing; returns the new count. */
  miss(seq: number): number {
    const slot = seq & this.#mask
    const count = Math.min(this.#misses[slot]! + 1, 0xffff)
    this.#misses[slot] = count
    return count
  }

  /** Frees every slot up to and including `seq` and moves the window past it. */
  releaseTo(seq: number): void {
    const count = seqDiff(seq, this.#base) + 1
    if (count <= 0) return
    assert(count <= this.size, `release of ${count} slots exceeds the window`)
    for (let i = 0; i < count; i++) {
      const slot = (this.#base + i) & this.#mask
      this.#items[slot] = undefined
      this.#misses[slot] = 0
    }
    this.#base = (seq + 1) >>> 0
  }

  /** Number of stored messages (diagnostics only; O(window)). */
  count(): number {
    let n = 0
    for (const item of this.#items) if (item !== undefined) n++
    return n
  }
}
