import createDebug from 'debug'
import { EventEmitter } from 'eventemitter3'
import { ClusterError } from '../errors.js'
import { frameSizeMaxFor, totemConfig, type TotemConfig, type TotemOptions } from '../totem/config.js'
import { TotemEngine, type McastOptions } from '../totem/engine.js'
import type { ConfigurationChange, Delivery, McastResult, TotemEvent, TotemState, WarningCode } from '../totem/events.js'
import type { NodeId, RingId } from '../totem/ring-id.js'
import type { SrpStats } from '../totem/srp/stats.js'
import type { Transport, TransportStats } from '../transport/transport.js'
import { FrameCodec, type DropReason } from '../wire/codec.js'
import type { Frame } from '../wire/frames.js'
import { systemClock, type Clock } from './clock.js'
import { memoryRingStore, type RingSeqStore } from './ring-store.js'

const debug = createDebug('ts-ha:totem')

export interface TotemDriverOptions {
  readonly self: NodeId
  readonly nodes: readonly NodeId[]
  readonly clusterName: string
  readonly transport: Transport
  /** Timer overrides; the rest derive from `token` as in corosync. */
  readonly totem?: TotemOptions
  /** Where the ring seq survives restarts. @default memoryRingStore() (documented loss on restart) */
  readonly store?: RingSeqStore
  readonly clock?: Clock
  /** See {@link EngineInit.autoTransAck}. @default true */
  readonly autoTransAck?: boolean
}

export type TotemDriverEvents = {
  deliver: (delivery: Delivery) => void
  configuration: (change: ConfigurationChange) => void
  state: (state: TotemState, reason: string) => void
  warning: (code: WarningCode, message: string) => void
  writable: () => void
}

export interface DriverStats {
  readonly srp: Readonly<SrpStats>
  readonly transport: Readonly<TransportStats>
  /** Datagrams dropped before reaching the protocol, by reason. */
  readonly rxDropped: Readonly<Record<DropReason, number>>
}

/**
 * The thin I/O shell around the pure Totem engine: real sockets (any
 * Transport), real timers and a monotonic clock. Every received datagram is
 * decoded (malformed, foreign-cluster, foreign-version and unlisted-sender
 * frames are counted and dropped), fed to the engine, and the engine's output
 * applied in order: ring seq persisted, frames sent, events emitted.
 */
export class TotemDriver extends EventEmitter<TotemDriverEvents> {
  readonly config: TotemConfig
  readonly #engine: TotemEngine
  readonly #transport: Transport
  readonly #codec: FrameCodec
  readonly #store: RingSeqStore
  readonly #clock: Clock
  readonly #rxDropped: Record<DropReason, number> = { malformed: 0, version: 0, cluster: 0, sender: 0, oversize: 0 }
  readonly #self: NodeId
  #loopback: Frame[] = []
  #loopbackScheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAt = Infinity
  #started = false
  #stopped = false

  constructor(options: TotemDriverOptions) {
    super()
    this.#self = options.self
    this.config = totemConfig(options.totem ?? {}, options.nodes.length)
    this.#transport = options.transport
    this.#store = options.store ?? memoryRingStore()
    this.#clock = options.clock ?? systemClock
    const frameSizeMax = Math.min(frameSizeMaxFor(this.config), options.transport.frameSizeMax)
    this.#codec = new FrameCodec({ clusterName: options.clusterName, nodes: options.nodes, frameSizeMax })
    this.#engine = new TotemEngine({
      self: options.self, nodes: options.nodes, config: this.config, ringSeq: this.#store.load(),
      seed: options.self, autoTransAck: options.autoTransAck ?? true,
      envelopeBytes: frameSizeMaxFor(this.config) - frameSizeMax,
      log: (message) => { debug('%d: %s', options.self, message) },
    })
  }

  get self(): NodeId { return this.#self }
  get engine(): TotemEngine { return this.#engine }
  get state(): TotemState { return this.#engine.state }
  get ringId(): RingId { return this.#engine.ringId }
  get members(): readonly NodeId[] { return this.#engine.members }

  stats(): DriverStats {
    return { srp: this.#engine.stats, transport: this.#transport.stats, rxDropped: this.#rxDropped }
  }

  /** Opens the transport and enters the membership protocol. */
  async start(): Promise<void> {
    if (this.#started) throw new ClusterError('ERR_INVALID_ARGUMENT', 'this Totem driver was already started')
    this.#started = true
    await this.#transport.open((bytes) => { this.#receive(bytes) })
    this.#engine.start(this.#clock.now())
    this.#flush()
  }

  /** Queues a message for totally ordered delivery; `queue-full` means wait for `writable`. */
  mcast(payload: Uint8Array, options?: McastOptions): McastResult {
    if (!this.#started || this.#stopped) return 'stopped'
    const result = this.#engine.mcast(payload, options)
    this.#flush()
    return result
  }

  /** Services are synchronised; application traffic may flow in the new ring. */
  transAck(): void {
    this.#engine.transAck()
    this.#flush()
  }

  /** Leaves gracefully (peers re-form at once), then closes the transport. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#started) {
      this.#engine.leave(this.#clock.now())
      this.#flush()
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#loopback = []
    await this.#transport.close()
  }

  #receive(bytes: Uint8Array): void {
    if (this.#stopped) return
    const decoded = this.#codec.decode(bytes)
    if (!decoded.ok) {
      this.#rxDropped[decoded.reason]++
      debug('%d: dropped a datagram (%s: %s)', this.#self, decoded.reason, decoded.detail)
      return
    }
    this.#engine.receive(this.#clock.now(), decoded.frame)
    this.#flush()
  }

  #flush(): void {
    const output = this.#engine.takeOutput()
    if (output.persistRingSeq !== undefined) this.#store.save(output.persistRingSeq)
    for (const send of output.sends) {
      if (send.kind === 'unicast') {
        if (send.to === this.#self) this.#toSelf(send.frame)
        else this.#transport.send(send.to, this.#codec.encode(send.frame))
        continue
      }
      this.#transport.multicast(this.#codec.encode(send.frame))
      if (send.loopback) this.#toSelf(send.frame)
    }
    for (const event of output.events) this.#emitEvent(event)
    this.#arm()
  }

  /** Frames to myself go round the event loop, like a datagram through the kernel's loopback. */
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
        this.#engine.receive(this.#clock.now(), f)
        this.#flush()
      }
    })
  }

  #emitEvent(event: TotemEvent): void {
    switch (event.type) {
      case 'deliver': this.emit('deliver', event); return
      case 'configuration': this.emit('configuration', event); return
      case 'state': this.emit('state', event.state, event.reason); return
      case 'warning': debug('%d: %s', this.#self, event.message); this.emit('warning', event.code, event.message); return
      case 'writable': this.emit('writable'); return
    }
  }

  /**
   * Keeps one timer armed no later than the engine's next deadline. Deadlines
   * mostly move later (every token resets the token timeouts), so the timer
   * is only replaced when one moves earlier; firing early just re-arms.
   */
  #arm(): void {
    const at = this.#stopped ? Infinity : this.#engine.nextDeadline()
    if (at >= this.#timerAt) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => { this.#onTimer() }, Math.max(0, Math.ceil(at - this.#clock.now())))
  }

  #onTimer(): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    if (this.#stopped) return
    const now = this.#clock.now()
    if (this.#engine.nextDeadline() <= now) {
      this.#engine.tick(now)
      this.#flush()
    } else {
      this.#arm()
    }
  }
}
