import { totemConfig, type TotemConfig, type TotemOptions } from '../../lib/totem/config.js'
import type { TotemEngine } from '../../lib/totem/engine.js'
import type { ConfigurationChange, Outgoing, TotemEvent, TotemOutput } from '../../lib/totem/events.js'
import type { NodeId, RingId } from '../../lib/totem/ring-id.js'
import { Srp } from '../../lib/totem/srp/srp.js'
import type { PacketDelivery, PulledPacket, SrpUpper } from '../../lib/totem/srp/upper.js'
import type { CommitToken, Frame, Guarantee, Mcast, OrfToken, RtrItem } from '../../lib/wire/frames.js'

/*
 * Test harness for the pure Totem core: frame builders, a recording upper
 * layer, and a perfect in-memory network with a virtual clock (every hop takes
 * `hopDelay` ms, loopback and unicast-to-self included, nothing is lost unless
 * a test asks for it).
 */

// ---------------------------------------------------------------- frames

export function joinFrame(
  sender: NodeId, procList: readonly NodeId[], failedList: readonly NodeId[] = [], ringSeq = 0, leave = false,
): Frame {
  return { sender, body: { kind: 'join', procList, failedList, ringSeq, leave } }
}

export interface TokenFields {
  tokenSeq: number
  seq: number
  aru: number
  aruAddr: NodeId
  backlog?: number
  fcc?: number
  retransFlg?: boolean
  rtr?: RtrItem[]
}

export function tokenBody(ringId: RingId, f: TokenFields): OrfToken {
  return {
    kind: 'token', ringId, tokenSeq: f.tokenSeq >>> 0, seq: f.seq >>> 0, aru: f.aru >>> 0, aruAddr: f.aruAddr,
    backlog: f.backlog ?? 0, fcc: f.fcc ?? 0, retransFlg: f.retransFlg ?? false, rtr: f.rtr ?? [],
  }
}

export function tokenFrame(sender: NodeId, ringId: RingId, f: TokenFields): Frame {
  return { sender, body: tokenBody(ringId, f) }
}

export function mcastBody(
  ringId: RingId, seq: number, origin: NodeId, guarantee: Guarantee = 'agreed', payload: Uint8Array = bytes(seq),
): Mcast {
  return { kind: 'mcast', ringId, seq: seq >>> 0, origin, guarantee, payload, recovered: undefined }
}

export function mcastFrame(sender: NodeId, message: Mcast): Frame {
  return { sender, body: message }
}

export function holdCancelFrame(sender: NodeId, ringId: RingId): Frame {
  return { sender, body: { kind: 'hold-cancel', ringId } }
}

/** A small payload that identifies its message. */
export function bytes(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
}

// ---------------------------------------------------------------- reading outputs

export function isToken(out: Outgoing): out is Outgoing & { kind: 'unicast'; frame: { body: OrfToken } } {
  return out.kind === 'unicast' && out.frame.body.kind === 'token'
}

export function tokensIn(sends: readonly Outgoing[]): Array<{ to: NodeId; token: OrfToken }> {
  const found: Array<{ to: NodeId; token: OrfToken }> = []
  for (const s of sends) if (s.kind === 'unicast' && s.frame.body.kind === 'token') found.push({ to: s.to, token: s.frame.body })
  return found
}

export function commitTokensIn(sends: readonly Outgoing[]): Array<{ to: NodeId; token: CommitToken }> {
  const found: Array<{ to: NodeId; token: CommitToken }> = []
  for (const s of sends) if (s.kind === 'unicast' && s.frame.body.kind === 'commit') found.push({ to: s.to, token: s.frame.body })
  return found
}

export function mcastsIn(sends: readonly Outgoing[]): Mcast[] {
  const found: Mcast[] = []
  for (const s of sends) if (s.kind === 'mcast' && s.frame.body.kind === 'mcast') found.push(s.frame.body)
  return found
}

export function joinsIn(sends: readonly Outgoing[]): Array<{ loopback: boolean; join: Frame['body'] & { kind: 'join' } }> {
  const found: Array<{ loopback: boolean; join: Frame['body'] & { kind: 'join' } }> = []
  for (const s of sends) if (s.kind === 'mcast' && s.frame.body.kind === 'join') found.push({ loopback: s.loopback, join: s.frame.body })
  return found
}

/** The only token in `sends`; throws otherwise. */
export function onlyToken(sends: readonly Outgoing[]): OrfToken {
  const tokens = tokensIn(sends)
  if (tokens.length !== 1) throw new Error(`expected exactly one token send, got ${tokens.length}`)
  return tokens[0]!.token
}

// ---------------------------------------------------------------- upper layer

/** A fake packing layer: a queue of packets to hand out, and a record of everything Totem did with it. */
export class RecordingUpper implements SrpUpper {
  pending: PulledPacket[] = []
  readonly pulls: Array<{ max: number; syncOnly: boolean; got: number }> = []
  readonly deliveries: PacketDelivery[] = []
  readonly configurations: ConfigurationChange[] = []

  queue(count: number, guarantee: Guarantee = 'agreed'): void {
    for (let i = 0; i < count; i++) this.pending.push({ payload: bytes(this.pending.length + 1), guarantee })
  }

  pull(max: number, syncOnly: boolean): readonly PulledPacket[] {
    const got = this.pending.splice(0, Math.max(0, max))
    this.pulls.push({ max, syncOnly, got: got.length })
    return got
  }

  backlog(): number {
    return this.pending.length
  }

  /** Payloads this layer cannot decode (a forger's or a bug's), refused at delivery. */
  undecodable: (payload: Uint8Array) => boolean = () => false

  deliver(packet: PacketDelivery): boolean {
    if (this.undecodable(packet.payload)) return false
    this.deliveries.push(packet)
    return true
  }

  decodable(payload: Uint8Array): boolean {
    return !this.undecodable(payload)
  }

  configuration(change: ConfigurationChange): void {
    this.configurations.push(change)
  }
}

export interface SrpNode {
  readonly srp: Srp
  readonly upper: RecordingUpper
}

export function makeSrp(self: NodeId, nodes: readonly NodeId[], options: TotemOptions = {}, ringSeq = 0): SrpNode {
  const upper = new RecordingUpper()
  const config: TotemConfig = totemConfig(options, nodes.length)
  return { srp: new Srp({ self, nodes, config, ringSeq, upper }), upper }
}

/** Takes (and clears) what an Srp produced. */
export function drainSrp(srp: Srp): TotemOutput {
  const output: TotemOutput = { persistRingSeq: srp.persistRingSeq, sends: srp.sends, events: srp.events }
  srp.persistRingSeq = undefined
  srp.sends = []
  srp.events = []
  return output
}

// ---------------------------------------------------------------- network

/** What the loop needs from a node: an Srp or a TotemEngine. */
export interface Driven {
  readonly self: NodeId
  start(now: number): void
  receive(now: number, frame: Frame): void
  tick(now: number): void
  nextDeadline(): number
  takeOutput(): TotemOutput
}

export function drivenSrp(srp: Srp): Driven {
  return {
    self: srp.self,
    start: (now) => srp.start(now),
    receive: (now, frame) => srp.receive(now, frame),
    tick: (now) => srp.tick(now),
    nextDeadline: () => srp.nextDeadline(),
    takeOutput: () => drainSrp(srp),
  }
}

export function drivenEngine(engine: TotemEngine): Driven {
  return {
    self: engine.self,
    start: (now) => engine.start(now),
    receive: (now, frame) => engine.receive(now, frame),
    tick: (now) => engine.tick(now),
    nextDeadline: () => engine.nextDeadline(),
    takeOutput: () => engine.takeOutput(),
  }
}

interface InFlight {
  readonly at: number
  readonly from: NodeId
  readonly to: NodeId
  readonly frame: Frame
}

export interface Recorded<T> {
  readonly at: number
  readonly node: NodeId
  readonly item: T
}

/**
 * A perfect network with a virtual clock. Multicasts reach every other node on
 * the loop (and the sender when `loopback` is set); unicasts reach their
 * target, the sender itself included. Every output is recorded with its time.
 */
export class Loop {
  now = 0
  hopDelay = 1
  /** Return true to lose a frame. */
  drop: (from: NodeId, to: NodeId, frame: Frame) => boolean = () => false
  readonly nodes = new Map<NodeId, Driven>()
  readonly outputs: Array<Recorded<TotemOutput>> = []
  readonly events: Array<Recorded<TotemEvent>> = []
  readonly sends: Array<Recorded<Outgoing>> = []
  #queue: InFlight[] = []

  add(node: Driven): void {
    this.nodes.set(node.self, node)
  }

  /** The node stops receiving and its timers stop (a crash, seen from the network). */
  remove(id: NodeId): void {
    this.nodes.delete(id)
  }

  start(id: NodeId): void {
    const node = this.#node(id)
    node.start(this.now)
    this.collect(id)
  }

  /** Takes a node's output and puts its sends on the wire. */
  collect(id: NodeId): TotemOutput {
    const output = this.#node(id).takeOutput()
    this.outputs.push({ at: this.now, node: id, item: output })
    for (const event of output.events) this.events.push({ at: this.now, node: id, item: event })
    for (const out of output.sends) {
      this.sends.push({ at: this.now, node: id, item: out })
      if (out.kind === 'unicast') this.#post(id, out.to, out.frame)
      else for (const to of this.nodes.keys()) if (to !== id || out.loopback) this.#post(id, to, out.frame)
    }
    return output
  }

  /** Runs one instant: every frame due, then every timer due. False when nothing is left before `limit`. */
  step(limit = Infinity): boolean {
    let at = this.#queue[0]?.at ?? Infinity
    for (const node of this.nodes.values()) at = Math.min(at, node.nextDeadline())
    if (at === Infinity || at > limit) return false
    this.now = Math.max(this.now, at)
    while (this.#queue.length > 0 && this.#queue[0]!.at <= this.now) {
      const f = this.#queue.shift()!
      const node = this.nodes.get(f.to)
      if (node === undefined) continue
      node.receive(this.now, f.frame)
      this.collect(f.to)
    }
    for (const [id, node] of [...this.nodes].sort((a, b) => a[0] - b[0])) {
      if (node.nextDeadline() <= this.now) {
        node.tick(this.now)
        this.collect(id)
      }
    }
    return true
  }

  runFor(ms: number): void {
    const end = this.now + ms
    while (this.step(end)) { /* keep going */ }
    this.now = Math.max(this.now, end)
  }

  /** Steps until `done` holds; throws when it has not after `budgetMs` of virtual time. */
  runUntil(done: () => boolean, budgetMs: number): number {
    const start = this.now
    while (!done()) {
      if (!this.step(start + budgetMs)) throw new Error(`condition not reached within ${budgetMs} ms of virtual time`)
    }
    return this.now - start
  }

  #post(from: NodeId, to: NodeId, frame: Frame): void {
    if (!this.nodes.has(to) || this.drop(from, to, frame)) return
    this.#queue.push({ at: this.now + this.hopDelay, from, to, frame })
  }

  #node(id: NodeId): Driven {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`node ${id} is not on the loop`)
    return node
  }
}

// ---------------------------------------------------------------- whole rings

export interface SrpRing {
  readonly loop: Loop
  readonly node: (id: NodeId) => SrpNode
}

/** Starts `running` (default: all of `nodes`) as Srps on a loop and runs until they share one operational ring. */
export function formSrpRing(nodes: readonly NodeId[], options: TotemOptions = {}, running: readonly NodeId[] = nodes): SrpRing {
  const loop = new Loop()
  const byId = new Map<NodeId, SrpNode>()
  for (const id of running) {
    const n = makeSrp(id, nodes, options)
    byId.set(id, n)
    loop.add(drivenSrp(n.srp))
  }
  const node = (id: NodeId): SrpNode => {
    const n = byId.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }
  for (const id of running) loop.start(id)
  loop.runUntil(() => oneRing(running.map((id) => node(id).srp), running), 60_000)
  for (const id of running) node(id).srp.transAck()
  return { loop, node }
}

/** Every Srp operational in the same ring made of exactly `members`. */
export function oneRing(srps: readonly Srp[], members: readonly NodeId[]): boolean {
  const first = srps[0]
  if (first === undefined) return false
  const want = [...members].sort((a, b) => a - b).join(',')
  return srps.every((s) => s.state === 'operational' && s.ringId.seq === first.ringId.seq &&
    s.ringId.rep === first.ringId.rep && s.membList.join(',') === want)
}

/**
 * Drives one Srp's timers alone from its current time up to `until`, ticking at
 * every deadline (as a host event loop would), and records what each tick produced.
 */
export function runTimers(srp: Srp, until: number): Array<Recorded<TotemOutput>> {
  const log: Array<Recorded<TotemOutput>> = []
  for (;;) {
    const at = srp.nextDeadline()
    if (at > until) break
    srp.tick(Math.max(at, srp.now))
    log.push({ at: srp.now, node: srp.self, item: drainSrp(srp) })
  }
  return log
}

/** The times at which a state event to `state` was produced in a timer log. */
export function stateChanges(log: ReadonlyArray<Recorded<TotemOutput>>): Array<{ at: number; state: string; reason: string }> {
  const found: Array<{ at: number; state: string; reason: string }> = []
  for (const r of log) for (const e of r.item.events) if (e.type === 'state') found.push({ at: r.at, state: e.state, reason: e.reason })
  return found
}
