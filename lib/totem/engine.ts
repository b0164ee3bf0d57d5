import type { Frame, Guarantee } from '../wire/frames.js'
import { frameSizeMaxFor, type TotemConfig } from './config.js'
import type { ConfigurationChange, McastResult, TotemEvent, TotemOutput, TotemState } from './events.js'
import { Assembler } from './pg/assembler.js'
import { Packer } from './pg/packer.js'
import { decodePgPacket } from './pg/pg-codec.js'
import { ringIdEqual, type NodeId, type RingId } from './ring-id.js'
import { Srp } from './srp/srp.js'
import type { SrpStats } from './srp/stats.js'
import type { PacketDelivery, PulledPacket, SrpUpper } from './srp/upper.js'

/**
 * Worst-case bytes a Totem frame adds around a packing-layer packet, including a
 * second Mcast header when the packet is re-originated during recovery
 * (measured in test/wire/codec.test.ts; corosync reserves 2 × 43 bytes likewise).
 */
export const MCAST_FRAME_OVERHEAD_MAX = 96

const EMPTY_OUTPUT: TotemOutput = Object.freeze({ persistRingSeq: undefined, sends: Object.freeze([]), events: Object.freeze([]) })

export interface EngineInit {
  readonly self: NodeId
  readonly nodes: readonly NodeId[]
  readonly config: TotemConfig
  /** Last ring seq this node persisted (0 if none). */
  readonly ringSeq: number
  /** Seed for the join jitter (only used when `sendJoin` is set). */
  readonly seed?: number
  /**
   * Release application traffic as soon as a new ring is installed. The service
   * layer turns this off and calls {@link TotemEngine.transAck} once services are in sync.
   * @default true
   */
  readonly autoTransAck?: boolean
  /** Bytes of crypto envelope the transport adds to each datagram. @default 0 */
  readonly envelopeBytes?: number
  readonly log?: (message: string) => void
}

export interface McastOptions {
  readonly guarantee?: Guarantee
  /**
   * `sync` traffic (service synchronisation) goes first and flows while
   * application traffic waits; `bulk` (state transfer) goes only when nothing
   * else is queued.
   */
  readonly lane?: 'normal' | 'sync' | 'bulk'
}

/**
 * The Totem engine: SRP ordering and membership plus packing and
 * fragmentation of application messages (corosync totemsrp + totempg), as one
 * pure state machine. Feed it frames and ticks with the current time; take its
 * output (frames to send, deliveries, configuration changes) after each step.
 */
export class TotemEngine {
  readonly #srp: Srp
  readonly #packer: Packer
  readonly #assembler: Assembler
  readonly #autoTransAck: boolean
  #blocked = false

  constructor(init: EngineInit) {
    const packetSizeMax = frameSizeMaxFor(init.config) - (init.envelopeBytes ?? 0) - MCAST_FRAME_OVERHEAD_MAX
    this.#packer = new Packer({
      packetSizeMax, messageSizeMax: init.config.messageSizeMax, queueBytesMax: init.config.sendQueueBytesMax,
    })
    this.#assembler = new Assembler({ messageSizeMax: init.config.messageSizeMax })
    this.#autoTransAck = init.autoTransAck ?? true
    const upper: SrpUpper = {
      pull: (max, syncOnly) => this.#pull(max, syncOnly),
      backlog: (syncOnly) => this.#packer.backlog(syncOnly),
      deliver: (packet) => this.#deliver(packet),
      decodable: (payload) => decodePgPacket(payload).ok,
      configuration: (change) => this.#configuration(change),
    }
    this.#srp = new Srp({
      self: init.self, nodes: init.nodes, config: init.config, ringSeq: init.ringSeq, upper,
      ...(init.seed === undefined ? {} : { seed: init.seed }), ...(init.log === undefined ? {} : { log: init.log }),
    })
  }

  get self(): NodeId { return this.#srp.self }
  get state(): TotemState { return this.#srp.state }
  get ringId(): RingId { return this.#srp.ringId }
  /** Members of the current regular configuration (empty before the first one). */
  get members(): readonly NodeId[] { return this.#srp.membList }
  get stats(): Readonly<SrpStats> { return this.#srp.stats }
  get config(): TotemConfig { return this.#srp.config }
  get queuedBytes(): number { return this.#packer.queuedBytes }

  /** Joins the network: enters GATHER and starts looking for peers. */
  start(now: number): void { this.#srp.start(now) }

  receive(now: number, frame: Frame): void { this.#srp.receive(now, frame) }

  /** Runs every timer due at `now`. */
  tick(now: number): void { this.#srp.tick(now) }

  /** Earliest time at which {@link tick} has work to do (Infinity when stopped). */
  nextDeadline(): number { return this.#srp.nextDeadline() }

  /**
   * Queues a message for totally ordered delivery to every member, this node
   * included. Refused, never queued without bound: `queue-full` asks the caller
   * to wait for a `writable` event.
   */
  mcast(payload: Uint8Array, options: McastOptions = {}): McastResult {
    if (this.#srp.state === 'stopped') return 'stopped'
    const result = this.#packer.enqueue(payload, options.guarantee ?? 'agreed', options.lane ?? 'normal')
    if (result === 'queue-full') this.#blocked = true
    if (result === 'ok') this.#srp.signalSend()
    return result
  }

  /**
   * Services are synchronised for `ringId`: application traffic may flow. An
   * acknowledgement for a ring the engine has already left is ignored: the
   * host processes events after the step, and a late ack of the previous
   * ring's sync would open the gate of the new one (found by the simulator).
   */
  transAck(ringId: RingId = this.#srp.ringId): void {
    if (ringIdEqual(ringId, this.#srp.ringId)) this.#srp.transAck()
  }

  /** Graceful leave: peers re-form without this node at once instead of after a token timeout. */
  leave(now: number): void { this.#srp.leave(now) }

  /** Takes everything produced since the last call. */
  takeOutput(): TotemOutput {
    const srp = this.#srp
    if (srp.sends.length === 0 && srp.events.length === 0 && srp.persistRingSeq === undefined) return EMPTY_OUTPUT
    const output: TotemOutput = { persistRingSeq: srp.persistRingSeq, sends: srp.sends, events: srp.events }
    srp.persistRingSeq = undefined
    srp.sends = []
    srp.events = []
    return output
  }

  /** A snapshot of the membership protocol's working sets, for status tools and traces. */
  inspect(): { procList: readonly NodeId[]; failedList: readonly NodeId[]; consensus: readonly NodeId[]; aru: number; highDelivered: number } {
    const srp = this.#srp
    return {
      procList: srp.procList.slice(), failedList: srp.failedList.slice(), consensus: [...srp.consensus].sort((a, b) => a - b),
      aru: srp.aru, highDelivered: srp.highDelivered,
    }
  }

  /** Simulator introspection: does this node hold message `seq` of its current ring. */
  hasReceived(seq: number): boolean { return this.#srp.regularQueue.has(seq) }

  /** Simulator introspection: all messages of the current ring up to here are held. */
  get receivedUpTo(): number { return this.#srp.aru }

  #pull(max: number, syncOnly: boolean): readonly PulledPacket[] {
    const packets = this.#packer.pull(max, syncOnly)
    if (this.#blocked && this.#packer.queuedBytes <= this.#srp.config.sendQueueBytesMax / 2) {
      this.#blocked = false
      this.#srp.events.push({ type: 'writable' })
    }
    return packets
  }

  #deliver(packet: PacketDelivery): boolean {
    const decoded = decodePgPacket(packet.payload)
    if (!decoded.ok) {
      this.#assembler.refuse(packet.origin, decoded.reason)
      return false
    }
    const events: TotemEvent[] = this.#srp.events
    for (const message of this.#assembler.assemble(packet.origin, decoded.packet)) {
      events.push({
        type: 'deliver', origin: packet.origin, ringId: packet.ringId, seq: packet.seq, index: message.index,
        guarantee: packet.guarantee, payload: message.payload,
      })
    }
    return true
  }

  #configuration(change: ConfigurationChange): void {
    if (change.kind === 'regular') {
      // Partial messages of the old ring are dropped everywhere alike; their senders start them over.
      this.#assembler.reset()
      this.#packer.restartPartial()
    }
    this.#srp.events.push({ type: 'configuration', ...change })
    if (change.kind === 'regular' && this.#autoTransAck) this.#srp.transAck()
  }
}
