import { abortError, ClusterError, deserializeError, type ClusterErrorCode } from '../errors.js'
import type { HostEvent } from '../services/host.js'
import type { MemoryHub } from '../transport/memory.js'
import { inlineEngine, workerEngine, workerScript, type EngineHandle } from './engine-handle.js'
import type { LogRecord } from './logger.js'
import type { EngineOptions, EngineStats, FromEngine } from './protocol.js'

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: ClusterError) => void
}

export type LinkState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'

export interface LinkHandlers {
  event(event: HostEvent): void
  stats(stats: EngineStats): void
  failed(error: ClusterError): void
  log(record: LogRecord): void
}

/** Where the engine runs and how to reach it. */
export interface EngineChoice {
  readonly inline: boolean
  readonly hub?: MemoryHub | undefined
  readonly engineWorker?: string | URL | undefined
}

/** Bound on requests waiting for an answer; beyond it callers get ERR_QUEUE_FULL instead of memory growth. */
const PENDING_MAX = 100_000

/**
 * The main thread's connection to its engine: numbered requests and their
 * answers, waits for send-queue room, lifecycle. The library half of
 * corosync's lib/daemon split.
 */
export class EngineLink {
  state: LinkState = 'idle'
  readonly #pending = new Map<number, Pending>()
  readonly #writable = new Set<() => void>()
  readonly #handlers: LinkHandlers
  #engine: EngineHandle | undefined
  #nextId = 0
  #started: { resolve: () => void; reject: (e: ClusterError) => void } | undefined
  #stopped: (() => void) | undefined

  constructor(handlers: LinkHandlers) {
    this.#handlers = handlers
  }

  /**
   * Starts the engine; resolves when its transport is bound and Totem runs.
   * A failure rejects this promise and nothing else; the link is then idle
   * again and may be opened anew.
   */
  open(options: EngineOptions, choice: EngineChoice): Promise<void> {
    this.state = 'starting'
    const onMessage = (m: FromEngine): void => { this.#onMessage(m) }
    return new Promise((resolve, reject) => {
      this.#started = { resolve, reject }
      try {
        this.#engine = choice.inline ? inlineEngine(options, onMessage, choice.hub) : workerEngine(options, workerScript(choice.engineWorker), onMessage)
      } catch (error) {
        this.#started = undefined
        this.state = 'idle'
        reject(error)
      }
    })
  }

  request(service: string, op: string, args: unknown): Promise<unknown> {
    if (this.state !== 'running') {
      return Promise.reject(new ClusterError(this.state === 'idle' || this.state === 'starting' ? 'ERR_NOT_STARTED' : 'ERR_STOPPED',
        `the cluster is ${this.state === 'idle' ? 'not started: call start() first' : this.state}`))
    }
    if (this.#pending.size >= PENDING_MAX) return Promise.reject(new ClusterError('ERR_QUEUE_FULL', 'too many requests waiting for the engine'))
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#engine!.post({ t: 'request', service, op, args, id })
    })
  }

  /**
   * A request that may be refused for lack of room in the send queue: waits for
   * room and asks again, instead of buffering without bound.
   */
  async requestWithRoom(service: string, op: string, args: unknown, signal?: AbortSignal): Promise<unknown> {
    for (;;) {
      if (signal?.aborted === true) throw abortError(signal, `${service} ${op}`)
      try {
        return await this.request(service, op, args)
      } catch (error) {
        if (!(error instanceof ClusterError) || error.code !== 'ERR_QUEUE_FULL') throw error
        await this.waitWritable(signal)
      }
    }
  }

  /** Resolves at the engine's next `writable` (room in the send queue), or rejects on abort/stop. */
  waitWritable(signal?: AbortSignal): Promise<void> {
    if (this.state !== 'running') return Promise.reject(new ClusterError('ERR_STOPPED', 'the cluster is stopped'))
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.#writable.delete(done)
        reject(abortError(signal!, 'waiting for room in the send queue'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#writable.add(done)
    })
  }

  /**
   * Totem leave (peers re-form at once), then the engine ends; with
   * `graceful: false` the engine just ends. Waits at most `boundMs` for the
   * leave. Pending requests fail with ERR_STOPPED.
   */
  async close(boundMs: number, graceful = true): Promise<void> {
    if (this.state === 'stopped' || this.state === 'idle') {
      this.state = 'stopped'
      return
    }
    this.state = 'stopping'
    if (graceful) {
      const stopped = new Promise<void>((resolve) => { this.#stopped = resolve })
      this.#engine?.post({ t: 'stop' })
      let timer: NodeJS.Timeout | undefined
      await Promise.race([stopped, new Promise((resolve) => { timer = setTimeout(resolve, Math.min(boundMs, 2 ** 31 - 1)) })])
      clearTimeout(timer)
    }
    await this.#engine?.terminate()
    this.#finish(new ClusterError('ERR_STOPPED', 'the cluster was stopped'))
  }

  #onMessage(message: FromEngine): void {
    switch (message.t) {
      case 'started':
        this.state = 'running'
        this.#started?.resolve()
        this.#started = undefined
        return
      case 'failed': {
        if (this.state !== 'starting' && this.state !== 'running') return
        const error = deserializeError(message.error)
        const starting = this.#started
        this.#started = undefined
        void this.#engine?.terminate().catch(() => {})
        this.#finish(error)
        if (starting !== undefined) {
          // Only open() hears of a failure to start, and the link may be opened again.
          this.state = 'idle'
          starting.reject(error)
        } else {
          this.#handlers.failed(error)
        }
        return
      }
      case 'stats': this.#handlers.stats(message.stats); return
      case 'log': this.#handlers.log(message.record); return
      case 'stopped': this.#stopped?.(); return
      case 'event': this.#onEvent(message.event)
    }
  }

  #onEvent(event: HostEvent): void {
    if (event.type === 'answer') {
      const p = this.#pending.get(event.answer.id)
      if (p === undefined) return
      this.#pending.delete(event.answer.id)
      if (event.answer.ok) p.resolve(event.answer.value)
      else p.reject(new ClusterError((event.answer.code ?? 'ERR_INVALID_ARGUMENT') as ClusterErrorCode, event.answer.message ?? 'refused'))
      return
    }
    if (event.type === 'writable') {
      const waiters = [...this.#writable]
      this.#writable.clear()
      for (const w of waiters) w()
    }
    this.#handlers.event(event)
  }

  #finish(error: ClusterError): void {
    this.state = 'stopped'
    for (const p of this.#pending.values()) p.reject(error)
    this.#pending.clear()
    for (const w of this.#writable) w()
    this.#writable.clear()
  }
}
