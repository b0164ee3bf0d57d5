import { CkptService } from '../../lib/services/ckpt/service.js'
import type { CkptTraceEntry } from '../../lib/services/ckpt/types.js'
import { CpgService } from '../../lib/services/cpg/service.js'
import { ServiceHost, type HostEvent } from '../../lib/services/host.js'
import { votequorum } from '../../lib/services/quorum/votequorum.js'
import type { ClientAnswer, Service } from '../../lib/services/service.js'
import { Simulation } from '../../lib/sim/simulation.js'
import { totemConfig, type TotemOptions } from '../../lib/totem/config.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { LAN } from '../sim/world.js'


export interface CkptWorldOptions {
  readonly nodes: readonly NodeId[]
  readonly seed?: number
  readonly chunkBytes?: number
  readonly windowBytes?: number
  /** Also run CPG (id 2) on every node. */
  readonly cpg?: boolean
  readonly totem?: TotemOptions
  /** Give the service the node list (promotion of unfinished copies once everyone is back). */
  readonly nodeList?: boolean
}

export interface Recorded {
  readonly node: NodeId
  readonly at: number
  readonly service: string
  readonly event: Record<string, unknown>
}

/**
 * Real Totem engines and service hosts (CKPT + votequorum, optionally CPG)
 * under the simulator's virtual clock, with helpers to issue client requests
 * and run until they are answered.
 */
export class CkptWorld {
  readonly sim: Simulation
  readonly answers = new Map<string, ClientAnswer>()
  readonly events: Recorded[] = []
  readonly trace: CkptTraceEntry[] = []
  /** Called in the very step an answer is produced (before anything else runs on that node). */
  onAnswer: ((node: NodeId, answer: ClientAnswer) => void) | undefined
  #next = 0

  constructor(o: CkptWorldOptions) {
    const config = totemConfig({ ...o.totem, messageSizeMax: 1024 * 1024 + 4096 }, o.nodes.length)
    const nodes = o.nodes.map((nodeId) => ({ nodeId, addr: '' }))
    this.sim = new Simulation({
      seed: o.seed ?? 1, nodes: o.nodes, totem: o.totem ?? {}, network: LAN,
      core: (init) => {
        const services: Service[] = [
          new CkptService({
            trace: (e) => { this.trace.push(e) },
            ...(o.chunkBytes === undefined ? {} : { transferChunkBytes: o.chunkBytes }),
            ...(o.windowBytes === undefined ? {} : { transferWindowBytes: o.windowBytes }),
            ...(o.nodeList === true ? { nodes: o.nodes } : {}),
          }),
          votequorum({ self: init.id, nodes, quorum: {} }),
        ]
        if (o.cpg === true) services.push(new CpgService({ bootId: `i${init.incarnation}` }))
        return new ServiceHost({ self: init.id, nodes: init.nodes, config, ringSeq: init.ringSeq, seed: init.seed, log: init.log, services })
      },
      dispatch: (_s, node, e) => { this.#on(node.id, e as HostEvent) },
    })
    if (process.env['HA_TRACE'] !== undefined) this.sim.trace.echo = (line) => console.log(line)
  }

  host(id: NodeId): ServiceHost {
    const core = this.sim.node(id).core
    if (core === undefined) throw new Error(`node ${id} is down`)
    return core as ServiceHost
  }

  ckpt(id: NodeId): CkptService {
    return this.host(id).services.find((s) => s.name === 'ckpt') as CkptService
  }

  /** Issues a request; returns the key of its answer. */
  request(node: NodeId, op: string, args: unknown, service = 'ckpt', client = 'c'): string {
    const id = ++this.#next
    this.host(node).request(this.sim.now, service, { client, op, args, id })
    this.sim.flush(this.sim.node(node))
    return `${node}:${id}`
  }

  answer(key: string): ClientAnswer | undefined {
    return this.answers.get(key)
  }

  /** Issues a request and runs until it is answered. */
  call(node: NodeId, op: string, args: unknown, budgetMs = 10_000): ClientAnswer {
    const key = this.request(node, op, args)
    this.runUntil(() => this.answers.has(key), budgetMs, `answer to ${op} on node ${node}`)
    return this.answers.get(key)!
  }

  /** Like call, but the answer must be ok; returns its value. */
  ok(node: NodeId, op: string, args: unknown, budgetMs = 10_000): unknown {
    const a = this.call(node, op, args, budgetMs)
    if (!a.ok) throw new Error(`${op} on node ${node} failed: ${a.code} ${a.message}`)
    return a.value
  }

  run(ms: number): void {
    this.sim.runUntil(this.sim.now + ms)
  }

  /** Runs in small steps until `done` holds; throws after `budgetMs` of virtual time. */
  runUntil(done: () => boolean, budgetMs: number, what = 'condition'): number {
    const start = this.sim.now
    for (let at = start + 5; !done(); at += 5) {
      if (at - start > budgetMs + 5) throw new Error(`${what} not reached within ${budgetMs} ms virtual`)
      this.sim.runUntil(at)
    }
    return this.sim.now - start
  }

  /** Every listed node operational and synchronised in one ring made of exactly them. */
  oneRing(ids: readonly NodeId[]): boolean {
    const want = [...ids].sort((a, b) => a - b).join(',')
    const hosts = ids.map((id) => this.sim.node(id).core as ServiceHost | undefined)
    const first = hosts[0]?.engine.ringId
    return first !== undefined && hosts.every((h) => h !== undefined && h.engine.state === 'operational' && !h.syncing &&
      h.engine.ringId.seq === first.seq && h.engine.ringId.rep === first.rep && h.engine.members.join(',') === want)
  }

  startAll(): void {
    for (const id of this.sim.nodes.keys()) this.sim.start(id)
    this.waitRing([...this.sim.nodes.keys()])
  }

  waitRing(ids: readonly NodeId[], budgetMs = 20_000): void {
    this.runUntil(() => this.oneRing(ids), budgetMs, `one ring of ${ids.join(',')}`)
  }

  /** The ring of `ids` is formed and no transfer is under way on any of them. */
  waitIdle(ids: readonly NodeId[], budgetMs = 60_000): number {
    return this.runUntil(() => this.oneRing(ids) && ids.every((id) => !this.ckpt(id).transferring && this.host(id).engine.queuedBytes === 0), budgetMs, 'transfers done')
  }

  eventsOf(node: NodeId, type?: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.node === node && e.service === 'ckpt' && (type === undefined || e.event['type'] === type)).map((e) => e.event)
  }

  #on(node: NodeId, e: HostEvent): void {
    if (e.type === 'answer') {
      this.answers.set(`${node}:${e.answer.id}`, e.answer)
      this.onAnswer?.(node, e.answer)
    }
    else if (e.type === 'service') this.events.push({ node, at: this.sim.now, service: e.service, event: e.event as Record<string, unknown> })
    else if (e.type === 'configuration') this.sim.trace.add(this.sim.now, `n${node} ${e.change.kind} ${e.change.ringId.rep}.${e.change.ringId.seq} [${e.change.members.join(',')}]`)
  }
}

/** Deterministic bytes for a (tag, size): easy to check a read against. */
export function bytes(tag: number, size: number): Uint8Array {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = (tag * 31 + i * 7) & 0xff
  return out
}
