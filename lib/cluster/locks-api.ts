import { abortError, ClusterError, throwIfAborted } from '../errors.js'
import { hasBudget, retryWithin } from './budget.js'
import type { EngineLink } from './link.js'
import { deadlineOf, type Readiness, remaining } from './readiness.js'
import { args, check } from './validate.js'

/** `exclusive`: one holder. `shared`: any number of shared holders, never together with an exclusive one. */
export type LockMode = 'exclusive' | 'shared'

export interface AcquireOptions {
  /** @default 'exclusive' */
  readonly mode?: LockMode
  /**
   * Give up with `ERR_LOCK_TIMEOUT` after this long, counting any wait for
   * quorum. With a timeout or a signal, an acquire made while the partition
   * has no quorum (yet), or that loses it while queued, waits for quorum and
   * queues again; without either it fails with `ERR_NO_QUORUM` at once.
   */
  readonly timeoutMs?: number
  /** Leaves the queue; the acquire rejects with `ERR_ABORTED` (the signal's reason as `cause`). */
  readonly signal?: AbortSignal
}

/** One lock as the replicated table holds it (`ts-ha status`, metrics). */
export interface LockInfo {
  readonly name: string
  /** The highest fencing token granted so far for this name. */
  readonly lastToken: bigint
  /** Grants are held back (lock delay after a holder's node failed or left). */
  readonly delayed: boolean
  /** Current holders, in grant order. */
  readonly holders: readonly { readonly nodeId: number; readonly mode: LockMode; readonly fencingToken: bigint }[]
  /** Queued requests, in FIFO order. */
  readonly waiters: readonly { readonly nodeId: number; readonly mode: LockMode }[]
}

interface LockRow {
  readonly name: string
  readonly lastToken: bigint
  readonly delayed: boolean
  readonly holders: readonly { readonly node: number; readonly mode: LockMode; readonly token: bigint }[]
  readonly waiters: readonly { readonly node: number; readonly mode: LockMode }[]
}

/** What the LCK service tells the library about a hold it took away. */
export interface LockLostEvent {
  readonly type: 'lost'
  readonly holderId: string
  readonly reason: 'quorum' | 'membership'
}

interface Grant {
  readonly holderId: string
  readonly fencingToken: bigint
}

/**
 * A granted lock. Pass `fencingToken` to every resource the work touches and
 * have it refuse tokens lower than the highest it has seen: that, not the lock
 * alone, is what makes the work safe when a holder stalls past its loss.
 * `signal` aborts the moment the cluster takes the lock away (this node lost
 * quorum, or was expelled); stop the work then.
 */
export class Lock {
  readonly name: string
  readonly mode: LockMode
  /**
   * Strictly increasing per lock name across the whole cluster history,
   * restarts of every node included. Each ring's tokens are at least its
   * ring seq × 2²⁰, and a node starts its ring seq at the larger of the one
   * saved in its state directory and the wall clock in ms. So tokens never go
   * back while either the state directory of some member of each quorate ring
   * survives (whatever the clocks do), or the wall clocks do not step back
   * across a restart of every node that knew the last token.
   */
  readonly fencingToken: bigint
  /** @internal */
  readonly holderId: string
  readonly #link: EngineLink
  readonly #controller = new AbortController()
  readonly #forget: () => void
  #released: Promise<void> | undefined

  /** @internal Created by {@link LocksApi.acquire}. */
  constructor(link: EngineLink, name: string, mode: LockMode, grant: Grant, forget: () => void) {
    this.#link = link
    this.name = name
    this.mode = mode
    this.holderId = grant.holderId
    this.fencingToken = grant.fencingToken
    this.#forget = forget
  }

  /** Aborted when the lock is lost; its reason is a ClusterError with code `ERR_LOCK_LOST` (or `ERR_STOPPED`). */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** True until released or lost. */
  get held(): boolean {
    return this.#released === undefined && !this.#controller.signal.aborted
  }

  /** Releases the lock; resolves once the release is ordered. Idempotent; a lost lock releases at once. */
  release(): Promise<void> {
    this.#released ??= this.#release()
    return this.#released
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }

  /** @internal */
  lose(error: ClusterError): void {
    this.#forget()
    if (!this.#controller.signal.aborted) this.#controller.abort(error)
  }

  async #release(): Promise<void> {
    this.#forget()
    if (this.#controller.signal.aborted || this.#link.state !== 'running') return
    await this.#link.requestWithRoom('lck', 'release', { holderId: this.holderId })
  }
}

/**
 * `cluster.locks`: distributed locks (OpenAIS LCK) granted only in the
 * quorate partition, in FIFO order per lock, each grant with a fencing token.
 */
export class LocksApi {
  readonly #link: EngineLink
  readonly #readiness: Readiness
  readonly #held = new Map<string, Lock>()
  readonly #waiting = new Map<string, { readonly name: string; readonly mode: LockMode; readonly since: number }>()
  #waiters = 0

  /** @internal */
  constructor(link: EngineLink, readiness: Readiness) {
    this.#link = link
    this.#readiness = readiness
  }

  /** Locks held here, and acquires waiting here, for status(). */
  get snapshot(): { held: Lock[]; waiting: Array<{ name: string; mode: LockMode; since: number }> } {
    return { held: [...this.#held.values()], waiting: [...this.#waiting.values()] }
  }

  /** @internal Releases every lock held here: a graceful stop. */
  async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.#held.values()].map((l) => l.release()))
  }

  /**
   * Waits for the lock. Rejects with `ERR_NO_QUORUM` in (or on entering) an
   * inquorate partition, `ERR_LOCK_TIMEOUT` after `timeoutMs`, `ERR_ABORTED`
   * when `signal` aborts.
   */
  async acquire(name: string, options: AcquireOptions = {}): Promise<Lock> {
    check(args.lockName, name, 'name')
    check(args.acquire, options, 'options')
    if (!hasBudget(options)) return (await this.#acquire(name, options, false))!
    const deadline = deadlineOf(options.timeoutMs)
    const what = `acquire of lock ${name}`
    const attempt = async (): Promise<Lock> => {
      const left = remaining(deadline)
      return (await this.#acquire(name, { ...options, ...(left === Infinity ? {} : { timeoutMs: left }) }, false))!
    }
    return await retryWithin(this.#readiness, { quorate: true }, { signal: options.signal, deadline, timeoutCode: 'ERR_LOCK_TIMEOUT', what }, attempt)
  }

  /** Takes the lock only if it is free now (and nobody waits for it); otherwise resolves `null`. Never waits for quorum. */
  async tryAcquire(name: string, options: Omit<AcquireOptions, 'timeoutMs'> = {}): Promise<Lock | null> {
    check(args.lockName, name, 'name')
    check(args.tryAcquire, options, 'options')
    return await this.#acquire(name, options, true)
  }

  /** Runs `fn` holding the lock and releases it afterwards, whatever `fn` does. */
  async using<T>(name: string, fn: (signal: AbortSignal, fencingToken: bigint) => Promise<T> | T, options: AcquireOptions = {}): Promise<T> {
    const lock = await this.acquire(name, options)
    try {
      return await fn(lock.signal, lock.fencingToken)
    } finally {
      await lock.release()
    }
  }

  /** Every lock the cluster knows of (held, waited for, or granted before), sorted by name; the same on every member. */
  async list(): Promise<LockInfo[]> {
    const rows = await this.#link.request('lck', 'list', {}) as LockRow[]
    return rows.map((r) => ({
      name: r.name, lastToken: r.lastToken, delayed: r.delayed,
      holders: r.holders.map((h) => ({ nodeId: h.node, mode: h.mode, fencingToken: h.token })),
      waiters: r.waiters.map((w) => ({ nodeId: w.node, mode: w.mode })),
    }))
  }

  /** @internal */
  dispatch(event: LockLostEvent): void {
    if (event.type !== 'lost') return
    this.#held.get(event.holderId)?.lose(new ClusterError('ERR_LOCK_LOST',
      event.reason === 'quorum' ? 'this node lost quorum: the lock may be granted elsewhere, stop the work'
        : 'the cluster dropped this hold after a membership change: stop the work'))
  }

  /** @internal The cluster stopped: every held lock is lost. */
  closeAll(error: ClusterError): void {
    for (const lock of [...this.#held.values()]) lock.lose(error)
    this.#held.clear()
  }

  async #acquire(name: string, options: AcquireOptions, tryOnly: boolean): Promise<Lock | null> {
    const mode = options.mode ?? 'exclusive'
    const timeoutMs = options.timeoutMs === undefined ? undefined : Math.ceil(options.timeoutMs)
    const signal = options.signal
    throwIfAborted(signal, `acquire of lock ${name}`)
    const waiterId = `w${++this.#waiters}`
    const onAbort = (): void => { void this.#link.request('lck', 'cancel', { waiterId }).catch(() => {}) }
    signal?.addEventListener('abort', onAbort, { once: true })
    this.#waiting.set(waiterId, { name, mode, since: Date.now() })
    let grant: Grant | null
    try {
      grant = await this.#link.requestWithRoom('lck', 'acquire', {
        name, mode, try: tryOnly, waiterId, ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }, signal) as Grant | null
    } catch (error) {
      if (error instanceof ClusterError && error.code === 'ERR_ABORTED' && signal !== undefined) throw abortError(signal, `acquire of lock ${name}`)
      throw error
    } finally {
      this.#waiting.delete(waiterId)
      signal?.removeEventListener('abort', onAbort)
    }
    if (grant === null) return null
    const lock = new Lock(this.#link, name, mode, grant, () => { this.#held.delete(grant.holderId) })
    this.#held.set(grant.holderId, lock)
    if (signal?.aborted === true) {
      // The grant overtook our cancel: give the lock straight back.
      await lock.release()
      throw abortError(signal, `acquire of lock ${name}`)
    }
    return lock
  }
}
