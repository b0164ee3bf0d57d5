import { parentPort, workerData } from 'node:worker_threads'
import { drawScenario } from '../scenario.js'
import { SimulationFailure } from '../swarm.js'
import { runCkptScenario } from './ckpt-swarm.js'

/** One seed's outcome, posted by a checkpoint swarm worker thread. */
export interface CkptSeedResult {
  readonly seed: number
  readonly ok: boolean
  readonly events: number
  readonly acked: number
  readonly applied: number
  readonly forgiven: number
  readonly transfers: number
  readonly reads: number
  readonly virtualMs: number
  readonly message?: string
}

/** Runs a share of the checkpoint swarm's seeds in a worker thread (test/sim/ckpt-swarm.test.ts). */
if (parentPort !== null) {
  const { seeds } = workerData as { seeds: number[] }
  for (const seed of seeds) {
    let result: CkptSeedResult
    try {
      const r = runCkptScenario(drawScenario(seed))
      result = { seed, ok: true, events: r.events, acked: r.acked, applied: r.applied, forgiven: r.forgiven, transfers: r.transfers, reads: r.reads, virtualMs: r.virtualMs }
    } catch (error) {
      const message = error instanceof SimulationFailure ? error.message : `seed ${seed}: ${(error as Error).stack ?? String(error)}`
      result = { seed, ok: false, events: 0, acked: 0, applied: 0, forgiven: 0, transfers: 0, reads: 0, virtualMs: 0, message }
    }
    parentPort.postMessage(result)
  }
}
