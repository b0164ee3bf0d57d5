import { EventEmitter } from 'eventemitter3'
import { ClusterError } from '../errors.js'
import type { LocksApi } from './locks-api.js'
import type { NodeLog } from './logger.js'
import { args, check } from './validate.js'

/** The work of a singleton: run until `signal` aborts; guard every side effect with `fencingToken`. */
export type SingletonTask = (signal: AbortSignal, fencingToken: bigint) => Promise<void> | void

export interface SingletonOptions {
  /** Stops competing for (and running) the singleton on this node. */
  readonly signal?: AbortSignal
  /**
   * Pause before competing again after the task ended, failed, or the lock
   * was refused. It doubles after each consecutive failure, up to
   * `maxRestartDelayMs`, and starts over after a run that did not throw.
   * @default 1000
   */
  readonly restartDelayMs?: number
  /** Bound of the growing pause after repeated failures. @default 30000 */
  readonly maxRestartDelayMs?: number
}

export type SingletonEvents = {
  /** This node won and the task starts, with its fencing token. */
  started: (fencingToken: bigint) => void
  /** The task on this node ended: returned, threw, or was aborted because the lock was lost or the singleton stopped. */
  stopped: (reason: 'returned' | 'failed' | 'lost' | 'stopped') => void
  /** The task threw (it will be retried here or elsewhere, after a growing pause). Also logged at error level. */
  error: (error: unknown) => void
}

/** Lock names of singletons live in their own space, apart from application locks. */
const LOCK_PREFIX = 'ts-ha.singleton:'

/**
 * One task that runs on exactly one node of the quorate partition at a time
 * (cron jobs, pollers, migrations). Every node that creates the singleton
 * queues for an exclusive lock; the holder runs the task with the lock's
 * signal and fencing token. When the holder fails, leaves or loses quorum the
 * next node in the queue takes over. A task that returns or throws gives the
 * turn to the next node and queues again after `restartDelayMs`.
 */
export class Singleton extends EventEmitter<SingletonEvents> {
  readonly name: string
  readonly #locks: LocksApi
  readonly #task: SingletonTask
  readonly #restartDelayMs: number
  readonly #maxRestartDelayMs: number
  readonly #log: NodeLog
  /** Consecutive failed runs: the pause doubles with each. */
  #failures = 0
  readonly #stop = new AbortController()
  readonly #loop: Promise<void>
  #running = false
  #fencingToken: bigint | undefined

  /** @internal Created by `cluster.singleton()`. */
  constructor(locks: LocksApi, log: NodeLog, name: string, task: SingletonTask, options: SingletonOptions = {}) {
    super()
    check(args.singletonName, name, 'name')
    check(args.task, task, 'task')
    check(args.singleton, options, 'options')
    this.name = name
    this.#locks = locks
    this.#log = log
    this.#task = task
    this.#restartDelayMs = options.restartDelayMs ?? 1000
    this.#maxRestartDelayMs = Math.max(this.#restartDelayMs, options.maxRestartDelayMs ?? 30_000)
    options.signal?.addEventListener('abort', () => { void this.stop() }, { once: true })
    this.#loop = this.#run()
  }

  /** Whether the task runs on this node now. */
  get running(): boolean {
    return this.#running
  }

  /** Fencing token of the current (or last) run on this node. */
  get fencingToken(): bigint | undefined {
    return this.#fencingToken
  }

  /** Stops the task here (aborting its signal), leaves the queue and waits for the task to end. */
  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort(new ClusterError('ERR_ABORTED', `singleton ${this.name} stopped`))
    await this.#loop
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal
    while (!stop.aborted) {
      let lock
      try {
        lock = await this.#locks.acquire(LOCK_PREFIX + this.name, { signal: stop })
      } catch (error) {
        if (stop.aborted) break
        if (error instanceof ClusterError && (error.code === 'ERR_STOPPED' || error.code === 'ERR_NOT_STARTED')) break
        await this.#pause()
        continue
      }
      const signal = AbortSignal.any([lock.signal, stop])
      this.#running = true
      this.#fencingToken = lock.fencingToken
      this.emit('started', lock.fencingToken)
      let reason: 'returned' | 'failed' | 'lost' | 'stopped' = 'returned'
      try {
        await this.#task(signal, lock.fencingToken)
        this.#failures = 0
      } catch (error) {
        reason = 'failed'
        if (!signal.aborted) this.#failed(error)
      }
      if (stop.aborted) reason = 'stopped'
      else if (lock.signal.aborted) reason = 'lost'
      this.#running = false
      await lock.release().catch(() => {})
      this.emit('stopped', reason)
      if (reason !== 'lost') await this.#pause()
    }
  }

  #failed(error: unknown): void {
    this.#failures++
    const msg = `singleton ${this.name}: the task failed (${this.#failures} in a row); next try in ${this.#delay()} ms`
    if (this.listenerCount('error') > 0) {
      this.#log.log('error', 'singleton', msg, { err: error })
      this.emit('error', error)
    } else if (this.#failures === 1) {
      this.#log.unheard('singleton', msg, error)
    } else {
      this.#log.log('error', 'singleton', msg, { err: error })
    }
  }

  #delay(): number {
    return Math.min(this.#maxRestartDelayMs, this.#restartDelayMs * 2 ** Math.max(0, this.#failures - 1))
  }

  #pause(): Promise<void> {
    const stop = this.#stop.signal
    if (stop.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#delay())
      stop.addEventListener('abort', done, { once: true })
      function done(): void {
        clearTimeout(timer)
        stop.removeEventListener('abort', done)
        resolve()
      }
    })
  }
}
