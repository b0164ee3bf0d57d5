import createDebug from 'debug'
import { EventEmitter } from 'eventemitter3'
import { frameSizeMaxFor, totemConfig, type TotemConfig, type TotemOptions } from '../totem/config.js'
import { TotemEngine, type McastOptions } from '../totem/engine.js'
import type { ConfigurationChange, Delivery, McastResult, TotemEvent, TotemState, WarningCode } from '../totem/events.js'
import type { NodeId, RingId } from '../totem/ring-id.js'
import type { SrpStats } from '../totem/srp/stats.js'
import type { Transport, TransportStats } from '../transport/transport.js'
import { FrameCodec, type DropReason } from '../wire/codec.js'
import { systemClock, type Clock } from './clock.js'
import { CoreDriver } from './core-driver.js'
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
  /**
   * CRC-32C on every frame (the codec's `checksum` option).
   * @default true unless the transport authenticates datagrams (secauth)
   */
  readonly frameChecksum?: boolean
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
  readonly #driver: CoreDriver<TotemEvent>
  readonly #self: NodeId

  constructor(options: TotemDriverOptions) {
    super()
    this.#self = options.self
    this.config = totemConfig(options.totem ?? {}, options.nodes.length)
    this.#transport = options.transport
    const store = options.store ?? memoryRingStore()
    const frameSizeMax = Math.min(frameSizeMaxFor(this.config), options.transport.frameSizeMax)
    const checksum = options.frameChecksum ?? options.transport.authenticated !== true
    const codec = new FrameCodec({ clusterName: options.clusterName, nodes: options.nodes, frameSizeMax, checksum })
    const engine = new TotemEngine({
      self: options.self, nodes: options.nodes, config: this.config, ringSeq: store.load(),
      seed: options.self, autoTransAck: options.autoTransAck ?? true,
      envelopeBytes: frameSizeMaxFor(this.config) - frameSizeMax,
      log: (message) => { debug('%d: %s', options.self, message) },
    })
    this.#engine = engine
    this.#driver = new CoreDriver<TotemEvent>({
      self: options.self, transport: options.transport, codec, store, clock: options.clock ?? systemClock,
      core: {
        engine, start: (now) => { engine.start(now) }, receive: (now, f) => { engine.receive(now, f) }, tick: (now) => { engine.tick(now) },
        leave: (now) => { engine.leave(now) }, nextDeadline: () => engine.nextDeadline(), takeOutput: () => engine.takeOutput(),
      },
      onEvent: (event) => { this.#emitEvent(event) },
    })
  }

  get self(): NodeId { return this.#self }
  get engine(): TotemEngine { return this.#engine }
  get state(): TotemState { return this.#engine.state }
  get ringId(): RingId { return this.#engine.ringId }
  get members(): readonly NodeId[] { return this.#engine.members }

  stats(): DriverStats {
    return { srp: this.#engine.stats, transport: this.#transport.stats, rxDropped: this.#driver.rxDropped }
  }

  /** Opens the transport and enters the membership protocol. */
  start(): Promise<void> {
    return this.#driver.start()
  }

  /** Queues a message for totally ordered delivery; `queue-full` means wait for `writable`. */
  mcast(payload: Uint8Array, options?: McastOptions): McastResult {
    let result: McastResult = 'stopped'
    this.#driver.step(() => { result = this.#engine.mcast(payload, options) })
    return result
  }

  /** Services are synchronised; application traffic may flow in the new ring. */
  transAck(): void {
    this.#driver.step(() => { this.#engine.transAck() })
  }

  /** Leaves gracefully (peers re-form at once), then closes the transport. Idempotent. */
  stop(): Promise<void> {
    return this.#driver.stop()
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
}
