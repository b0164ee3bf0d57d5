import type { TotemOptions } from '../../lib/totem/config.js'
import type { ConfigurationChange } from '../../lib/totem/events.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import type { NetworkOptions } from '../../lib/sim/network.js'
import { OrderChecker } from '../../lib/sim/checkers/order.js'
import { VirtualSynchronyChecker } from '../../lib/sim/checkers/virtual-synchrony.js'
import type { MessageId } from '../../lib/sim/checkers/observer.js'
import { Simulation } from '../../lib/sim/simulation.js'

/** A clean LAN: 1–2 ms delays, no loss. Scenarios add their own faults. */
export const LAN: NetworkOptions = { delayMinMs: 1, delayMeanMs: 0.5, loss: [0, 1], duplicate: [0, 1], linkCapacityMax: 1024 }

export interface ConfigRecord extends ConfigurationChange {
  readonly at: number
  readonly node: NodeId
}

/** A simulation with every checker attached and a log of configurations and deliveries per node. */
export class World {
  readonly sim: Simulation
  readonly order = new OrderChecker()
  readonly vs = new VirtualSynchronyChecker()
  readonly configs: ConfigRecord[] = []
  readonly delivered = new Map<NodeId, MessageId[]>()

  constructor(nodes: readonly NodeId[], options: { totem?: TotemOptions; network?: NetworkOptions; seed?: number } = {}) {
    this.sim = new Simulation({ seed: options.seed ?? 1, nodes, totem: options.totem ?? {}, network: options.network ?? LAN })
    this.sim.observe(this.order)
    this.sim.observe(this.vs)
    this.sim.observe({
      configuration: (at, who, change) => { this.configs.push({ ...change, at, node: who.node }) },
      delivered: (_at, who, id) => {
        const list = this.delivered.get(who.node) ?? []
        list.push(id)
        this.delivered.set(who.node, list)
      },
      crashed: (_at, who) => { this.delivered.delete(who.node) },
    })
    if (process.env['HA_TRACE'] !== undefined) this.sim.trace.echo = (line) => console.log(line)
  }

  startAll(): void {
    for (const id of this.sim.nodes.keys()) this.sim.start(id)
  }

  run(ms: number): void {
    this.sim.runUntil(this.sim.now + ms)
  }

  /** Runs in small steps until `done` holds; fails after `budgetMs` of virtual time. */
  runUntil(done: () => boolean, budgetMs: number): number {
    const start = this.sim.now
    while (!done()) {
      if (this.sim.now - start > budgetMs) throw new Error(`condition not reached within ${budgetMs} ms virtual`)
      this.sim.runUntil(this.sim.now + 5)
    }
    return this.sim.now - start
  }

  /** Every listed node operational in one ring made of exactly them. */
  oneRing(ids: readonly NodeId[]): boolean {
    const engines = ids.map((id) => this.sim.node(id).engine)
    const first = engines[0]
    if (first === undefined) return false
    return engines.every((e) => e !== undefined && e.state === 'operational' && e.ringId.seq === first.ringId.seq &&
      e.ringId.rep === first.ringId.rep && e.members.join(',') === [...ids].sort((a, b) => a - b).join(','))
  }

  lastRegular(node: NodeId): ConfigRecord | undefined {
    return this.configs.filter((c) => c.node === node && c.kind === 'regular').at(-1)
  }

  lastTransitional(node: NodeId): ConfigRecord | undefined {
    return this.configs.filter((c) => c.node === node && c.kind === 'transitional').at(-1)
  }
}
