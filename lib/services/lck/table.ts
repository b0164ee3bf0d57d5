import { compatible, type Holder, type LckMode, type LockRecord, tokenFloor, type Waiter } from './types.js'

interface LockState {
  holders: Holder[]
  waiters: Waiter[]
  lastToken: bigint
  delayed: boolean
}

/**
 * The replicated lock table (OpenAIS lck.c's resource list): per lock name a
 * FIFO queue of waiters, the current holders and the last fencing token.
 * Every member applies the same changes in the same total order; grant
 * decisions depend on nothing else, so replicas stay identical.
 */
export class LockTable {
  readonly #locks = new Map<string, LockState>()
  /** Entry id (holder or waiter) → lock name. */
  readonly #where = new Map<string, string>()

  has(id: string): boolean {
    return this.#where.has(id)
  }

  holder(id: string): Holder | undefined {
    const name = this.#where.get(id)
    return name === undefined ? undefined : this.#locks.get(name)!.holders.find((h) => h.id === id)
  }

  isWaiter(id: string): boolean {
    const name = this.#where.get(id)
    return name !== undefined && this.#locks.get(name)!.waiters.some((w) => w.id === id)
  }

  /** Lock names, sorted (grant passes over every lock go in this order everywhere). */
  names(): string[] {
    return [...this.#locks.keys()].sort()
  }

  delayedNames(): string[] {
    return this.names().filter((n) => this.#locks.get(n)!.delayed)
  }

  get(name: string): LockRecord | undefined {
    const s = this.#locks.get(name)
    return s === undefined ? undefined : { name, lastToken: s.lastToken, delayed: s.delayed, holders: [...s.holders], waiters: [...s.waiters] }
  }

  /** Every lock, sorted by name: sync announcements and inspection. */
  records(): LockRecord[] {
    return this.names().map((n) => this.get(n)!)
  }

  /** Queues a waiter at the tail; false if the id is already in the table. */
  enqueue(name: string, waiter: Waiter): boolean {
    if (this.#where.has(waiter.id)) return false
    this.#state(name).waiters.push(waiter)
    this.#where.set(waiter.id, name)
    return true
  }

  /** A try-acquire: granted only if nothing waits and every holder is compatible (and the lock is not delayed). */
  grantNow(name: string, waiter: Waiter, ringSeq: number): Holder | undefined {
    if (this.#where.has(waiter.id)) return undefined
    const s = this.#locks.get(name)
    if (s !== undefined && (s.delayed || s.waiters.length > 0 || !fits(waiter.mode, s.holders))) return undefined
    return this.#grant(name, this.#state(name), waiter, ringSeq)
  }

  /**
   * Grants from the head of the queue while the head is compatible with every
   * holder (strict FIFO: a shared waiter behind a waiting exclusive one
   * waits). Returns the new holders in grant order.
   */
  grant(name: string, ringSeq: number): Holder[] {
    const s = this.#locks.get(name)
    const granted: Holder[] = []
    if (s === undefined || s.delayed) return granted
    while (s.waiters.length > 0 && fits(s.waiters[0]!.mode, s.holders)) {
      granted.push(this.#grant(name, s, s.waiters.shift()!, ringSeq))
    }
    return granted
  }

  /** Removes a holder; returns its lock's name, or undefined if it holds nothing. */
  removeHolder(id: string): string | undefined {
    return this.#remove(id, 'holders')
  }

  /** Removes a waiter; returns its lock's name, or undefined if it is not waiting. */
  removeWaiter(id: string): string | undefined {
    return this.#remove(id, 'waiters')
  }

  /** Ends the lock delay of a lock; true if it was delayed. */
  undelay(name: string): boolean {
    const s = this.#locks.get(name)
    if (s === undefined || !s.delayed) return false
    s.delayed = false
    return true
  }

  /** Replaces the whole table (sync activation). */
  load(records: readonly LockRecord[]): void {
    this.#locks.clear()
    this.#where.clear()
    for (const r of records) {
      this.#locks.set(r.name, { holders: [...r.holders], waiters: [...r.waiters], lastToken: r.lastToken, delayed: r.delayed })
      for (const e of [...r.holders, ...r.waiters]) this.#where.set(e.id, r.name)
    }
  }

  /**
   * Fencing token: one more than the lock's last, and at least ringSeq·2²⁰.
   * Ring seqs grow across every node's restarts (they are persisted) and
   * any two quorate rings share a member, so a later quorate ring has a
   * higher seq: its tokens exceed every earlier ring's even when the
   * members that knew the last token crashed and came back empty.
   */
  #grant(name: string, s: LockState, waiter: Waiter, ringSeq: number): Holder {
    const next = s.lastToken + 1n
    const floor = tokenFloor(ringSeq)
    s.lastToken = next > floor ? next : floor
    const holder: Holder = { id: waiter.id, node: waiter.node, mode: waiter.mode, token: s.lastToken }
    s.holders.push(holder)
    this.#where.set(holder.id, name)
    return holder
  }

  #remove(id: string, list: 'holders' | 'waiters'): string | undefined {
    const name = this.#where.get(id)
    if (name === undefined) return undefined
    const s = this.#locks.get(name)!
    const i = s[list].findIndex((e) => e.id === id)
    if (i < 0) return undefined
    s[list].splice(i, 1)
    this.#where.delete(id)
    return name
  }

  #state(name: string): LockState {
    let s = this.#locks.get(name)
    if (s === undefined) {
      s = { holders: [], waiters: [], lastToken: 0n, delayed: false }
      this.#locks.set(name, s)
    }
    return s
  }
}

function fits(mode: LckMode, holders: readonly Holder[]): boolean {
  return holders.every((h) => compatible(mode, h.mode))
}
