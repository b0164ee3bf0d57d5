import { ringIdString } from '../totem/ring-id.js'
import { OrderChecker } from './checkers/order.js'
import { InvariantViolation } from './checkers/violation.js'
import { VirtualSynchronyChecker } from './checkers/virtual-synchrony.js'
import { FaultProcess } from './faults.js'
import { Prng } from './prng.js'
import type { Scenario } from './scenario.js'
import { Simulation } from './simulation.js'

const STEP_MS = 100

export interface RunReport {
  readonly seed: number
  readonly nodes: number
  readonly virtualMs: number
  readonly convergedAfterMs: number
  readonly events: number
  readonly deliveries: number
  readonly configurations: number
}

/** A seed that broke an invariant or did not converge; `message` holds everything needed to replay it. */
export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure'
  readonly seed: number

  constructor(seed: number, message: string) {
    super(message)
    this.seed = seed
  }
}

/** The command that replays one seed; `mode` names a swarm variant (`corrupt`, `unchecked`). */
export function replayCommand(seed: number, mode?: 'corrupt' | 'unchecked'): string {
  return `HA_SEED=${seed}${mode === undefined ? '' : ` HA_SWARM_MODE=${mode}`} npm run test:sim`
}

/**
 * One VOPR-style run: a safety phase with faults and load (checkers after every
 * event), then faults stop, the network heals, and every live node must form
 * one ring and deliver everything pending within a bounded virtual time.
 */
export interface RunOptions {
  /** Mirror the trace as it is written (replaying one seed). */
  readonly echo?: (line: string) => void
  readonly eventsMax?: number
  /** Lets a debugging session instrument the simulation before it runs. */
  readonly inspect?: (sim: Simulation) => void
  /**
   * Test-only: frames without CRC-32C, so damaged datagrams that still decode
   * reach Totem (as a forger's would). Agreement can then not hold and is not
   * checked; what must still hold is that the engines never fail and that the
   * live nodes form one ring once the faults stop. @default true
   */
  readonly frameChecksum?: boolean
  /** Which swarm variant drew the scenario, for the replay command. */
  readonly mode?: 'corrupt' | 'unchecked'
}

export function runScenario(scenario: Scenario, options: RunOptions = {}): RunReport {
  const checked = options.frameChecksum ?? true
  const sim = new Simulation({
    seed: scenario.seed, nodes: scenario.nodes, totem: scenario.totem, network: scenario.network, frameChecksum: checked,
    ...(options.eventsMax === undefined ? {} : { eventsMax: options.eventsMax }),
  })
  sim.trace.echo = options.echo
  options.inspect?.(sim)
  const order = new OrderChecker()
  const vs = new VirtualSynchronyChecker()
  if (checked) {
    sim.observe(order)
    sim.observe(vs)
  }
  try {
    chaos(sim, scenario)
    const convergedAfterMs = converge(sim, scenario, order)
    return {
      seed: scenario.seed, nodes: scenario.nodes.length, virtualMs: sim.now, convergedAfterMs, events: sim.events,
      deliveries: order.deliveries, configurations: vs.configurations,
    }
  } catch (error) {
    if (!(error instanceof InvariantViolation) && !(error instanceof Error)) throw error
    const lines = [
      `seed ${scenario.seed} failed at ${(sim.now / 1000).toFixed(3)}s virtual after ${sim.events} events:`,
      `  ${(error as Error).stack ?? String(error)}`,
      `scenario: ${JSON.stringify(scenario)}`,
      `network now: ${sim.network.describe(sim.now)}`,
      'last trace lines:',
      ...sim.trace.tail(200).map((l) => `  ${l}`),
      `replay: ${replayCommand(scenario.seed, options.mode)}`,
    ]
    throw new SimulationFailure(scenario.seed, lines.join('\n'))
  }
}

function chaos(sim: Simulation, scenario: Scenario): void {
  const prng = new Prng(scenario.seed).fork()
  const faults = new FaultProcess({ prng: prng.fork(), nodes: scenario.nodes, options: scenario.faults })
  const load = prng.fork()
  for (const id of scenario.nodes) sim.schedule(prng.int(50), () => { sim.start(id) })
  if (scenario.workload.ratePerNode > 0) {
    for (const id of scenario.nodes) scheduleSubmit(sim, scenario, load, id)
  }
  for (let at = STEP_MS; at < scenario.chaosMs; at += STEP_MS) {
    sim.schedule(at, () => {
      for (const line of faults.step(sim.now, sim.network)) sim.trace.add(sim.now, `net ${line}`)
      processFaults(sim, scenario, prng)
    })
  }
  sim.runUntil(scenario.chaosMs)
}

function scheduleSubmit(sim: Simulation, scenario: Scenario, prng: Prng, id: number): void {
  const at = sim.now + Math.max(1, Math.round(prng.exponential(1000 / scenario.workload.ratePerNode)))
  if (at >= scenario.chaosMs) return
  sim.schedule(at, () => {
    const small = prng.chance(0.8)
    const size = small ? prng.range(12, 200) : prng.range(12, scenario.workload.sizeMax)
    const node = sim.node(id)
    if (node.alive && !node.paused && !node.waitingWritable) sim.mcast(id, size, prng.ratio(scenario.workload.safe) ? 'safe' : 'agreed')
    scheduleSubmit(sim, scenario, prng, id)
  })
}

export function processFaults(sim: Simulation, scenario: Scenario, prng: Prng): void {
  const p = scenario.process
  const live = sim.liveNodes().filter((n) => !n.paused)
  const down = [...sim.nodes.values()].filter((n) => !n.alive)
  if (live.length > 0 && prng.ratio(p.crash)) sim.crash(prng.pick(live).id)
  else if (live.length > 0 && prng.ratio(p.leave)) sim.leave(prng.pick(live).id)
  else if (live.length > 0 && prng.ratio(p.pause)) {
    const tokens = p.pauseTokens[0] + prng.float() * (p.pauseTokens[1] - p.pauseTokens[0])
    sim.pause(prng.pick(live).id, Math.max(1, Math.round(tokens * sim.config.token)))
  }
  if (down.length > 0 && prng.ratio(p.restart)) sim.start(prng.pick(down).id)
}

/** Faults off, network healed; returns how long the cluster took to settle, or throws. */
function converge(sim: Simulation, scenario: Scenario, order: OrderChecker): number {
  const prng = new Prng(scenario.seed + 1)
  sim.network.heal()
  sim.network.setLoss([0, 1])
  sim.network.setDuplicate([0, 1])
  sim.network.setCorrupt([0, 1])
  for (const node of sim.nodes.values()) sim.resume(node.id)
  const down = [...sim.nodes.values()].filter((n) => !n.alive)
  const restart = down.filter(() => prng.chance(0.5))
  if (sim.liveNodes().length === 0 && restart.length === 0 && down.length > 0) restart.push(down[0]!)
  for (const node of restart) sim.start(node.id)
  sim.trace.add(sim.now, 'converge: faults off, network healed')
  const start = sim.now
  const budget = convergeBudget(sim, scenario)
  for (let at = start + STEP_MS; at <= start + budget; at += STEP_MS) {
    sim.runUntil(at)
    if (settled(sim, order) === undefined) return sim.now - start
  }
  throw new InvariantViolation('liveness', `no convergence within ${budget} ms after healing: ${settled(sim, order)}`)
}

/** Undefined when every live node is operational in one ring of exactly the live nodes, otherwise why not. */
export function oneRing(sim: Simulation): string | undefined {
  const live = sim.liveNodes()
  if (live.length === 0) return undefined
  const ids = live.map((n) => n.id).join(',')
  const ring = ringIdString(live[0]!.engine!.ringId)
  for (const node of live) {
    const engine = node.engine!
    if (engine.state !== 'operational') return `n${node.id} is ${engine.state}`
    if (ringIdString(engine.ringId) !== ring) return `n${node.id} is in ring ${ringIdString(engine.ringId)}, n${live[0]!.id} in ${ring}`
    if (engine.members.join(',') !== ids) return `ring ${ring} has members ${engine.members.join(',')}, live nodes are ${ids}`
  }
  return undefined
}

/**
 * A bound, fixed before convergence starts: a few membership rounds, plus the
 * time to drain every accepted byte at the slowest rate the ring may run
 * (`windowSize` packets of at least a quarter MTU per rotation, every hop
 * taking a generous network delay).
 */
export function convergeBudget(sim: Simulation, scenario: Scenario): number {
  const queued = sim.liveNodes().reduce((sum, n) => sum + n.engine!.queuedBytes, 0)
  const perRotation = sim.config.windowSize * Math.floor(sim.config.netmtu / 4)
  const hopMs = scenario.network.delayMinMs + 10 * scenario.network.delayMeanMs + 1
  const drainMs = Math.ceil(queued / perRotation) * scenario.nodes.length * hopMs
  return 10 * (sim.config.token + sim.config.consensus) + 20_000 + drainMs
}

/** Undefined when the cluster is in its final state, otherwise why not (only {@link oneRing} without the checksum). */
function settled(sim: Simulation, order: OrderChecker): string | undefined {
  const ring = oneRing(sim)
  if (ring !== undefined || !sim.codec.checksum) return ring
  const live = sim.liveNodes()
  if (live.length === 0) return undefined
  const id = ringIdString(live[0]!.engine!.ringId)
  let regularLength: number | undefined
  for (const node of live) {
    const engine = node.engine!
    if (engine.queuedBytes > 0) return `n${node.id} still has ${engine.queuedBytes} bytes to send`
    const own = order.nextOwnCounter(sim.incarnation(node)) ?? 0
    if (own !== node.accepted) return `n${node.id} delivered ${own} of its ${node.accepted} own messages`
    const length = order.regularLength(id, sim.incarnation(node))
    if (regularLength !== undefined && length !== regularLength) return `members delivered ${length} and ${regularLength} messages in ${id}`
    regularLength = length
  }
  return undefined
}
