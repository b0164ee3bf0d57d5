import { expect } from 'chai'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { CkptSeedResult } from '../../lib/sim/cluster/ckpt-swarm-worker.js'
import { ckptReplayCommand, runCkptScenario } from '../../lib/sim/cluster/ckpt-swarm.js'
import { drawScenario } from '../../lib/sim/scenario.js'

/**
 * Checkpoint swarm: every seed draws its nodes, timers, network and process
 * faults; simulated clients open, write (small to many-chunk sections),
 * delete, read, close and unlink during the chaos phase with every checker
 * after every event; then the cluster heals, every node restarts, and the
 * replicas must converge with every acknowledged write kept.
 *
 *   HA_CKPT_SEEDS=2000        seeds (default 300)
 *   HA_SEED_START=5000        first seed (default 1)
 *   HA_SEED=1234              replay one seed, printing its trace
 *   HA_WORKERS=1              worker threads (default: available cores)
 */
const single = process.env['HA_SEED']
const count = Number(process.env['HA_CKPT_SEEDS'] ?? 300)
const first = Number(process.env['HA_SEED_START'] ?? 1)
const workers = Math.max(1, Number(process.env['HA_WORKERS'] ?? availableParallelism()))

/** Runs a share of the seeds in a worker thread; rejects if the worker fails. */
async function runShare(seeds: number[], onResult: (r: CkptSeedResult) => void): Promise<void> {
  const worker = new Worker(new URL('../../lib/sim/cluster/ckpt-swarm-worker.js', import.meta.url), { workerData: { seeds } })
  worker.on('message', onResult)
  const [code] = await once(worker, 'exit') as [number]
  if (code !== 0) throw new Error(`ckpt swarm worker exited with ${code}`)
}

describe('sim/ckpt-swarm', function () {
  this.timeout(0)

  if (single !== undefined) {
    it(`replays seed ${single} with checkpoints`, () => {
      const scenario = drawScenario(Number(single))
      console.log(`scenario: ${JSON.stringify(scenario)}`)
      console.log(runCkptScenario(scenario, (line) => console.log(line)))
    })
    return
  }

  it(`${count} seeds from ${first}: no acknowledged write lost, identical replicas, no change without quorum`, async () => {
    const seeds = Array.from({ length: count }, (_, i) => first + i)
    const shares = Array.from({ length: workers }, (_, w) => seeds.filter((_, i) => i % workers === w))
    const failures: CkptSeedResult[] = []
    const totals = { events: 0, acked: 0, applied: 0, forgiven: 0, transfers: 0, reads: 0, virtualMs: 0 }
    const started = Date.now() // determinism-exempt: test wall clock
    await Promise.all(shares.map((share) => runShare(share, (r) => {
      if (!r.ok) failures.push(r)
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += r[key]
    })))
    const seconds = ((Date.now() - started) / 1000).toFixed(1) // determinism-exempt: test wall clock
    console.log(`      ckpt swarm: ${count} seeds in ${seconds}s on ${workers} threads; ${totals.events} events, ${totals.applied} changes applied, ` +
      `${totals.acked} acknowledged, ${totals.transfers} transfers, ${totals.reads} reads checked, ${totals.forgiven} promises lost with every copy, ` +
      `${(totals.virtualMs / 1000).toFixed(0)}s virtual`)
    for (const f of failures.slice(0, 3)) console.log(f.message)
    expect(failures.map((f) => ckptReplayCommand(f.seed)), `${failures.length} failing seeds`).to.deep.equal([])
  })
})
