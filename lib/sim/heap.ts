import { assert } from '../util/assert.js'

/**
 * The simulator's event queue: a binary min-heap keyed by virtual time. Events
 * due at the same instant come out in insertion order, so a run never depends
 * on how the heap happens to break ties.
 */

/** One scheduled event. `seq` is its insertion number and also its id for {@link EventHeap.cancel}. */
export interface HeapEntry<T> {
  readonly at: number
  readonly seq: number
  readonly value: T
}

interface Slot<T> extends HeapEntry<T> {
  /** Position in `items`; kept current on every move so cancel() can remove eagerly in O(log n). */
  index: number
}

/** Default bound on pending events: far above any sane run, low enough to catch a runaway feedback loop. */
export const EVENT_HEAP_CAPACITY_DEFAULT = 1_000_000

/** Binary min-heap ordered by (at, seq). */
export class EventHeap<T> {
  private readonly items: Slot<T>[] = []
  private readonly byId = new Map<number, Slot<T>>()
  // Never reset, not even by clear(), so a stale id can never cancel a newer event.
  private nextSeq = 0

  /** @param capacity maximum number of pending events; push() beyond it is a bug and throws. */
  constructor(readonly capacity: number = EVENT_HEAP_CAPACITY_DEFAULT) {
    assert(Number.isInteger(capacity) && capacity >= 1, `heap capacity must be a positive integer, got ${capacity}`)
  }

  /** Number of pending (not popped, not cancelled) events. */
  get size(): number {
    return this.items.length
  }

  /** Schedules `value` at time `at` (finite); returns its id. */
  push(at: number, value: T): number {
    assert(Number.isFinite(at), `event time must be finite, got ${at}`)
    assert(this.items.length < this.capacity, `event heap full (${this.capacity} pending events)`)
    const seq = this.nextSeq++
    const slot: Slot<T> = { at, seq, value, index: this.items.length }
    this.items.push(slot)
    this.byId.set(seq, slot)
    this.siftUp(slot.index)
    return seq
  }

  /** The earliest pending event, without removing it. */
  peek(): HeapEntry<T> | undefined {
    return this.items[0]
  }

  /** Removes and returns the earliest pending event. */
  pop(): HeapEntry<T> | undefined {
    const top = this.items[0]
    if (top === undefined) return undefined
    this.removeAt(0)
    return top
  }

  /** True while the event with this id is pending. */
  has(id: number): boolean {
    return this.byId.has(id)
  }

  /** Removes a pending event; false if it already fired, was cancelled, or never existed. */
  cancel(id: number): boolean {
    const slot = this.byId.get(id)
    if (slot === undefined) return false
    this.removeAt(slot.index)
    return true
  }

  /** Drops every pending event. Ids issued before stay invalid. */
  clear(): void {
    this.items.length = 0
    this.byId.clear()
  }

  private removeAt(index: number): void {
    const removed = this.items[index]
    assert(removed !== undefined, 'heap removeAt out of range')
    this.byId.delete(removed.seq)
    const last = this.items.pop()
    assert(last !== undefined, 'heap underflow')
    if (last === removed) return
    this.place(last, index)
    // The moved slot may belong above or below the hole; at most one of these moves it.
    this.siftUp(index)
    this.siftDown(last.index)
  }

  private place(slot: Slot<T>, index: number): void {
    this.items[index] = slot
    slot.index = index
  }

  private siftUp(index: number): void {
    const slot = this.items[index] as Slot<T>
    let i = index
    while (i > 0) {
      const parentIndex = (i - 1) >> 1
      const parent = this.items[parentIndex] as Slot<T>
      if (!before(slot, parent)) break
      this.place(parent, i)
      i = parentIndex
    }
    this.place(slot, i)
  }

  private siftDown(index: number): void {
    const slot = this.items[index] as Slot<T>
    const n = this.items.length
    let i = index
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const childIndex = right < n && before(this.items[right] as Slot<T>, this.items[left] as Slot<T>) ? right : left
      const child = this.items[childIndex] as Slot<T>
      if (!before(child, slot)) break
      this.place(child, i)
      i = childIndex
    }
    this.place(slot, i)
  }
}

function before<T>(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
