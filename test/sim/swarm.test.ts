import { expect } from 'chai'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { drawScenario } from '../../lib/sim/scenario.js'
import { replayCommand, runScenario } from '../../lib/sim/swarm.js'
import { cpgQuorumServices, cpgServices, runClusterScenario } from '../../lib/sim/cluster/cluster-swarm.js'
import type { SeedResult } from './swarm-worker.js'

/**
 * VOPR-style swarm: every seed draws its own node count (2–7), timers, network
 * faults, process faults and workload, runs a safety phase with every checker
 * after every event, then must converge after healing.
 *
 *   HA_SEEDS=20000 npm run test:sim     more seeds (default 1000)
 *   HA_SEED_START=5000                  first seed (default 1)
 *   HA_SEED=1234 npm run test:sim       replay one seed, printing its trace
 *   HA_SERVICE_SEEDS=2000               service-level seeds (CPG, votequorum; default 300)
 */
const single = process.env['HA_SEED']
const count = Number(process.env['HA_SEEDS'] ?? 1000)
const first = Number(process.env['HA_SEED_START'] ?? 1)
const serviceCount = Number(process.env['HA_SERVICE_SEEDS'] ?? 300)
const workers = Math.max(1, Number(process.env['HA_WORKERS'] ?? availableParallelism()))

function runShare(kind: 'totem' | 'services', seeds: number[], onResult: (r: SeedResult) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./swarm-worker.js', import.meta.url), { workerData: { seeds, kind } })
    worker.on('message', onResult)
    worker.on('error', reject)
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`swarm worker exited with ${code}`))))
  })
}

describe('sim/swarm', function () {
  this.timeout(0)

  if (single !== undefined) {
    it(`replays seed ${single}`, () => {
      const scenario = drawScenario(Number(single))
      console.log(`scenario: ${JSON.stringify(scenario)}`)
      const report = runScenario(scenario, { echo: (line) => console.log(line) })
      console.log(report)
    })
    it(`replays seed ${single} with services`, () => {
      const seed = Number(single)
      const report = runClusterScenario(drawScenario(seed), seed % 2 === 0 ? cpgServices : cpgQuorumServices, (line) => console.log(line))
      console.log(report)
    })
    return
  }

  it(`${count} seeds from ${first} hold every invariant and converge after healing`, async () => {
    await swarm('totem', count)
  })

  it(`services: ${serviceCount} seeds keep group-level virtual synchrony and a single quorate partition`, async () => {
    await swarm('services', serviceCount)
  })

  async function swarm(kind: 'totem' | 'services', count: number): Promise<void> {
    const seeds = Array.from({ length: count }, (_, i) => first + i)
    const shares = Array.from({ length: workers }, (_, w) => seeds.filter((_, i) => i % workers === w))
    const failures: SeedResult[] = []
    const totals = { events: 0, deliveries: 0, configurations: 0, virtualMs: 0 }
    const started = Date.now()
    await Promise.all(shares.map((share) => runShare(kind, share, (r) => {
      if (!r.ok) failures.push(r)
      totals.events += r.events
      totals.deliveries += r.deliveries
      totals.configurations += r.configurations
      totals.virtualMs += r.virtualMs
    })))
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    console.log(`      ${kind} swarm: ${count} seeds in ${seconds}s on ${workers} threads; ${totals.events} events, ` +
      `${totals.deliveries} deliveries, ${totals.configurations} configuration changes, ${(totals.virtualMs / 1000).toFixed(0)}s virtual`)
    for (const f of failures.slice(0, 3)) console.log(f.message)
    const replays = failures.map((f) => replayCommand(f.seed))
    expect(replays, `${failures.length} failing seeds`).to.deep.equal([])
  }
})
