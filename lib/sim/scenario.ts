import type { TotemOptions } from '../totem/config.js'
import type { NodeId } from '../totem/ring-id.js'
import type { FaultOptions } from './faults.js'
import type { NetworkOptions } from './network.js'
import { Prng, seedFrom, type Ratio } from './prng.js'

/** Process-level faults injected during the chaos phase, per 100 ms step. */
export interface ProcessFaults {
  readonly crash: Ratio
  readonly restart: Ratio
  readonly pause: Ratio
  /** Pause length as a multiple of the token timeout (min, max). */
  readonly pauseTokens: readonly [number, number]
  readonly leave: Ratio
}

export interface WorkloadOptions {
  /** Mean messages per second per node during the chaos phase. */
  readonly ratePerNode: number
  readonly safe: Ratio
  /** Largest message; most are small, a few fragment over several packets. */
  readonly sizeMax: number
}

/** Everything a swarm run does, drawn from one seed (swarm testing: the fault mix itself is random). */
export interface Scenario {
  readonly seed: number
  readonly nodes: readonly NodeId[]
  readonly totem: TotemOptions
  readonly network: NetworkOptions
  readonly faults: FaultOptions
  readonly process: ProcessFaults
  readonly workload: WorkloadOptions
  readonly chaosMs: number
}

function ratio(prng: Prng, maxPercent: number): Ratio {
  return [prng.int(maxPercent + 1), 100]
}

function drawTotem(prng: Prng): TotemOptions {
  const options: Record<string, number | boolean> = {
    token: prng.pick([100, 200, 300, 500, 1000, 3000]),
    tokenCoefficient: prng.pick([0, 0, 50, 650]),
  }
  if (prng.chance(0.3)) options['join'] = prng.range(30, 100)
  if (prng.chance(0.3)) options['merge'] = prng.range(30, 200)
  if (prng.chance(0.4)) options['missCountConst'] = prng.range(1, 5)
  if (prng.chance(0.4)) options['windowSize'] = prng.range(5, 50)
  if (prng.chance(0.4)) options['maxMessages'] = prng.range(1, 17)
  if (prng.chance(0.2)) options['failRecvConst'] = prng.range(10, 200)
  if (prng.chance(0.3)) options['seqnoUnchangedConst'] = prng.range(2, 30)
  if (prng.chance(0.15)) options['heartbeatFailuresAllowed'] = prng.range(2, 3)
  if (prng.chance(0.15)) options['sendJoin'] = prng.range(1, 20)
  if (prng.chance(0.2)) options['cancelTokenHoldOnRetransmit'] = true
  if (prng.chance(0.3)) options['netmtu'] = prng.range(576, 1500)
  return options
}

export function drawScenario(seed: number): Scenario {
  const prng = new Prng(seed)
  const count = prng.range(2, 7)
  const nodes = Array.from({ length: count }, (_, i) => i + 1)
  const totem = drawTotem(prng)
  const network: NetworkOptions = {
    delayMinMs: prng.range(0, 1), delayMeanMs: prng.pick([0.5, 1, 2, 5]), loss: ratio(prng, prng.pick([0, 5, 30])),
    duplicate: ratio(prng, prng.pick([0, 10, 30])), linkCapacityMax: prng.pick([16, 64, 256, 1024]),
  }
  const faults: FaultOptions = {
    partitionMode: prng.pick(['none', 'isolate-one', 'random-split', 'one-way'] as const),
    partitionProbability: ratio(prng, 10), unpartitionProbability: [prng.range(5, 50), 100],
    stableMinMs: prng.range(100, 3000), clogProbability: ratio(prng, 5), clogMeanMs: prng.range(10, 500),
  }
  const process: ProcessFaults = {
    crash: ratio(prng, prng.pick([0, 1, 3])), restart: [prng.range(5, 50), 100], pause: ratio(prng, prng.pick([0, 1, 3])),
    pauseTokens: [0.2, prng.pick([1, 2, 4])], leave: ratio(prng, prng.pick([0, 1])),
  }
  const workload: WorkloadOptions = {
    ratePerNode: prng.pick([0, 20, 100, 300]), safe: ratio(prng, prng.pick([0, 20, 100])),
    sizeMax: prng.pick([200, 2000, 20000]),
  }
  const chaosMs = prng.range(2000, 10000)
  // Drawn last, so that every other parameter of a seed stays what it was before corruption existed.
  network.corrupt = ratio(prng, prng.pick([0, 0, 1, 5, 20]))
  return { seed, nodes, totem, network, faults, process, workload, chaosMs }
}

/** Like {@link drawScenario}, with damage in flight always on (1–20% of datagram copies). */
export function drawCorruptScenario(seed: number): Scenario {
  const scenario = drawScenario(seed)
  const prng = new Prng(seedFrom(seed, 'corrupt'))
  return { ...scenario, network: { ...scenario.network, corrupt: [prng.range(1, 20), 100] } }
}
