import { totemConfig, frameSizeMaxFor, type TotemConfig, type TotemOptions } from '../totem/config.js'
import type { McastResult, TotemEvent } from '../totem/events.js'
import { ringIdString, type NodeId } from '../totem/ring-id.js'
import { seqLte } from '../totem/seq.js'
import { assert } from '../util/assert.js'
import type { Frame, Guarantee } from '../wire/frames.js'
import { FrameCodec } from '../wire/codec.js'
import type { Incarnation, Observer } from './checkers/observer.js'
import { InvariantViolation } from './checkers/violation.js'
import { EventHeap } from './heap.js'
import { SimNetwork, type NetworkOptions } from './network.js'
import { Prng, seedFrom } from './prng.js'
import { PAUSED_INBOX_MAX, SimNode } from './sim-node.js'
import { Trace } from './trace.js'
import { totemCore, type SimCoreFactory } from './sim-core.js'
import { decodeWorkloadMessage, encodeWorkloadMessage } from './workload.js'

export interface SimulationOptions {
  readonly seed: number
  readonly nodes: readonly NodeId[]
  readonly totem?: TotemOptions
  readonly network: NetworkOptions
  readonly clusterName?: string
  readonly traceLines?: number
  /** Bound on processed events: a protocol that spins forever fails instead of hanging the test. */
  readonly eventsMax?: number
  /** What runs on each node (default: a bare Totem engine). */
  readonly core?: SimCoreFactory
  /** Handles each event a core produces (default: Totem-level checks of workload messages). */
  readonly dispatch?: (sim: Simulation, node: SimNode, event: unknown) => void
  /**
   * CRC-32C on every frame, as in plain mode. Test-only switch: off, damaged
   * datagrams that still decode reach the protocol (what a forger can send).
   * @default true
   */
  readonly frameChecksum?: boolean
}

/** What became of the datagrams the network damaged on their way to a live node. */
export interface CorruptionStats {
  /** Refused by the codec, by reason. */
  readonly dropped: Record<string, number>
  /** Decoded and handed to the protocol (only possible without the checksum, or at odds of 2^-32). */
  accepted: number
}

/**
 * The deterministic world: real Totem engines and the real codec under a
 * virtual clock and a seeded network. Time moves only when the next event
 * is taken from the heap; every random choice comes from the seed.
 */
export class Simulation {
  now = 0
  events = 0
  readonly heap = new EventHeap<() => void>()
  readonly network: SimNetwork
  readonly nodes = new Map<NodeId, SimNode>()
  readonly trace: Trace
  readonly config: TotemConfig
  readonly codec: FrameCodec
  readonly prng: Prng
  /** Test hook: return false to drop one frame on one link (targeted faults the network cannot express). */
  filter: ((from: NodeId, to: NodeId, frame: Frame) => boolean) | undefined
  readonly observers: Observer[] = []
  readonly corruption: CorruptionStats = { dropped: {}, accepted: 0 }
  readonly #nodeIds: readonly NodeId[]
  readonly #eventsMax: number
  readonly #seed: number
  readonly #core: SimCoreFactory
  readonly #dispatchHook: ((sim: Simulation, node: SimNode, event: unknown) => void) | undefined

  constructor(options: SimulationOptions) {
    this.#seed = options.seed
    this.prng = new Prng(options.seed)
    this.#nodeIds = [...options.nodes].sort((a, b) => a - b)
    this.#eventsMax = options.eventsMax ?? 5_000_000
    this.#core = options.core ?? totemCore
    this.#dispatchHook = options.dispatch
    this.config = totemConfig(options.totem ?? {}, this.#nodeIds.length)
    this.codec = new FrameCodec({
      clusterName: options.clusterName ?? 'sim', nodes: this.#nodeIds, frameSizeMax: frameSizeMaxFor(this.config),
      checksum: options.frameChecksum ?? true,
    })
    this.trace = new Trace(options.traceLines ?? 400)
    this.network = new SimNetwork({
      prng: this.prng.fork(), nodes: this.#nodeIds, options: options.network,
      schedule: (at, fn) => { this.schedule(at, fn) },
      onDeliver: (from, to, bytes, altered) => { this.#arrive(from, to, bytes, altered) },
    })
    for (const id of this.#nodeIds) this.nodes.set(id, new SimNode(id))
  }

  observe(observer: Observer): void {
    this.observers.push(observer)
  }

  schedule(at: number, fn: () => void): number {
    assert(at >= this.now, `event scheduled in the past (${at} < ${this.now})`)
    return this.heap.push(at, fn)
  }

  /** Processes events up to and including virtual time `until`. */
  runUntil(until: number): void {
    for (;;) {
      const next = this.heap.peek()
      if (next === undefined || next.at > until) break
      this.heap.pop()
      this.now = next.at
      if (++this.events > this.#eventsMax) throw new InvariantViolation('liveness', `more than ${this.#eventsMax} events: the simulation is spinning`)
      next.value()
    }
    this.now = Math.max(this.now, until)
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id)
    assert(node !== undefined, `no simulated node ${id}`)
    return node
  }

  liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive)
  }

  start(id: NodeId): void {
    const node = this.node(id)
    assert(node.engine === undefined || node.engine.state === 'stopped', `node ${id} is already running`)
    node.incarnation++
    node.nextCounter = 0
    node.accepted = 0
    node.pausedUntil = undefined
    node.inbox.length = 0
    node.inTransitional = false
    node.core = this.#core({
      id, nodes: this.#nodeIds, config: this.config, ringSeq: node.storedRingSeq, incarnation: node.incarnation,
      seed: seedFrom(this.#seed, 'node', id, node.incarnation),
      log: (message) => { this.trace.add(this.now, `n${id} ${message}`) },
    })
    this.trace.add(this.now, `n${id} start #${node.incarnation} (stored ring seq ${node.storedRingSeq})`)
    node.core.start(this.now)
    this.#drain(node)
  }

  /** The process dies: timers, queues and in-flight input are gone; only the stored ring seq survives. */
  crash(id: NodeId): void {
    const node = this.node(id)
    if (node.core === undefined) return
    this.#forget(node)
    this.trace.add(this.now, `n${id} crash`)
  }

  /** Graceful shutdown: the node announces its leave, then its process ends. */
  leave(id: NodeId): void {
    const node = this.node(id)
    if (!node.alive || node.paused) return
    node.core!.leave(this.now)
    this.#drain(node)
    this.#forget(node)
    this.trace.add(this.now, `n${id} leave`)
  }

  /** The process stalls (GC, SIGSTOP): nothing runs until `ms` later, then it catches up at once. */
  pause(id: NodeId, ms: number): void {
    const node = this.node(id)
    if (!node.alive || node.paused) return
    node.pausedUntil = this.now + ms
    this.#cancelTimer(node)
    this.trace.add(this.now, `n${id} pause ${ms} ms`)
    this.schedule(node.pausedUntil, () => { this.resume(id) })
  }

  resume(id: NodeId): void {
    const node = this.node(id)
    if (node.pausedUntil === undefined) return
    node.pausedUntil = undefined
    if (!node.alive) return
    this.trace.add(this.now, `n${id} resume (${node.inbox.length} datagrams waiting, ${node.inboxDropped} dropped)`)
    node.inboxDropped = 0
    // libuv runs due timers before polling sockets: the stalled process sees its timeouts first.
    node.core!.tick(this.now)
    this.#drain(node)
    for (const d of node.inbox.splice(0)) this.#receive(node, d.bytes, d.altered)
  }

  /** Queues one workload message; returns the engine's answer. */
  mcast(id: NodeId, size: number, guarantee: Guarantee): McastResult {
    const node = this.node(id)
    if (!node.alive || node.paused) return 'stopped'
    const message = { origin: id, incarnation: node.incarnation, counter: node.nextCounter }
    const result = node.engine!.mcast(encodeWorkloadMessage(message, size), { guarantee })
    if (result === 'ok') {
      node.nextCounter++
      node.accepted++
      for (const o of this.observers) o.submitted?.(this.now, message)
    } else {
      node.refused++
      if (result === 'queue-full') node.waitingWritable = true
    }
    this.#drain(node)
    return result
  }

  /** Applies the output a node's core produced outside a simulated input (e.g. a workload request). */
  flush(node: SimNode): void {
    this.#drain(node)
  }

  incarnation(node: SimNode): Incarnation {
    return { node: node.id, incarnation: node.incarnation }
  }

  #forget(node: SimNode): void {
    const who = this.incarnation(node)
    this.#cancelTimer(node)
    node.core = undefined
    node.pausedUntil = undefined
    node.inbox.length = 0
    for (const o of this.observers) o.crashed?.(this.now, who)
  }

  #arrive(_from: NodeId, to: NodeId, bytes: Uint8Array, altered: boolean): void {
    const node = this.nodes.get(to)
    if (node === undefined || !node.alive) return
    if (node.paused) {
      if (node.inbox.length < PAUSED_INBOX_MAX) node.inbox.push({ bytes, altered })
      else node.inboxDropped++
      return
    }
    this.#receive(node, bytes, altered)
  }

  #receive(node: SimNode, bytes: Uint8Array, altered: boolean): void {
    const decoded = this.codec.decode(bytes)
    if (!decoded.ok) {
      // Every frame a node encodes must decode everywhere; only damage in flight may fail.
      if (!altered) throw new InvariantViolation('codec', `n${node.id} could not decode a frame: ${decoded.reason} ${decoded.detail}`)
      this.corruption.dropped[decoded.reason] = (this.corruption.dropped[decoded.reason] ?? 0) + 1
      return
    }
    if (altered) {
      this.corruption.accepted++
      this.trace.add(this.now, `n${node.id} accepted a damaged ${decoded.frame.body.kind} frame from n${decoded.frame.sender}`)
    }
    node.core!.receive(this.now, decoded.frame)
    this.#drain(node)
  }

  #onTimer(node: SimNode): void {
    node.timerEvent = undefined
    node.timerAt = Infinity
    if (!node.alive || node.paused) return
    node.core!.tick(this.now)
    this.#drain(node)
  }

  #cancelTimer(node: SimNode): void {
    if (node.timerEvent !== undefined) this.heap.cancel(node.timerEvent)
    node.timerEvent = undefined
    node.timerAt = Infinity
  }

  #drain(node: SimNode): void {
    const core = node.core
    if (core === undefined) return
    const output = core.takeOutput()
    if (output.persistRingSeq !== undefined) node.storedRingSeq = output.persistRingSeq
    for (const send of output.sends) {
      const bytes = this.codec.encode(send.frame)
      assert(bytes.length <= this.codec.frameSizeMax, `n${node.id} produced a ${bytes.length}-byte frame (max ${this.codec.frameSizeMax})`)
      if (send.kind === 'unicast') {
        this.#submit(node.id, send.to, send.frame, bytes)
        continue
      }
      for (const other of this.#nodeIds) if (other !== node.id) this.#submit(node.id, other, send.frame, bytes)
      if (send.loopback) this.#submit(node.id, node.id, send.frame, bytes)
    }
    for (const event of output.events) {
      if (this.#dispatchHook !== undefined) this.#dispatchHook(this, node, event)
      else this.#dispatch(node, event as TotemEvent)
    }
    if (!node.alive || node.paused) return
    const at = core.nextDeadline()
    if (at !== node.timerAt) {
      this.#cancelTimer(node)
      if (at !== Infinity) {
        node.timerAt = at
        node.timerEvent = this.schedule(Math.max(at, this.now), () => { this.#onTimer(node) })
      }
    }
  }

  #submit(from: NodeId, to: NodeId, frame: Frame, bytes: Uint8Array): void {
    if (this.filter !== undefined && !this.filter(from, to, frame)) return
    this.network.submit(this.now, from, to, bytes)
  }

  #dispatch(node: SimNode, event: TotemEvent): void {
    const who = this.incarnation(node)
    switch (event.type) {
      case 'deliver': {
        const id = decodeWorkloadMessage(event.payload)
        // Without the checksum a damaged payload may be delivered: only liveness is checked then.
        if (!this.codec.checksum) return
        if (typeof id === 'string') throw new InvariantViolation('integrity', `n${node.id}: ${id}`)
        // In a transitional configuration "safe" only covers the transitional members (EVS).
        if (event.guarantee === 'safe' && !node.inTransitional) this.#checkSafe(node, event.ringId, event.seq)
        for (const o of this.observers) o.delivered?.(this.now, who, id, event)
        return
      }
      case 'configuration':
        node.inTransitional = event.kind === 'transitional'
        this.trace.add(this.now, `n${node.id} ${event.kind} ${ringIdString(event.ringId)} [${event.members.join(',')}]` +
          `${event.left.length ? ` left ${event.left.join(',')}` : ''}${event.joined.length ? ` joined ${event.joined.join(',')}` : ''}`)
        for (const o of this.observers) o.configuration?.(this.now, who, event)
        return
      case 'state':
        this.trace.add(this.now, `n${node.id} ${event.state.toUpperCase()}: ${event.reason}`)
        return
      case 'warning':
        this.trace.add(this.now, `n${node.id} warning ${event.code}: ${event.message}`)
        return
      case 'writable':
        node.waitingWritable = false
        return
    }
  }

  /** A safe delivery promises every member of the ring holds the message: ask the members still in it. */
  #checkSafe(node: SimNode, ringId: { rep: number; seq: number }, seq: number): void {
    for (const other of this.nodes.values()) {
      const engine = other.engine
      if (other === node || engine === undefined || engine.state !== 'operational') continue
      if (engine.ringId.seq !== ringId.seq || engine.ringId.rep !== ringId.rep) continue
      if (!seqLte(seq, engine.receivedUpTo) && !engine.hasReceived(seq)) {
        throw new InvariantViolation('safe', `n${node.id} delivered safe message ${ringIdString(ringId)}@${seq} before member n${other.id} received it`)
      }
    }
  }
}
