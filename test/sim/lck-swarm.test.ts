import { expect } from 'chai'
import { drawScenario } from '../../lib/sim/scenario.js'
import { SimulationFailure } from '../../lib/sim/swarm.js'
import { lckReplayCommand, runLckScenario } from '../../lib/sim/cluster/lck-runner.js'

/**
 * The lock swarm: every seed draws its cluster, faults and lock workload;
 * fencing tokens, quorum and mutual exclusion are checked at every grant,
 * then the cluster must heal into identical, free lock tables.
 *
 *   HA_LCK_SEEDS=2000 TEST_SPEC=dist/test/sim/lck-swarm.test.js npx mocha   more seeds (default 500)
 *   HA_SEED_START=5000                                                      first seed (default 1)
 *   HA_SEED=1234 TEST_SPEC=dist/test/sim/lck-swarm.test.js npx mocha        replay one seed, printing its trace
 */
const single = process.env['HA_SEED']
const count = Number(process.env['HA_LCK_SEEDS'] ?? 500)
const first = Number(process.env['HA_SEED_START'] ?? 1)

describe('sim/lck-swarm', function () {
  this.timeout(0)

  if (single !== undefined) {
    it(`replays lock seed ${single}`, () => {
      const report = runLckScenario(drawScenario(Number(single)), (line) => { console.log(line) })
      console.log(report)
    })
    return
  }

  it(`${count} seeds from ${first}: unique rising fencing tokens, no inquorate grant, mutual exclusion, convergence`, () => {
    const failures: string[] = []
    const totals = { grants: 0, losses: 0, denials: 0, deferred: 0, virtualMs: 0 }
    const started = Date.now()
    for (let seed = first; seed < first + count; seed++) {
      try {
        const r = runLckScenario(drawScenario(seed))
        totals.grants += r.grants
        totals.losses += r.losses
        totals.denials += r.denials
        totals.deferred += r.deferred
        totals.virtualMs += r.virtualMs
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error
        if (failures.length < 3) console.log(error.message)
        failures.push(lckReplayCommand(seed))
      }
    }
    console.log(`      lck swarm: ${count} seeds in ${((Date.now() - started) / 1000).toFixed(1)}s; ${totals.grants} grants, ` +
      `${totals.losses} holds lost, ${totals.deferred} deferred grants, ${totals.denials} denials, ${(totals.virtualMs / 1000).toFixed(0)}s virtual`)
    expect(failures, `${failures.length} failing seeds`).to.deep.equal([])
  })
})
