import { parentPort, workerData } from 'node:worker_threads'
import { drawScenario } from '../../lib/sim/scenario.js'
import { runScenario, SimulationFailure } from '../../lib/sim/swarm.js'
import { cpgQuorumServices, cpgServices, runClusterScenario } from '../../lib/sim/cluster/cluster-swarm.js'

/** Runs a share of the swarm's seeds in its own thread and reports each result. */
export interface SeedResult {
  readonly seed: number
  readonly ok: boolean
  readonly events: number
  readonly deliveries: number
  readonly configurations: number
  readonly virtualMs: number
  readonly message?: string
}

const { seeds, kind } = workerData as { seeds: number[]; kind: 'totem' | 'services' }
for (const seed of seeds) {
  let result: SeedResult
  try {
    // Service-level seeds alternate CPG alone and CPG with votequorum (single-primary checked).
    const r = kind === 'totem' ? runScenario(drawScenario(seed))
      : runClusterScenario(drawScenario(seed), seed % 2 === 0 ? cpgServices : cpgQuorumServices)
    result = { seed, ok: true, events: r.events, deliveries: r.deliveries, configurations: r.configurations, virtualMs: r.virtualMs }
  } catch (error) {
    const message = error instanceof SimulationFailure ? error.message : `seed ${seed}: ${(error as Error).stack ?? String(error)}`
    result = { seed, ok: false, events: 0, deliveries: 0, configurations: 0, virtualMs: 0, message }
  }
  parentPort!.postMessage(result)
}
