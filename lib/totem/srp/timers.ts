/**
 * Named deadlines of one Totem node. The core never sleeps: it records when
 * each timer is due and the driver calls back with `now` at the earliest one.
 */
export type TimerName =
  | 'tokenLoss'
  | 'tokenRetransmit'
  | 'tokenHold'
  | 'tokenWarning'
  | 'join'
  | 'sendJoin'
  | 'consensus'
  | 'mergeDetect'
  | 'heartbeat'
  | 'pause'

/** Firing order when several timers are due at the same instant: fixed, for determinism. */
export const TIMER_ORDER: readonly TimerName[] = [
  'pause', 'tokenHold', 'tokenRetransmit', 'heartbeat', 'tokenWarning', 'mergeDetect', 'sendJoin', 'join',
  'consensus', 'tokenLoss',
]

export class Timers {
  readonly #due = new Map<TimerName, number>()

  set(name: TimerName, at: number): void {
    this.#due.set(name, at)
  }

  cancel(name: TimerName): void {
    this.#due.delete(name)
  }

  isSet(name: TimerName): boolean {
    return this.#due.has(name)
  }

  clear(): void {
    this.#due.clear()
  }

  /** Earliest deadline, or Infinity when nothing is pending. */
  next(): number {
    let min = Infinity
    for (const at of this.#due.values()) if (at < min) min = at
    return min
  }

  /** The first timer (in TIMER_ORDER among the earliest) due at or before `now`; it is removed. */
  takeDue(now: number): TimerName | undefined {
    let best: TimerName | undefined
    let bestAt = Infinity
    for (const name of TIMER_ORDER) {
      const at = this.#due.get(name)
      if (at !== undefined && at <= now && at < bestAt) {
        best = name
        bestAt = at
      }
    }
    if (best !== undefined) this.#due.delete(best)
    return best
  }
}
