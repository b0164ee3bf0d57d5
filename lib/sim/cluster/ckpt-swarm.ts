import { CkptService } from '../../services/ckpt/service.js'
import type { CkptEvent, CkptTraceEntry } from '../../services/ckpt/types.js'
import { ServiceHost, type HostEvent } from '../../services/host.js'
import { votequorum } from '../../services/quorum/votequorum.js'
import { totemConfig } from '../../totem/config.js'
import { ringIdString, type NodeId } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import { FaultProcess } from '../faults.js'
import { Prng, seedFrom } from '../prng.js'
import type { Scenario } from '../scenario.js'
import type { SimNode } from '../sim-node.js'
import { Simulation } from '../simulation.js'
import { convergeBudget, processFaults, type RunReport, SimulationFailure } from '../swarm.js'
import { CkptChecker, ckptOf } from './ckpt-checker.js'
import { CkptClients } from './ckpt-workload.js'
import { heal } from './cluster-swarm.js'
import { checkSinglePrimary } from './single-primary.js'

const TICK_MS = 100

export interface CkptRunReport extends RunReport {
  readonly acked: number
  readonly applied: number
  readonly forgiven: number
  readonly transfers: number
  readonly reads: number
}

export function ckptReplayCommand(seed: number): string {
  return `npx tsc -p tsconfig.json && HA_SEED=${seed} TEST_SPEC=dist/test/sim/ckpt-swarm.test.js npx mocha`
}

/** The world of one checkpoint run: simulation, clients per node, checker. */
interface Run {
  readonly sim: Simulation
  readonly scenario: Scenario
  readonly checker: CkptChecker
  readonly clients: Map<NodeId, CkptClients>
  readonly chunkBytes: number
  /** Chance per tick of crashing a node that is sending a transfer (donor failures on purpose). */
  readonly killDonor: number
  /** Chance of crashing a node right after it acknowledged a write (what the acknowledgement promised must hold). */
  readonly killAcker: number
  readonly killPrng: Prng
}

function clientsOf(run: Run, node: SimNode): CkptClients {
  let c = run.clients.get(node.id)
  if (c === undefined || c.incarnation !== node.incarnation) {
    c = new CkptClients(node.id, node.incarnation)
    run.clients.set(node.id, c)
  }
  return c
}

/** A client reaction to an answer or event runs as its own step (never inside the node's output loop). */
function later(run: Run, node: SimNode, action: (host: ServiceHost) => void): void {
  const incarnation = node.incarnation
  run.sim.schedule(run.sim.now, () => {
    if (!node.alive || node.paused || node.incarnation !== incarnation) return
    action(node.core as ServiceHost)
    run.sim.flush(node)
  })
}

function onEvent(run: Run, node: SimNode, event: HostEvent): void {
  const { sim } = run
  const clients = clientsOf(run, node)
  switch (event.type) {
    case 'answer': {
      const a = event.answer
      if (a.client === clients.client) later(run, node, (host) => { clients.answered(sim.now, host, a.id, a.ok, a.value, a.code) })
      return
    }
    case 'service': {
      const e = event.event as CkptEvent
      if (event.service === 'ckpt' && e.type === 'unlinked') later(run, node, (host) => { clients.unlinked(sim.now, host, e.name) })
      return
    }
    case 'configuration':
      sim.trace.add(sim.now, `n${node.id} ${event.change.kind} ${ringIdString(event.change.ringId)} [${event.change.members.join(',')}]`)
      return
    case 'sync':
      sim.trace.add(sim.now, `n${node.id} sync ${event.phase} ${ringIdString(event.ringId)}`)
      return
    case 'state':
      sim.trace.add(sim.now, `n${node.id} ${event.state.toUpperCase()}: ${event.reason}`)
      return
    default:
      return
  }
}

function onTrace(run: Run, id: NodeId, incarnation: number, e: CkptTraceEntry): void {
  const node = run.sim.node(id)
  if (node.incarnation !== incarnation || !node.alive) return
  const where = e.section === undefined ? e.name : `${e.name}/${e.section}`
  run.sim.trace.add(run.sim.now, `n${id} ckpt ${e.kind}${e.op === undefined ? '' : ` ${e.op}`} ${where} v${e.version} e${e.epoch}` +
    `${e.quorate ? '' : ' INQUORATE'}${e.detail === undefined ? '' : ` (${e.detail})`}`)
  run.checker.observe(node, e)
  if (e.kind === 'acked' && run.killAcker > 0 && run.sim.now < run.scenario.chaosMs && run.killPrng.chance(run.killAcker)) {
    run.sim.schedule(run.sim.now, () => {
      if (node.incarnation !== incarnation || !node.alive) return
      run.sim.trace.add(run.sim.now, `n${id} killed right after acknowledging`)
      run.sim.crash(id)
    })
  }
}

function build(scenario: Scenario, echo: ((line: string) => void) | undefined): Run {
  const draw = new Prng(seedFrom(scenario.seed, 'ckpt'))
  const chunkBytes = 1024 * draw.pick([1, 2, 4, 16])
  // A narrow window makes transfers slow enough for faults to hit them mid-way.
  const windowBytes = chunkBytes * draw.pick([1, 2, 4])
  const killDonor = draw.pick([0, 0, 0.1, 0.3])
  const killAcker = draw.pick([0, 0, 0.01, 0.05])
  const config = totemConfig({ ...scenario.totem, messageSizeMax: 1024 * 1024 + 4096 }, scenario.nodes.length)
  const holder: { run?: Run } = {}
  const sim = new Simulation({
    seed: scenario.seed, nodes: scenario.nodes, totem: scenario.totem, network: scenario.network, traceLines: 2000,
    core: (init) => new ServiceHost({
      self: init.id, nodes: init.nodes, config, ringSeq: init.ringSeq, seed: init.seed, log: init.log,
      services: [
        new CkptService({ trace: (e) => { onTrace(holder.run!, init.id, init.incarnation, e) }, transferChunkBytes: chunkBytes, transferWindowBytes: windowBytes, nodes: init.nodes }),
        votequorum({ self: init.id, nodes: init.nodes.map((nodeId) => ({ nodeId, addr: '' })), quorum: { waitForAll: scenario.seed % 2 === 1 } }),
      ],
    }),
    dispatch: (s, node, event) => {
      onEvent(holder.run!, node, event as HostEvent)
      checkSinglePrimary(s)
    },
  })
  sim.trace.echo = echo
  const run: Run = { sim, scenario, checker: new CkptChecker(sim), clients: new Map(), chunkBytes, killDonor, killAcker, killPrng: draw.fork() }
  holder.run = run
  sim.observe({ crashed: () => { run.checker.crashed() } })
  return run
}

/** Faults every tick; each node's clients act at random moments within it (rate drawn by the scenario). */
function chaos(run: Run): void {
  const { sim, scenario } = run
  const prng = new Prng(seedFrom(scenario.seed, 'ckpt-chaos'))
  const faults = new FaultProcess({ prng: prng.fork(), nodes: scenario.nodes, options: scenario.faults })
  const load = prng.fork()
  const perTick = Math.min(100, Math.max(10, scenario.workload.ratePerNode)) * TICK_MS / 1000
  for (const id of scenario.nodes) sim.schedule(prng.int(50), () => { sim.start(id) })
  for (let at = 0; at < scenario.chaosMs; at += TICK_MS) {
    sim.schedule(at, () => {
      if (at > 0) {
        for (const line of faults.step(sim.now, sim.network)) sim.trace.add(sim.now, `net ${line}`)
        processFaults(sim, scenario, prng)
        killDonor(run, prng)
      }
      for (const id of scenario.nodes) {
        for (let k = Math.floor(load.exponential(perTick) + 0.5); k > 0; k--) sim.schedule(at + load.int(TICK_MS), () => { clientStep(run, load, id) })
      }
    })
  }
  sim.runUntil(scenario.chaosMs)
}

function killDonor(run: Run, prng: Prng): void {
  if (run.killDonor === 0 || !prng.chance(run.killDonor)) return
  const donors = run.sim.liveNodes().filter((n) => !n.paused && ckptOf(n)?.sending === true)
  if (donors.length > 0) run.sim.crash(prng.pick(donors).id)
}

function clientStep(run: Run, prng: Prng, id: NodeId): void {
  const node = run.sim.node(id)
  if (!node.alive || node.paused || run.sim.now >= run.scenario.chaosMs) return
  clientsOf(run, node).step(run.sim.now, node.core as ServiceHost, prng, run.chunkBytes)
  run.sim.flush(node)
}

/** Undefined once every live node is in one synchronised ring, nothing is queued or pending, and replicas agree. */
function settled(run: Run): string | undefined {
  const live = run.sim.liveNodes()
  const ids = live.map((n) => n.id).join(',')
  for (const node of live) {
    const host = node.core as ServiceHost
    if (host.engine.state !== 'operational') return `n${node.id} is ${host.engine.state}`
    if (host.engine.members.join(',') !== ids) return `n${node.id} ring has ${host.engine.members.join(',')}, live are ${ids}`
    if (host.syncing) return `n${node.id} is still synchronising`
    if (host.engine.queuedBytes > 0) return `n${node.id} has ${host.engine.queuedBytes} bytes queued`
    const pending = clientsOf(run, node).pending.size
    if (pending > 0) return `n${node.id} has ${pending} unanswered requests`
  }
  return run.checker.converged(run.sim)
}

/** Faults off, network healed, every node up: the cluster must converge, then every promise is checked. */
function converge(run: Run): number {
  const { sim } = run
  heal(sim)
  for (const node of sim.nodes.values()) if (!node.alive) sim.start(node.id)
  const start = sim.now
  const budget = convergeBudget(sim, run.scenario) + 30_000
  for (let at = start + TICK_MS; ; at += TICK_MS) {
    sim.runUntil(at)
    const why = settled(run)
    if (why === undefined) break
    if (at > start + budget) throw new InvariantViolation('liveness', `no convergence within ${budget} ms after healing: ${why}`)
  }
  run.checker.checkPromises(sim)
  return sim.now - start
}

/**
 * A swarm run at checkpoint level: CKPT and votequorum on every node,
 * simulated clients during a chaos phase (network and process faults), every
 * checker after every event, then convergence to identical complete replicas
 * that kept every acknowledged write.
 */
export function runCkptScenario(scenario: Scenario, echo?: (line: string) => void): CkptRunReport {
  const run = build(scenario, echo)
  const { sim, checker } = run
  try {
    chaos(run)
    const convergedAfterMs = converge(run)
    const reads = [...run.clients.values()].reduce((n, c) => n + c.reads, 0)
    return {
      seed: scenario.seed, nodes: scenario.nodes.length, virtualMs: sim.now, convergedAfterMs, events: sim.events,
      deliveries: checker.applied, configurations: 0, acked: checker.acked, applied: checker.applied,
      forgiven: checker.forgiven, transfers: checker.transfers, reads,
    }
  } catch (error) {
    const lines = [`seed ${scenario.seed} (ckpt, ${run.chunkBytes}-byte chunks, kill donor ${run.killDonor}, kill acker ${run.killAcker}) failed at ${(sim.now / 1000).toFixed(3)}s virtual:`,
      `  ${(error as Error).stack ?? String(error)}`, `scenario: ${JSON.stringify(scenario)}`, 'last trace lines:',
      ...sim.trace.tail(200).map((l) => `  ${l}`), `replay: ${ckptReplayCommand(scenario.seed)}`]
    throw new SimulationFailure(scenario.seed, lines.join('\n'))
  }
}
