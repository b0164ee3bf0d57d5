import { expect } from 'chai'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { replayCommand } from '../../lib/sim/swarm.js'
import { runSeed, type SeedResult, type SwarmKind } from './swarm-worker.js'

/**
 * VOPR-style swarm: every seed draws its own node count (2–7), timers, network
 * faults (damage in flight among them), process faults and workload, runs a
 * safety phase with every checker after every event, then must converge after
 * healing.
 *
 *   HA_SEEDS=20000 npm run test:sim     more seeds (default 1000)
 *   HA_SEED_START=5000                  first seed (default 1)
 *   HA_SEED=1234 npm run test:sim       replay one seed, printing its trace
 *   HA_SWARM_MODE=corrupt|unchecked     with HA_SEED: replay a seed of those swarms
 *   HA_SERVICE_SEEDS=2000               service-level seeds (CPG, votequorum; default 300)
 *   HA_CORRUPT_SEEDS=1000               seeds with damage always on, Totem and services (default 100 and 30)
 *   HA_UNCHECKED_SEEDS=1000             damage on and the frame checksum off: one ring after healing (default 60)
 */
const single = process.env['HA_SEED']
const mode = process.env['HA_SWARM_MODE']
const count = Number(process.env['HA_SEEDS'] ?? 1000)
const first = Number(process.env['HA_SEED_START'] ?? 1)
const serviceCount = Number(process.env['HA_SERVICE_SEEDS'] ?? 300)
const corruptEnv = process.env['HA_CORRUPT_SEEDS']
const corruptCount = Number(corruptEnv ?? 100)
const corruptServiceCount = corruptEnv === undefined ? 30 : Number(corruptEnv)
const uncheckedCount = Number(process.env['HA_UNCHECKED_SEEDS'] ?? 60)
const workers = Math.max(1, Number(process.env['HA_WORKERS'] ?? availableParallelism()))

function runShare(kind: SwarmKind, seeds: number[], onResult: (r: SeedResult) => void): Promise<void> {
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
    const seed = Number(single)
    const echo = (line: string): void => { console.log(line) }
    const kinds: SwarmKind[] = mode === 'unchecked' ? ['totem-unchecked'] : mode === 'corrupt' ? ['totem-corrupt', 'services-corrupt'] : ['totem', 'services']
    for (const kind of kinds) {
      it(`replays seed ${single}${kind.startsWith('services') ? ' with services' : ''} (${kind})`, () => {
        console.log(runSeed(kind, seed, echo))
      })
    }
    return
  }

  it(`${count} seeds from ${first} hold every invariant and converge after healing`, async () => {
    await swarm('totem', count)
  })

  it(`services: ${serviceCount} seeds keep group-level virtual synchrony and a single quorate partition`, async () => {
    await swarm('services', serviceCount)
  })

  it(`damage in flight: ${corruptCount} seeds (checksum on) hold every invariant and converge`, async () => {
    await swarm('totem-corrupt', corruptCount)
  })

  it(`damage in flight, services: ${corruptServiceCount} seeds hold group-level virtual synchrony and answer every request`, async () => {
    await swarm('services-corrupt', corruptServiceCount)
  })

  it(`checksum off (test-only): ${uncheckedCount} seeds of damaged frames reaching Totem still end in one ring`, async () => {
    await swarm('totem-unchecked', uncheckedCount)
  })

  async function swarm(kind: SwarmKind, count: number): Promise<void> {
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
    const variant = kind.endsWith('corrupt') ? 'corrupt' : kind.endsWith('unchecked') ? 'unchecked' : undefined
    const replays = failures.map((f) => replayCommand(f.seed, variant))
    expect(replays, `${failures.length} failing seeds`).to.deep.equal([])
  }
})
