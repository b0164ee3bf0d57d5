import { CpgService } from '../../services/cpg/service.js'
import type { CpgEvent, CpgTraceEntry } from '../../services/cpg/types.js'
import { ServiceHost, type HostEvent } from '../../services/host.js'
import type { Service } from '../../services/service.js'
import { totemConfig } from '../../totem/config.js'
import { ringIdString } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import { VirtualSynchronyChecker } from '../checkers/virtual-synchrony.js'
import { FaultProcess } from '../faults.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import type { SimCoreInit } from '../sim-core.js'
import type { SimNode } from '../sim-node.js'
import { Simulation } from '../simulation.js'
import { convergeBudget, processFaults, type RunReport, replayCommand, SimulationFailure } from '../swarm.js'
import { CpgChecker } from './cpg-checker.js'
import { CpgClients, cpgStep } from './cpg-workload.js'
import { clusterSettled } from './settled.js'
import { checkSinglePrimary } from './single-primary.js'
import { votequorum } from '../../services/quorum/votequorum.js'

const STEP_MS = 100
const GROUPS = ['alpha', 'beta', 'gamma']

/** Per node: its current CPG clients and which stream (ring, or transition) its events belong to. */
export interface NodeView {
  clients: CpgClients
  stream: string
  regular: string
  transition: string
}

export type ServiceFactory = (init: SimCoreInit, trace: (entry: CpgTraceEntry) => void) => Service[]

export const cpgServices: ServiceFactory = (init, trace) => [new CpgService({ bootId: `i${init.incarnation}`, trace })]

/** CPG and votequorum (expected votes = the nodelist, one vote each; wait_for_all on odd seeds). */
export const cpgQuorumServices: ServiceFactory = (init, trace) => [
  new CpgService({ bootId: `i${init.incarnation}`, trace }),
  votequorum({ self: init.id, nodes: init.nodes.map((nodeId) => ({ nodeId, addr: '' })), quorum: { waitForAll: init.seed % 2 === 1 } }),
]

/**
 * The swarm at service level: ServiceHost (sync v2 + CPG, + whatever the
 * factory adds) on every node, simulated CPG clients joining, leaving and
 * sending in a few groups, group-level virtual synchrony checked after every
 * event, then convergence of the group tables after healing.
 */
export function runClusterScenario(scenario: Scenario, services: ServiceFactory = cpgServices,
  echo?: (line: string) => void, mode?: 'corrupt'): RunReport & { cpgEvents: number } {
  const views = new Map<number, NodeView>()
  const checker = new CpgChecker()
  const vs = new VirtualSynchronyChecker()
  const config = totemConfig({ ...scenario.totem, messageSizeMax: 1024 * 1024 + 4096 }, scenario.nodes.length)
  const sim = new Simulation({
    seed: scenario.seed, nodes: scenario.nodes, totem: scenario.totem, network: scenario.network,
    core: (init) => new ServiceHost({
      self: init.id, nodes: init.nodes, config, ringSeq: init.ringSeq, seed: init.seed, log: init.log,
      services: services(init, (entry) => { checker.applied(init.id, init.incarnation, entry) }),
    }),
    dispatch: (s, node, event) => {
      onEvent(s, node, event as HostEvent, views, checker)
      checkSinglePrimary(s)
    },
  })
  sim.trace.echo = echo
  sim.observe(vs)
  sim.observe({ crashed: (_at, who) => { checker.crashed(who.node, who.incarnation) } })
  try {
    chaos(sim, scenario, views)
    const start = sim.now
    heal(sim)
    const budget = convergeBudget(sim, scenario)
    for (let at = start + STEP_MS; ; at += STEP_MS) {
      sim.runUntil(at)
      const why = clusterSettled(sim, views)
      if (why === undefined) break
      if (at > start + budget) throw new InvariantViolation('liveness', `no convergence within ${budget} ms after healing: ${why}`)
    }
    return {
      seed: scenario.seed, nodes: scenario.nodes.length, virtualMs: sim.now, convergedAfterMs: sim.now - start, events: sim.events,
      deliveries: checker.events, configurations: vs.configurations, cpgEvents: checker.events,
    }
  } catch (error) {
    const lines = [`seed ${scenario.seed} (services) failed at ${(sim.now / 1000).toFixed(3)}s virtual:`, `  ${(error as Error).stack ?? String(error)}`,
      `scenario: ${JSON.stringify(scenario)}`, 'last trace lines:', ...sim.trace.tail(150).map((l) => `  ${l}`),
      `replay: ${replayCommand(scenario.seed, mode).replace('test:sim', 'test:sim -- --grep services')}`]
    throw new SimulationFailure(scenario.seed, lines.join('\n'))
  }
}

function view(node: SimNode, views: Map<number, NodeView>): NodeView {
  let v = views.get(node.id)
  if (v === undefined || v.clients.incarnation !== node.incarnation) {
    v = { clients: new CpgClients(node.id, node.incarnation), stream: 'none', regular: 'none', transition: 'none' }
    views.set(node.id, v)
  }
  return v
}

function onEvent(sim: Simulation, node: SimNode, event: HostEvent, views: Map<number, NodeView>, checker: CpgChecker): void {
  const v = view(node, views)
  switch (event.type) {
    case 'configuration': {
      const c = event.change
      const ring = ringIdString(c.ringId)
      if (c.kind === 'transitional') {
        v.transition = v.stream = `${v.regular}>${ring}:[${c.members.join(',')}]`
      } else {
        v.regular = ring
        v.stream = `${v.transition}#sync`
      }
      sim.trace.add(sim.now, `n${node.id} ${c.kind} ${ring} [${c.members.join(',')}]`)
      for (const o of sim.observers) o.configuration?.(sim.now, sim.incarnation(node), c)
      return
    }
    case 'service':
      if (event.service === 'cpg') {
        const e = event.event as CpgEvent
        if (e.type !== 'totem' && e.client !== v.clients.client) throw new InvariantViolation('cpg', `n${node.id}: event for client ${e.client} routed here`)
        checker.observe(node.id, node.incarnation, e)
      }
      return
    case 'answer':
      if (event.answer.client === v.clients.client) v.clients.answered(event.answer.id, event.answer.ok, event.answer.value)
      return
    case 'state':
      sim.trace.add(sim.now, `n${node.id} ${event.state.toUpperCase()}: ${event.reason}`)
      return
    case 'sync':
      if (event.phase === 'completed') v.stream = v.regular
      sim.trace.add(sim.now, `n${node.id} sync ${event.phase} ${ringIdString(event.ringId)}`)
      return
    default:
      return
  }
}

function chaos(sim: Simulation, scenario: Scenario, views: Map<number, NodeView>): void {
  const prng = new Prng(scenario.seed).fork()
  const faults = new FaultProcess({ prng: prng.fork(), nodes: scenario.nodes, options: scenario.faults })
  const load = prng.fork()
  for (const id of scenario.nodes) sim.schedule(prng.int(50), () => { sim.start(id) })
  const rate = Math.max(20, scenario.workload.ratePerNode)
  for (const id of scenario.nodes) scheduleStep(sim, scenario, load, id, rate, views)
  for (let at = STEP_MS; at < scenario.chaosMs; at += STEP_MS) {
    sim.schedule(at, () => {
      for (const line of faults.step(sim.now, sim.network)) sim.trace.add(sim.now, `net ${line}`)
      processFaults(sim, scenario, prng)
    })
  }
  sim.runUntil(scenario.chaosMs)
}

function scheduleStep(sim: Simulation, scenario: Scenario, prng: Prng, id: number, rate: number, views: Map<number, NodeView>): void {
  const at = sim.now + Math.max(1, Math.round(prng.exponential(1000 / rate)))
  if (at >= scenario.chaosMs) return
  sim.schedule(at, () => {
    const node = sim.node(id)
    if (node.alive && !node.paused) {
      cpgStep(sim, node, view(node, views).clients, prng, GROUPS)
      sim.flush(node)
    }
    scheduleStep(sim, scenario, prng, id, rate, views)
  })
}

export function heal(sim: Simulation): void {
  sim.network.heal()
  sim.network.setLoss([0, 1])
  sim.network.setDuplicate([0, 1])
  sim.network.setCorrupt([0, 1])
  for (const node of sim.nodes.values()) sim.resume(node.id)
  const down = [...sim.nodes.values()].filter((n) => !n.alive)
  if (sim.liveNodes().length === 0 && down.length > 0) sim.start(down[0]!.id)
  sim.trace.add(sim.now, 'converge: faults off, network healed')
}
