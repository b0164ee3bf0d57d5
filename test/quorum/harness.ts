import type { NodeConfig, QuorumOptions } from '../../lib/cluster/options.js'
import { votequorum, type QuorumEvent, type QuorumState } from '../../lib/services/quorum/votequorum.js'
import type { ClientAnswer, Service, ServiceContext } from '../../lib/services/service.js'
import type { McastResult } from '../../lib/totem/events.js'
import { NO_RING, type NodeId, type RingId } from '../../lib/totem/ring-id.js'

/**
 * A tiny service host for votequorum tests: every partition is a group with
 * its own total order (each multicast is delivered to all group members in
 * send order), configuration changes run one sync round per group (init on
 * all, process and deliver interleaved at random, activate on all), timers
 * fire when the virtual clock passes them.
 */

export type Rng = () => number

/** Small deterministic PRNG (mulberry32), so failures replay from their seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random element of a non-empty list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!
}

/** One simulated node: its service and what the host recorded for it. */
export interface Instance {
  readonly id: NodeId
  service: Service & { readonly state: QuorumState }
  ring: RingId
  members: readonly NodeId[]
  readonly events: QuorumEvent[]
  readonly timers: Map<string, number>
  readonly logs: string[]
}

interface Group {
  readonly members: readonly NodeId[]
  readonly queue: { from: NodeId; body: Uint8Array }[]
}

/** A nodelist with addresses; `votes` sets quorum_votes per node. */
export function nodeList(ids: readonly NodeId[], votes?: (id: NodeId) => number): NodeConfig[] {
  return ids.map((nodeId) => (votes === undefined ? { nodeId, addr: `10.0.0.${nodeId}` } : { nodeId, addr: `10.0.0.${nodeId}`, votes: votes(nodeId) }))
}

/** Plays the service host for several votequorum instances (see the file comment). */
export class QuorumHarness {
  now = 0
  /** Probability that a syncMcast is refused with queue-full (syncProcess must retry). */
  queueFullRate = 0
  /** Called once per configuration change, after every syncInit and before any syncProcess. */
  afterSyncInit: (() => void) | undefined
  readonly instances = new Map<NodeId, Instance>()
  readonly #nodes: readonly NodeConfig[]
  readonly #quorum: QuorumOptions
  readonly #rng: Rng
  #groups: Group[] = []
  #seq = 0

  constructor(nodes: readonly NodeConfig[], quorum: QuorumOptions, rng: Rng = mulberry32(1)) {
    this.#nodes = nodes
    this.#quorum = quorum
    this.#rng = rng
    for (const n of nodes) this.restart(n.nodeId)
  }

  /** A fresh process on this node (its old state is gone). */
  restart(id: NodeId): void {
    const service = votequorum({ self: id, nodes: this.#nodes, quorum: this.#quorum })
    this.instances.set(id, { id, service, ring: NO_RING, members: [], events: [], timers: new Map(), logs: [] })
  }

  get(id: NodeId): Instance {
    const inst = this.instances.get(id)
    if (inst === undefined) throw new Error(`no node ${id}`)
    return inst
  }

  state(id: NodeId): QuorumState {
    return this.get(id).service.state
  }

  context(inst: Instance): ServiceContext {
    const send = (body: Uint8Array): McastResult => {
      const group = this.#groups.find((g) => g.members.includes(inst.id))
      if (group === undefined) return 'stopped'
      group.queue.push({ from: inst.id, body })
      return 'ok'
    }
    return {
      self: inst.id,
      now: this.now,
      ringId: inst.ring,
      members: inst.members,
      mcast: send,
      syncMcast: (body) => (this.#rng() < this.queueFullRate ? 'queue-full' : send(body)),
      setTimer: (name, at) => inst.timers.set(name, at),
      cancelTimer: (name) => inst.timers.delete(name),
      emit: (event) => inst.events.push(event as QuorumEvent),
      quorate: inst.service.state.quorate,
      log: (message) => inst.logs.push(message),
    }
  }

  /**
   * New configurations: each group becomes a ring and runs a sync round.
   * Nodes in no group are down (they keep their state, see nothing).
   * Messages still queued in the old rings are delivered first (EVS).
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.flush()
    this.#groups = groups.map((members) => ({ members: [...members].sort((a, b) => a - b), queue: [] }))
    for (const group of this.#groups) {
      const ring: RingId = { rep: group.members[0]!, seq: ++this.#seq }
      for (const id of group.members) {
        const inst = this.get(id)
        const transitional = inst.members.filter((m) => group.members.includes(m))
        inst.ring = ring
        inst.members = group.members
        inst.service.syncInit(this.context(inst), transitional.length > 0 ? transitional : [id], group.members, ring)
      }
    }
    this.afterSyncInit?.()
    for (const group of this.#groups) this.#sync(group)
  }

  #sync(group: Group): void {
    const pending = new Set(group.members)
    for (let steps = 0; pending.size > 0 || group.queue.length > 0; steps++) {
      if (steps > 10000) throw new Error('sync round does not finish')
      if (pending.size > 0 && (group.queue.length === 0 || this.#rng() < 0.5)) {
        const id = pick(this.#rng, [...pending])
        const inst = this.get(id)
        if (inst.service.syncProcess(this.context(inst))) pending.delete(id)
      } else {
        this.#deliverNext(group)
      }
    }
    for (const id of group.members) {
      const inst = this.get(id)
      inst.service.syncActivate(this.context(inst))
    }
  }

  #deliverNext(group: Group): void {
    const message = group.queue.shift()
    if (message === undefined) return
    for (const id of group.members) {
      const inst = this.get(id)
      inst.service.deliver(this.context(inst), message.from, message.body)
    }
  }

  /** Delivers every queued ordinary multicast, in order, to its group. */
  flush(): void {
    for (const group of this.#groups) while (group.queue.length > 0) this.#deliverNext(group)
  }

  /** Moves the clock and fires due timers in time order. */
  advance(ms: number): void {
    this.now += ms
    for (;;) {
      const due = [...this.instances.values()]
        .flatMap((inst) => [...inst.timers].map(([name, at]) => ({ inst, name, at })))
        .filter((t) => t.at <= this.now)
        .sort((a, b) => a.at - b.at || a.inst.id - b.inst.id)
      const next = due[0]
      if (next === undefined) return
      next.inst.timers.delete(next.name)
      next.inst.service.timer?.(this.context(next.inst), next.name)
    }
  }

  /** A client request on one node; ordinary multicasts it caused are delivered before returning. */
  request(id: NodeId, op: string, args: unknown = {}): ClientAnswer {
    const inst = this.get(id)
    let answer: ClientAnswer | undefined
    inst.service.request?.(this.context(inst), { client: 'c1', op, args, id: 1 }, (a) => (answer = a))
    this.flush()
    if (answer === undefined) throw new Error(`no answer to ${op}`)
    return answer
  }

  /** The groups of the current configuration. */
  get groups(): readonly (readonly NodeId[])[] {
    return this.#groups.map((g) => g.members)
  }
}
