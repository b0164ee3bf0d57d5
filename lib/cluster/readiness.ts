import { abortError, ClusterError, type ClusterErrorCode } from '../errors.js'

/** What a caller waits for: this node running, its services synchronised, and optionally quorum and a member count. */
export interface ReadyCondition {
  /** Also wait until the partition is quorate. */
  readonly quorate?: boolean
  /** Also wait until the ring has at least this many members. */
  readonly members?: number
}

/** How long a wait may last: a signal, a deadline (monotonic ms), the code a deadline rejects with. */
export interface WaitBudget {
  readonly signal?: AbortSignal | undefined
  /** `performance.now()` value after which the wait gives up. */
  readonly deadline?: number | undefined
  readonly timeoutCode?: ClusterErrorCode
  /** What is waiting, for messages (`start()`, `acquire of lock x`). */
  readonly what: string
}

interface Waiter {
  readonly condition: ReadyCondition
  readonly resolve: () => void
  readonly reject: (error: ClusterError) => void
}

/** Milliseconds left before `deadline` (Infinity without one). */
export function remaining(deadline: number | undefined): number {
  return deadline === undefined ? Infinity : Math.max(0, deadline - performance.now())
}

export function deadlineOf(timeoutMs: number | undefined): number | undefined {
  return timeoutMs === undefined ? undefined : performance.now() + timeoutMs
}

/**
 * The facade's view of whether this node can serve: the engine runs, sync
 * has completed in the current ring, quorum, members. Calls that have a wait
 * budget wait here (bounded) instead of failing while the cluster forms.
 */
export class Readiness {
  #running = false
  #synced = false
  #quorate = false
  #members = 0
  #ended: ClusterError | undefined
  readonly #waiters = new Set<Waiter>()

  holds(c: ReadyCondition): boolean {
    return this.#running && this.#synced && (c.quorate !== true || this.#quorate) && this.#members >= (c.members ?? 0)
  }

  /** The engine is starting again (a retried start()). */
  reset(): void {
    this.#running = this.#synced = false
    this.#ended = undefined
  }

  update(state: { readonly running?: boolean; readonly synced?: boolean; readonly quorate?: boolean; readonly members?: number }): void {
    if (state.running !== undefined) this.#running = state.running
    if (state.synced !== undefined) this.#synced = state.synced
    if (state.quorate !== undefined) this.#quorate = state.quorate
    if (state.members !== undefined) this.#members = state.members
    for (const w of [...this.#waiters]) if (this.holds(w.condition)) w.resolve()
  }

  /** The cluster stopped or failed: every wait rejects with `error`, and so do later ones. */
  end(error: ClusterError): void {
    this.#running = this.#synced = false
    this.#ended = error
    for (const w of [...this.#waiters]) w.reject(error)
  }

  wait(condition: ReadyCondition, budget: WaitBudget): Promise<void> {
    if (budget.signal?.aborted === true) return Promise.reject(abortError(budget.signal, budget.what))
    if (this.holds(condition)) return Promise.resolve()
    if (this.#ended !== undefined) return Promise.reject(this.#ended)
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        this.#waiters.delete(waiter)
        if (timer !== undefined) clearTimeout(timer)
        budget.signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        condition,
        resolve: () => { done(); resolve() },
        reject: (e) => { done(); reject(e) },
      }
      const onAbort = (): void => { waiter.reject(abortError(budget.signal!, budget.what)) }
      budget.signal?.addEventListener('abort', onAbort, { once: true })
      const left = remaining(budget.deadline)
      if (left !== Infinity) {
        timer = setTimeout(() => {
          waiter.reject(new ClusterError(budget.timeoutCode ?? 'ERR_TIMEOUT', `${budget.what} timed out waiting for ${describe(condition)}`))
        }, Math.min(left, 2 ** 31 - 1))
      }
      this.#waiters.add(waiter)
    })
  }
}

function describe(c: ReadyCondition): string {
  const parts = ['a synchronised ring']
  if (c.quorate === true) parts.push('quorum')
  if (c.members !== undefined) parts.push(`${c.members} members`)
  return parts.join(' with ')
}
