import { parentPort, workerData } from 'node:worker_threads'
import { drawCorruptScenario, drawScenario } from '../../lib/sim/scenario.js'
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

/**
 * `totem`, `services`: the ordinary swarms. `*-corrupt`: every seed with damage
 * in flight (checksum on: every invariant holds). `totem-unchecked`: damage in
 * flight with the checksum off, so damaged frames reach Totem: liveness only.
 */
export type SwarmKind = 'totem' | 'services' | 'totem-corrupt' | 'services-corrupt' | 'totem-unchecked'

export function runSeed(kind: SwarmKind, seed: number, echo?: (line: string) => void): { events: number; deliveries: number; configurations: number; virtualMs: number } {
  // Service-level seeds alternate CPG alone and CPG with votequorum (single-primary checked).
  const services = seed % 2 === 0 ? cpgServices : cpgQuorumServices
  switch (kind) {
    case 'totem': return runScenario(drawScenario(seed), echo === undefined ? {} : { echo })
    case 'services': return runClusterScenario(drawScenario(seed), services, echo)
    case 'totem-corrupt': return runScenario(drawCorruptScenario(seed), { mode: 'corrupt', ...(echo === undefined ? {} : { echo }) })
    case 'services-corrupt': return runClusterScenario(drawCorruptScenario(seed), services, echo, 'corrupt')
    case 'totem-unchecked':
      return runScenario(drawCorruptScenario(seed), { mode: 'unchecked', frameChecksum: false, ...(echo === undefined ? {} : { echo }) })
  }
}

if (parentPort !== null && workerData !== null) {
  const { seeds, kind } = workerData as { seeds: number[]; kind: SwarmKind }
  for (const seed of seeds) {
    let result: SeedResult
    try {
      const r = runSeed(kind, seed)
      result = { seed, ok: true, events: r.events, deliveries: r.deliveries, configurations: r.configurations, virtualMs: r.virtualMs }
    } catch (error) {
      const message = error instanceof SimulationFailure ? error.message : `seed ${seed}: ${(error as Error).stack ?? String(error)}`
      result = { seed, ok: false, events: 0, deliveries: 0, configurations: 0, virtualMs: 0, message }
    }
    parentPort.postMessage(result)
  }
}
