import createDebug from 'debug'
import { ClusterError } from '../errors.js'
import type { Outgoing } from '../totem/events.js'
import type { TotemEngine } from '../totem/engine.js'
import type { NodeId } from '../totem/ring-id.js'
import type { Transport } from '../transport/transport.js'
import type { DropReason, FrameCodec } from '../wire/codec.js'
import type { Frame } from '../wire/frames.js'
import type { Clock } from './clock.js'
import type { RingSeqStore } from './ring-store.js'

const debug = createDebug('ts-ha:runtime')
const TIMER_MAX_MS = 2 ** 31 - 1

/** A pure protocol core the driver can run: a bare Totem engine or a service host. */
export interface DrivenCore<E> {
  readonly engine: TotemEngine
  start(now: number): void
  receive(now: number, frame: Frame): void
  tick(now: number): void
  leave(now: number): void
  nextDeadline(): number
  takeOutput(): { readonly persistRingSeq: number | undefined; readonly sends: readonly Outgoing[]; readonly events: readonly E[] }
}

export interface CoreDriverOptions<E> {
  readonly self: NodeId
  readonly core: DrivenCore<E>
  readonly transport: Transport
  readonly codec: FrameCodec
  readonly store: RingSeqStore
  readonly clock: Clock
  /** Called for every event, in order, after the step's sends went out. */
  readonly onEvent: (event: E) => void
}

/**
 * The I/O shell around a pure core: real sockets, real timers, a monotonic
 * clock. Every datagram is decoded (bad ones counted and dropped), fed to the
 * core, and the output applied in order: ring seq persisted, frames sent,
 * events handed on. Frames to self go round the event loop like loopback.
 */
export class CoreDriver<E> {
  readonly rxDropped: Record<DropReason, number> = { malformed: 0, version: 0, cluster: 0, sender: 0, oversize: 0, checksum: 0 }
  readonly #o: CoreDriverOptions<E>
  #loopback: Frame[] = []
  #loopbackScheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAt = Infinity
  #started = false
  #stopped = false

  constructor(options: CoreDriverOptions<E>) {
    this.#o = options
  }

  get stopped(): boolean { return this.#stopped }

  async start(): Promise<void> {
    if (this.#started) throw new ClusterError('ERR_INVALID_ARGUMENT', 'this node was already started')
    this.#started = true
    await this.#o.transport.open((bytes) => { this.#receive(bytes) })
    this.#o.core.start(this.#o.clock.now())
    this.flush()
  }

  /** Runs `action` on the core with the current time, then applies its output. */
  step(action: (now: number) => void): void {
    if (!this.#started || this.#stopped) return
    action(this.#o.clock.now())
    this.flush()
  }

  /** Leaves gracefully (peers re-form at once), then closes the transport. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    if (this.#started) {
      this.#o.core.leave(this.#o.clock.now())
      this.flush()
    }
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#loopback = []
    await this.#o.transport.close()
  }

  flush(): void {
    const o = this.#o
    const output = o.core.takeOutput()
    if (output.persistRingSeq !== undefined) o.store.save(output.persistRingSeq)
    for (const send of output.sends) {
      if (send.kind === 'unicast') {
        if (send.to === o.self) this.#toSelf(send.frame)
        else o.transport.send(send.to, o.codec.encode(send.frame))
        continue
      }
      o.transport.multicast(o.codec.encode(send.frame))
      if (send.loopback) this.#toSelf(send.frame)
    }
    for (const event of output.events) o.onEvent(event)
    this.#arm()
  }

  #receive(bytes: Uint8Array): void {
    if (this.#stopped) return
    const decoded = this.#o.codec.decode(bytes)
    if (!decoded.ok) {
      this.rxDropped[decoded.reason]++
      debug('%d: dropped a datagram (%s: %s)', this.#o.self, decoded.reason, decoded.detail)
      return
    }
    this.#o.core.receive(this.#o.clock.now(), decoded.frame)
    this.flush()
  }

  #toSelf(frame: Frame): void {
    this.#loopback.push(frame)
    if (this.#loopbackScheduled) return
    this.#loopbackScheduled = true
    setImmediate(() => {
      this.#loopbackScheduled = false
      const frames = this.#loopback
      this.#loopback = []
      for (const f of frames) {
        if (this.#stopped) return
        this.#o.core.receive(this.#o.clock.now(), f)
        this.flush()
      }
    })
  }

  /**
   * Keeps one timer armed no later than the core's next deadline. Deadlines
   * mostly move later (every token resets the token timeouts), so the timer is
   * only replaced when one moves earlier; firing early just re-arms.
   */
  #arm(): void {
    const at = this.#stopped ? Infinity : this.#o.core.nextDeadline()
    if (at >= this.#timerAt) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timerAt = at
    // Node fires a timer set beyond 2^31-1 ms after 1 ms: cap it, and #onTimer re-arms for the rest.
    this.#timer = setTimeout(() => { this.#onTimer() }, Math.min(TIMER_MAX_MS, Math.max(0, Math.ceil(at - this.#o.clock.now()))))
  }

  #onTimer(): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    if (this.#stopped) return
    const now = this.#o.clock.now()
    if (this.#o.core.nextDeadline() <= now) {
      this.#o.core.tick(now)
      this.flush()
    } else {
      this.#arm()
    }
  }
}
