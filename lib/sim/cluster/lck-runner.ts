import { ServiceHost, type HostEvent } from '../../services/host.js'
import { LckService } from '../../services/lck/service.js'
import type { LckLostEvent, LckOptions } from '../../services/lck/types.js'
import type { ServiceContext } from '../../services/service.js'
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
import { heal } from './cluster-swarm.js'
import { LckChecker } from './lck-checker.js'
import { lckSettled } from './lck-settled.js'
import { drawLckLoad, LckClients, type LckLoad } from './lck-workload.js'
import { checkSinglePrimary } from './single-primary.js'

const STEP_MS = 100
/** Clients keep working this long into convergence, so every seed locks in a healed cluster too. */
const TAIL_MS = 3000

/** LCK reporting its merged table at every sync activation: every member of a ring must compute the same. */
class CheckedLck extends LckService {
  readonly #checker: LckChecker

  constructor(checker: LckChecker, options: LckOptions) {
    super(options)
    this.#checker = checker
  }

  override syncActivate(ctx: ServiceContext): void {
    super.syncActivate(ctx)
    this.#checker.merged(ctx.self, ringIdString(ctx.ringId), this.table)
  }
}

export interface LckRunReport extends RunReport {
  readonly grants: number
  readonly losses: number
  readonly denials: number
  readonly deferred: number
}

export function lckReplayCommand(seed: number): string {
  return `HA_SEED=${seed} TEST_SPEC=dist/test/sim/lck-swarm.test.js npx mocha`
}

/** One seed's world: the simulation, the checker, and each node's current clients. */
interface LckRun {
  readonly sim: Simulation
  readonly scenario: Scenario
  readonly load: LckLoad
  readonly prng: Prng
  readonly checker: LckChecker
  readonly clients: Map<NodeId, LckClients>
}

/**
 * The lock swarm: ServiceHost with LCK and votequorum on every node, lock
 * clients acquiring, holding and releasing a few locks through faults of
 * every kind; the checker runs at every grant, loss and denial (and single
 * primary after every event); after healing every replica must agree, every
 * request be answered and every lock be free.
 */
export function runLckScenario(scenario: Scenario, echo?: (line: string) => void): LckRunReport {
  const prng = new Prng(seedFrom(scenario.seed, 'lck'))
  const load = drawLckLoad(prng.fork())
  const checker = new LckChecker()
  const clients = new Map<NodeId, LckClients>()
  const totem = load.smallQueue ? { ...scenario.totem, messageSizeMax: 1024, sendQueueBytesMax: 3072 } : scenario.totem
  const config = totemConfig(totem, scenario.nodes.length)
  const sim: Simulation = new Simulation({
    seed: scenario.seed, nodes: scenario.nodes, totem, network: scenario.network,
    core: (init) => new ServiceHost({
      self: init.id, nodes: init.nodes, config, ringSeq: init.ringSeq, seed: init.seed, log: init.log,
      services: [
        new CheckedLck(checker, { lockDelayMs: load.lockDelayMs, trace: (e) => { checker.traced(init.incarnation, e, (sim.node(init.id).core as ServiceHost).quorate) } }),
        votequorum({ self: init.id, nodes: init.nodes.map((nodeId) => ({ nodeId, addr: '' })), quorum: { waitForAll: scenario.seed % 2 === 1 } }),
      ],
    }),
    dispatch: (s, node, event) => {
      onEvent(run, node, event as HostEvent)
      checkSinglePrimary(s)
    },
  })
  const run: LckRun = { sim, scenario, load, prng, checker, clients }
  sim.trace.echo = echo
  sim.observe({ crashed: (_at, who) => { checker.crashed(who.node, who.incarnation) } })
  try {
    chaos(run)
    const start = sim.now
    heal(sim)
    const budget = convergeBudget(sim, scenario) + 40_000 + 40 * load.holdMeanMs
    for (let at = start + STEP_MS; ; at += STEP_MS) {
      sim.runUntil(at)
      const why = lckSettled(sim, (id) => current(run, sim.node(id)))
      if (why === undefined) break
      if (at > start + budget) throw new InvariantViolation('liveness', `no convergence within ${budget} ms after healing: ${why}`)
    }
    return {
      seed: scenario.seed, nodes: scenario.nodes.length, virtualMs: sim.now, convergedAfterMs: sim.now - start, events: sim.events,
      deliveries: checker.grants, configurations: 0, grants: checker.grants, losses: checker.losses, denials: checker.denials, deferred: checker.deferred,
    }
  } catch (error) {
    const lines = [`seed ${scenario.seed} (lck) failed at ${(sim.now / 1000).toFixed(3)}s virtual:`, `  ${(error as Error).stack ?? String(error)}`,
      `scenario: ${JSON.stringify(scenario)}`, `lock load: ${JSON.stringify(load)}`, 'last trace lines:', ...sim.trace.tail(150).map((l) => `  ${l}`),
      `replay: ${lckReplayCommand(scenario.seed)}`]
    throw new SimulationFailure(scenario.seed, lines.join('\n'))
  }
}

/** The clients of the node's current incarnation. */
function current(run: LckRun, node: SimNode): LckClients {
  let c = run.clients.get(node.id)
  if (c === undefined || c.incarnation !== node.incarnation) {
    c = new LckClients(node.id, node.incarnation)
    run.clients.set(node.id, c)
  }
  return c
}

function onEvent(run: LckRun, node: SimNode, event: HostEvent): void {
  const { sim } = run
  const c = current(run, node)
  switch (event.type) {
    case 'answer': {
      if (event.answer.client !== c.client) return
      const outcome = c.answered(event.answer)
      if (outcome?.grant !== undefined) scheduleRelease(run, c, outcome.grant, Math.max(1, Math.round(run.prng.exponential(run.load.holdMeanMs))))
      if (outcome?.retry !== undefined) scheduleRelease(run, c, outcome.retry, 20, true)
      return
    }
    case 'service': {
      const lost = event.event as LckLostEvent
      if (event.service === 'lck' && lost.type === 'lost' && lost.client === c.client) c.lost(lost.holderId)
      return
    }
    case 'configuration':
      sim.trace.add(sim.now, `n${node.id} ${event.change.kind} ${ringIdString(event.change.ringId)} [${event.change.members.join(',')}]`)
      return
    case 'state':
      sim.trace.add(sim.now, `n${node.id} ${event.state.toUpperCase()}: ${event.reason}`)
      return
    case 'sync':
      sim.trace.add(sim.now, `n${node.id} sync ${event.phase} ${ringIdString(event.ringId)}`)
      return
    default:
      return
  }
}

/** Releases a hold later, as its client decided; a paused process releases when it runs again. */
function scheduleRelease(run: LckRun, owner: LckClients, holderId: string, afterMs: number, again = false): void {
  const { sim } = run
  sim.schedule(sim.now + afterMs, () => {
    const node = sim.node(owner.node)
    if (!node.alive || current(run, node) !== owner) return
    if (node.paused) {
      scheduleRelease(run, owner, holderId, 50, again)
    } else if (again) {
      owner.releaseAgain(sim, holderId)
    } else if (owner.held.has(holderId)) {
      sim.trace.add(sim.now, `n${owner.node} client releases ${holderId}`)
      owner.release(sim, holderId, run.checker)
    }
  })
}

function chaos(run: LckRun): void {
  const { sim, scenario, prng } = run
  const faults = new FaultProcess({ prng: prng.fork(), nodes: scenario.nodes, options: scenario.faults })
  const steps = prng.fork()
  const rate = prng.pick([5, 20, 50])
  for (const id of scenario.nodes) sim.schedule(prng.int(50), () => { sim.start(id) })
  for (const id of scenario.nodes) scheduleStep(run, steps, id, rate)
  for (let at = STEP_MS; at < scenario.chaosMs; at += STEP_MS) {
    sim.schedule(at, () => {
      for (const line of faults.step(sim.now, sim.network)) sim.trace.add(sim.now, `net ${line}`)
      processFaults(sim, scenario, prng)
      if (prng.chance(run.load.strike)) strike(run)
    })
  }
  sim.runUntil(scenario.chaosMs)
}

function scheduleStep(run: LckRun, prng: Prng, id: NodeId, rate: number): void {
  const { sim, scenario } = run
  const at = sim.now + Math.max(1, Math.round(prng.exponential(1000 / rate)))
  if (at >= scenario.chaosMs + TAIL_MS) return
  sim.schedule(at, () => {
    const node = sim.node(id)
    if (node.alive && !node.paused) current(run, node).step(sim, prng, run.load, run.checker)
    scheduleStep(run, prng, id, rate)
  })
}

/** A fault aimed at a lock holder: cut it off alone, stall it, or kill it (it restarts a little later). */
function strike(run: LckRun): void {
  const { sim, prng } = run
  const holders = sim.liveNodes().filter((n) => !n.paused && current(run, n).held.size > 0)
  if (holders.length === 0) return
  const victim = prng.pick(holders).id
  const roll = prng.int(3)
  if (roll === 0 && !sim.network.partitioned) {
    sim.network.partition([[victim], sim.network.nodes.filter((id) => id !== victim)])
    sim.trace.add(sim.now, `net strike: isolate holder n${victim}`)
  } else if (roll === 1) {
    sim.pause(victim, Math.round(sim.config.token * (0.5 + 3 * prng.float())))
  } else {
    sim.crash(victim)
    sim.schedule(sim.now + prng.range(200, 4000), () => { if (!sim.node(victim).alive) sim.start(victim) })
  }
}
