import type { TotemConfig } from '../totem/config.js'
import { TotemEngine } from '../totem/engine.js'
import type { ConfigurationChange, Outgoing, TotemEvent, TotemState, WarningCode } from '../totem/events.js'
import { NO_RING, type NodeId, type RingId } from '../totem/ring-id.js'
import { assert } from '../util/assert.js'
import type { Frame } from '../wire/frames.js'
import { ServiceCodec, SYNC_SERVICE_ID } from './envelope.js'
import type { ClientAnswer, ClientRequest, Service, ServiceContext } from './service.js'
import { SyncRound } from './sync.js'

export type HostEvent =
  | { readonly type: 'service'; readonly service: string; readonly event: unknown }
  | { readonly type: 'answer'; readonly answer: ClientAnswer }
  | { readonly type: 'configuration'; readonly change: ConfigurationChange }
  | { readonly type: 'state'; readonly state: TotemState; readonly reason: string }
  | { readonly type: 'warning'; readonly code: WarningCode; readonly message: string }
  | { readonly type: 'sync'; readonly phase: 'started' | 'completed'; readonly ringId: RingId }
  | { readonly type: 'writable' }

export interface HostOutput {
  readonly persistRingSeq: number | undefined
  readonly sends: readonly Outgoing[]
  readonly events: readonly HostEvent[]
}

export interface HostInit {
  readonly self: NodeId
  readonly nodes: readonly NodeId[]
  readonly config: TotemConfig
  readonly ringSeq: number
  readonly services: readonly Service[]
  readonly seed?: number
  /** Bytes a transport wrapper (secauth) adds to every datagram. */
  readonly envelopeBytes?: number
  /** Log lines of the engine (`layer` totem), of sync (`sync`) and of each service (its name). */
  readonly log?: (message: string, layer?: string) => void
}

/** A service that can tell whether this partition is quorate (votequorum). */
interface QuorumSource { readonly state: { readonly quorate: boolean } }

const OUTPUT_ROUNDS_MAX = 1000

/**
 * The executive (corosync main.c + service.c): one Totem engine and the
 * services on top of it, still a pure state machine. Routes each delivered
 * message to its service, runs sync v2 after every configuration change
 * (application traffic is held back until it completes), gates requests on
 * quorum and keeps the services' timers.
 */
export class ServiceHost {
  readonly engine: TotemEngine
  readonly #services: Service[]
  readonly #byId = new Map<number, Service>()
  readonly #codec = new ServiceCodec()
  readonly #sync: SyncRound
  readonly #contexts = new Map<Service, ServiceContext>()
  readonly #timers = new Map<string, { service: Service; name: string; at: number }>()
  readonly #log: (message: string, layer?: string) => void
  readonly #quorum: QuorumSource | undefined
  #now = 0
  #wasQuorate = false
  #ringId: RingId = NO_RING
  #members: readonly NodeId[] = []
  #previousMembers: readonly NodeId[] = []
  #transitional: readonly NodeId[] = []
  #persist: number | undefined
  #sends: Outgoing[] = []
  #events: HostEvent[] = []
  /** Delivered messages no local service claims (another version, or a service not configured here). */
  unroutable = 0

  constructor(init: HostInit) {
    this.#services = [...init.services].sort((a, b) => a.id - b.id)
    for (const s of this.#services) {
      assert(!this.#byId.has(s.id) && s.id !== SYNC_SERVICE_ID, `duplicate or reserved service id ${s.id}`)
      this.#byId.set(s.id, s)
    }
    for (const s of this.#services) {
      for (const d of s.dependencies) assert(this.#services.some((o) => o.name === d), `service ${s.name} needs ${d}`)
    }
    this.#log = init.log ?? (() => {})
    this.#quorum = this.#services.find((s) => s.name === 'votequorum') as unknown as QuorumSource | undefined
    this.engine = new TotemEngine({
      self: init.self, nodes: init.nodes, config: init.config, ringSeq: init.ringSeq, autoTransAck: false,
      ...(init.envelopeBytes === undefined ? {} : { envelopeBytes: init.envelopeBytes }),
      ...(init.seed === undefined ? {} : { seed: init.seed }), log: (message) => { this.#log(message, 'totem') },
    })
    this.#sync = new SyncRound({
      services: this.#services,
      context: (s) => this.#context(s),
      send: (message) => this.#roundIsCurrent()
        ? this.engine.mcast(this.#codec.encodeSync(message), { lane: 'sync' })
        : 'queue-full',
      completed: (ring) => { this.#syncCompleted(ring) },
      log: (message) => { this.#log(message, 'sync') },
    })
  }

  get quorate(): boolean { return this.#quorum?.state.quorate ?? true }
  /** The services this host runs, in id order. */
  get services(): readonly Service[] { return this.#services }
  get ringId(): RingId { return this.#ringId }
  get members(): readonly NodeId[] { return this.#members }
  get syncing(): boolean { return this.#sync.active }

  start(now: number): void {
    this.#now = now
    this.engine.start(now)
    this.#drain()
  }

  receive(now: number, frame: Frame): void {
    this.#now = now
    this.engine.receive(now, frame)
    this.#drain()
  }

  tick(now: number): void {
    this.#now = now
    this.engine.tick(now)
    this.#drain()
    for (const [key, timer] of [...this.#timers].sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : 1))) {
      if (timer.at > now) break
      this.#timers.delete(key)
      timer.service.timer?.(this.#context(timer.service), timer.name)
      this.#drain()
      this.#noticeQuorum()
    }
  }

  /** A local client's request to a service; the answer comes back as an 'answer' event. */
  request(now: number, service: string, request: ClientRequest): void {
    this.#now = now
    const target = this.#services.find((s) => s.name === service)
    const answer = (a: ClientAnswer): void => { this.#events.push({ type: 'answer', answer: a }) }
    if (target?.request === undefined) {
      answer({ client: request.client, id: request.id, ok: false, code: 'ERR_NOT_EXIST', message: `no service ${service} on this node` })
    } else if (!target.allowInquorate && !this.quorate) {
      answer({ client: request.client, id: request.id, ok: false, code: 'ERR_NO_QUORUM', message: `${service} needs quorum and this partition has none` })
    } else {
      target.request(this.#context(target), request, answer)
    }
    this.#drain()
  }

  /** A local client connection closed: services drop what it held (CPG PROCDOWN, lock releases, …). */
  clientGone(now: number, client: string): void {
    this.#now = now
    for (const s of this.#services) s.clientGone?.(this.#context(s), client)
    this.#drain()
  }

  leave(now: number): void {
    this.#now = now
    this.engine.leave(now)
    this.#drain()
  }

  nextDeadline(): number {
    let at = this.engine.nextDeadline()
    for (const timer of this.#timers.values()) if (timer.at < at) at = timer.at
    return at
  }

  takeOutput(): HostOutput {
    const out: HostOutput = { persistRingSeq: this.#persist, sends: this.#sends, events: this.#events }
    this.#persist = undefined
    this.#sends = []
    this.#events = []
    return out
  }

  /** Moves engine output into host output, letting services react, until nothing new comes out. */
  #drain(): void {
    for (let round = 0; ; round++) {
      assert(round < OUTPUT_ROUNDS_MAX, 'service host keeps producing output in one step')
      this.#sync.pump()
      const out = this.engine.takeOutput()
      if (out.persistRingSeq !== undefined) this.#persist = out.persistRingSeq
      if (out.sends.length === 0 && out.events.length === 0) return
      for (const s of out.sends) this.#sends.push(s)
      for (const e of out.events) {
        this.#onEngineEvent(e)
        this.#noticeQuorum()
      }
    }
  }

  /** Tells services when votequorum's verdict flipped (it changes only at points of the total order). */
  #noticeQuorum(): void {
    const quorate = this.quorate
    if (quorate === this.#wasQuorate) return
    this.#wasQuorate = quorate
    for (const s of this.#services) s.quorumChanged?.(this.#context(s), quorate)
  }

  #onEngineEvent(event: TotemEvent): void {
    switch (event.type) {
      case 'deliver': return this.#route(event.origin, event.payload)
      case 'configuration': return this.#configuration(event)
      case 'state': this.#events.push({ type: 'state', state: event.state, reason: event.reason }); return
      case 'warning': this.#events.push({ type: 'warning', code: event.code, message: event.message }); return
      case 'writable':
        this.#events.push({ type: 'writable' })
        for (const s of this.#services) s.writable?.(this.#context(s))
        return
    }
  }

  #route(origin: NodeId, payload: Uint8Array): void {
    const envelope = this.#codec.unwrap(payload)
    if (envelope === undefined) {
      this.unroutable++
      return
    }
    if (envelope.service === SYNC_SERVICE_ID) {
      const message = this.#codec.decodeSync(envelope.body)
      if (message === undefined) this.unroutable++
      else this.#sync.onMessage(origin, message)
      return
    }
    const service = this.#byId.get(envelope.service)
    if (service === undefined) {
      this.unroutable++
      return
    }
    service.deliver(this.#context(service), origin, envelope.body)
  }

  #configuration(change: ConfigurationChange): void {
    this.#sync.abort()
    for (const s of this.#services) s.configurationChange?.(this.#context(s), change)
    if (change.kind === 'transitional') {
      this.#transitional = change.members
    } else {
      this.#previousMembers = this.#members
      this.#ringId = change.ringId
      this.#members = change.members
      this.#events.push({ type: 'sync', phase: 'started', ringId: change.ringId })
      this.#sync.start(change.ringId, this.#transitional, change.members)
    }
    this.#events.push({ type: 'configuration', change })
  }

  #syncCompleted(ring: RingId): void {
    this.#log(`Completed service synchronization of ring ${ring.rep}.${ring.seq}, ready to provide service`, 'sync')
    this.engine.transAck(ring)
    this.#events.push({ type: 'sync', phase: 'completed', ringId: ring })
  }

  /**
   * The engine may already be in a newer ring than the events being processed:
   * sync traffic of the older round would then land in the new ring. Hold it;
   * the newer configuration event aborts that round anyway.
   */
  #roundIsCurrent(): boolean {
    const ring = this.#sync.ring
    return ring !== undefined && ring.seq === this.engine.ringId.seq && ring.rep === this.engine.ringId.rep
  }

  /** Members of the regular configuration before the current one (CPG's downlist needs it). */
  get previousMembers(): readonly NodeId[] { return this.#previousMembers }

  #context(service: Service): ServiceContext {
    let ctx = this.#contexts.get(service)
    if (ctx !== undefined) return ctx
    const host = this
    const key = (name: string): string => `${service.id}:${name}`
    ctx = {
      get self() { return host.engine.self },
      get now() { return host.#now },
      get ringId() { return host.#ringId },
      get members() { return host.#members },
      get quorate() { return host.quorate },
      mcast: (body, options) => host.engine.mcast(host.#codec.wrap(service.id, body), {
        guarantee: options?.guarantee ?? 'agreed', ...(options?.bulk === true ? { lane: 'bulk' } : {}),
      }),
      syncMcast: (body) => host.#roundIsCurrent()
        ? host.engine.mcast(host.#codec.wrap(service.id, body), { lane: 'sync' })
        : 'queue-full',
      setTimer: (name, at) => { host.#timers.set(key(name), { service, name, at }) },
      cancelTimer: (name) => { host.#timers.delete(key(name)) },
      emit: (event) => { host.#events.push({ type: 'service', service: service.name, event }) },
      log: (message) => { host.#log(`${service.name}: ${message}`, service.name) },
    }
    this.#contexts.set(service, ctx)
    return ctx
  }
}
