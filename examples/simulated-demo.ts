/**
 * Three Totem engines in one process under the deterministic simulator: the
 * ring forms, node 3 is killed, the survivors re-form, node 3 restarts and
 * rejoins. Prints the membership timeline in virtual time.
 *
 *   node dist/examples/simulated-demo.js
 */
import { totemConfig } from '../lib/totem/config.js'
import { ringIdString } from '../lib/totem/ring-id.js'
import { Simulation } from '../lib/sim/simulation.js'

const nodes = [1, 2, 3]
const sim = new Simulation({
  seed: 42, nodes, network: { delayMinMs: 1, delayMeanMs: 0.5, loss: [0, 1], duplicate: [0, 1], linkCapacityMax: 1024 },
})
const config = totemConfig({}, nodes.length)
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3).padStart(7)}s`
const say = (text: string): void => { console.log(`${seconds(sim.now)}  ${text}`) }
const reported = new Set<string>()

sim.observe({
  configuration: (_at, who, change) => {
    if (change.kind !== 'regular') return
    const key = ringIdString(change.ringId)
    const line = `ring ${key} formed: [${change.members.join(', ')}]` +
      `${change.joined.length ? `  joined ${change.joined.join(', ')}` : ''}`
    if (!reported.has(key)) say(`node ${who.node}: ${line}`)
    reported.add(key)
  },
})

function runUntil(done: () => boolean, budgetMs: number): void {
  const end = sim.now + budgetMs
  while (!done() && sim.now < end) sim.runUntil(sim.now + 5)
}

function oneRing(ids: number[]): boolean {
  const engines = ids.map((id) => sim.node(id).engine)
  return engines.every((e) => e?.state === 'operational' && e.members.join(',') === ids.join(',') &&
    ringIdString(e.ringId) === ringIdString(engines[0]!.ringId))
}

console.log('ts-ha demo: 3 Totem engines under the simulator (virtual clock, corosync default timers)')
console.log(`token ${config.token} ms, consensus ${config.consensus} ms, join ${config.join} ms\n`)
for (const id of nodes) sim.start(id)
say('nodes 1, 2, 3 started')
runUntil(() => oneRing(nodes), 10_000)
for (let i = 0; i < 30; i++) sim.mcast(1 + (i % 3), 64, 'agreed')
sim.runUntil(sim.now + 2000)
say('30 messages sent and delivered in one total order on every node')
const killedAt = sim.now
sim.crash(3)
say('kill -9 node 3')
runUntil(() => oneRing([1, 2]), 30_000)
say(`survivors re-formed ${((sim.now - killedAt) / 1000).toFixed(2)} s after the kill (token ${config.token} + consensus ${config.consensus} ms)`)
sim.runUntil(sim.now + 1000)
sim.start(3)
say('node 3 restarted')
runUntil(() => oneRing(nodes), 30_000)
say('node 3 is back; all three in one ring')
