import { ServiceHost, type HostEvent } from '../../lib/services/host.js'
import { LckService } from '../../lib/services/lck/service.js'
import type { LckLostEvent, LckTraceEntry } from '../../lib/services/lck/types.js'
import { votequorum } from '../../lib/services/quorum/votequorum.js'
import type { ClientAnswer, Service } from '../../lib/services/service.js'
import { totemConfig, type TotemOptions } from '../../lib/totem/config.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { Simulation } from '../../lib/sim/simulation.js'
import { LAN } from '../sim/world.js'

export const CLIENT = 'app'

/** One acquire as the test sees it: its answer once there is one. */
export interface Pending {
  readonly node: NodeId
  readonly requestId: number
  readonly waiterId: string
  answer: ClientAnswer | undefined
}

export interface Grant {
  readonly holderId: string
  readonly fencingToken: bigint
}

export interface LckWorldOptions {
  /** Add votequorum (expected votes = the nodelist); without it every partition is quorate. */
  readonly quorum?: boolean
  readonly lockDelayMs?: number
  readonly totem?: TotemOptions
  readonly seed?: number
}

/**
 * Simulated nodes running ServiceHost with LCK (and votequorum): real Totem,
 * real sync, a clean LAN unless a test partitions it. Collects answers,
 * lost events and trace entries per node.
 */
export class LckWorld {
  readonly sim: Simulation
  readonly ids: readonly NodeId[]
  readonly answers = new Map<string, ClientAnswer>()
  readonly lost: (LckLostEvent & { node: NodeId })[] = []
  readonly trace: LckTraceEntry[] = []
  #requestId = 0
  #waiter = 0

  constructor(ids: readonly NodeId[], options: LckWorldOptions = {}) {
    this.ids = ids
    const config = totemConfig(options.totem ?? {}, ids.length)
    this.sim = new Simulation({
      seed: options.seed ?? 1, nodes: ids, totem: options.totem ?? {}, network: LAN,
      core: (init) => {
        const services: Service[] = [new LckService({ lockDelayMs: options.lockDelayMs ?? 0, trace: (e) => { this.trace.push(e) } })]
        if (options.quorum === true) services.push(votequorum({ self: init.id, nodes: ids.map((nodeId) => ({ nodeId, addr: '' })), quorum: {} }))
        return new ServiceHost({ self: init.id, nodes: init.nodes, config, ringSeq: init.ringSeq, seed: init.seed, log: init.log, services })
      },
      dispatch: (_sim, node, event) => { this.#onEvent(node.id, event as HostEvent) },
    })
    if (process.env['HA_TRACE'] !== undefined) this.sim.trace.echo = (line) => { console.log(line) }
  }

  host(id: NodeId): ServiceHost {
    return this.sim.node(id).core as ServiceHost
  }

  lck(id: NodeId): LckService {
    return this.host(id).services.find((s) => s.name === 'lck') as LckService
  }

  startAll(): void {
    for (const id of this.ids) this.sim.start(id)
  }

  run(ms: number): void {
    this.sim.runUntil(this.sim.now + ms)
  }

  runUntil(done: () => boolean, budgetMs: number, what = 'condition'): void {
    const start = this.sim.now
    while (!done()) {
      if (this.sim.now - start > budgetMs) throw new Error(`${what} not reached within ${budgetMs} ms virtual`)
      this.sim.runUntil(this.sim.now + 5)
    }
  }

  /** Every listed node operational in one ring of exactly them, synchronised, granting if quorate. */
  settled(ids: readonly NodeId[]): boolean {
    const hosts = ids.map((id) => this.sim.node(id).core as ServiceHost | undefined)
    const first = hosts[0]?.engine
    return hosts.every((h) => h !== undefined && h.engine.state === 'operational' && !h.syncing &&
      h.engine.ringId.seq === first!.ringId.seq && h.engine.ringId.rep === first!.ringId.rep &&
      h.engine.members.join(',') === [...ids].sort((a, b) => a - b).join(',') &&
      (!h.quorate || (h.services.find((s) => s.name === 'lck') as LckService).granting))
  }

  waitSettled(ids: readonly NodeId[] = this.ids, budgetMs = 20_000): void {
    this.runUntil(() => this.settled(ids), budgetMs, `one settled ring of ${ids.join(',')}`)
  }

  request(node: NodeId, op: string, args: Record<string, unknown>): Pending {
    const requestId = ++this.#requestId
    const pending: Pending = { node, requestId, waiterId: String(args['waiterId'] ?? ''), answer: undefined }
    this.host(node).request(this.sim.now, 'lck', { client: CLIENT, op, args, id: requestId })
    this.sim.flush(this.sim.node(node))
    pending.answer = this.answers.get(`${node}/${requestId}`)
    this.#watch.set(`${node}/${requestId}`, pending)
    return pending
  }

  acquire(node: NodeId, name: string, options: { mode?: 'exclusive' | 'shared'; try?: boolean; timeoutMs?: number } = {}): Pending {
    return this.request(node, 'acquire', {
      name, mode: options.mode ?? 'exclusive', try: options.try ?? false, waiterId: `w${++this.#waiter}`,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    })
  }

  release(node: NodeId, holderId: string): Pending {
    return this.request(node, 'release', { holderId })
  }

  cancel(p: Pending): Pending {
    return this.request(p.node, 'cancel', { waiterId: p.waiterId })
  }

  /** Runs until the request is answered. */
  answered(p: Pending, budgetMs = 10_000): ClientAnswer {
    this.runUntil(() => p.answer !== undefined, budgetMs, `answer to request ${p.requestId} on n${p.node}`)
    return p.answer!
  }

  granted(p: Pending, budgetMs = 10_000): Grant {
    const a = this.answered(p, budgetMs)
    if (!a.ok || a.value === null || a.value === undefined) throw new Error(`request ${p.requestId} on n${p.node} not granted: ${JSON.stringify(a, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)}`)
    return a.value as Grant
  }

  readonly #watch = new Map<string, Pending>()

  #onEvent(node: NodeId, event: HostEvent): void {
    if (event.type === 'answer') {
      const key = `${node}/${event.answer.id}`
      this.answers.set(key, event.answer)
      const p = this.#watch.get(key)
      if (p !== undefined) p.answer = event.answer
    } else if (event.type === 'service' && event.service === 'lck') {
      this.lost.push({ ...(event.event as LckLostEvent), node })
    }
  }
}
