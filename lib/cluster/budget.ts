import { abortError, ClusterError, type ClusterErrorCode } from '../errors.js'
import { type ReadyCondition, type Readiness, remaining, type WaitBudget } from './readiness.js'

/** A call's wait budget as the caller gave it. */
export interface CallBudget {
  readonly signal?: AbortSignal | undefined
  readonly timeoutMs?: number | undefined
}

/** Only calls with a signal or a timeout wait; the others fail fast (as tryAcquire always does). */
export function hasBudget(b: CallBudget): boolean {
  return b.signal !== undefined || b.timeoutMs !== undefined
}

/** Answers that mean "not now": the cluster is still forming, has no quorum yet, or a configuration change intervened. */
const TRANSIENT: readonly ClusterErrorCode[] = ['ERR_NOT_STARTED', 'ERR_NO_QUORUM', 'ERR_TRY_AGAIN']

/**
 * Runs `attempt`; while it fails with a transient code and the budget lasts,
 * waits until `condition` holds (the node synchronised, quorate if asked),
 * after a growing pause for ERR_TRY_AGAIN, and tries again. `attempt` must be
 * idempotent (overwrites, or requests the service has not acted on).
 */
export async function retryWithin<T>(readiness: Readiness, condition: ReadyCondition, budget: WaitBudget, attempt: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt()
    } catch (error) {
      if (!(error instanceof ClusterError) || !TRANSIENT.includes(error.code)) throw error
      // Pause before a second try of anything, so a view that lags the engine's cannot spin.
      if (error.code === 'ERR_TRY_AGAIN' || round > 0) await pause(Math.min(25 * 2 ** round, 1000), budget)
      await readiness.wait(condition, budget)
    }
  }
}

function pause(ms: number, budget: WaitBudget): Promise<void> {
  const left = remaining(budget.deadline)
  if (left < ms) return Promise.reject(new ClusterError(budget.timeoutCode ?? 'ERR_TIMEOUT', `${budget.what} timed out retrying`))
  const signal = budget.signal
  if (signal?.aborted === true) return Promise.reject(abortError(signal, budget.what))
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortError(signal!, budget.what))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
