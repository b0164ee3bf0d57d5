import { expect } from 'chai'
import { totemConfig } from '../../lib/totem/config.js'
import { World } from './world.js'

/** Scripted fault scenarios under the simulator, every checker attached throughout. */
describe('sim/scenarios', () => {
  it('three nodes form one ring and deliver every message everywhere in one order', () => {
    const w = new World([1, 2, 3])
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    for (let i = 0; i < 60; i++) expect(w.sim.mcast(1 + (i % 3), 20 + i * 37, i % 4 === 0 ? 'safe' : 'agreed')).to.equal('ok')
    w.run(2000)
    const sequences = [1, 2, 3].map((id) => (w.delivered.get(id) ?? []).map((m) => `${m.origin}/${m.counter}`).join(' '))
    expect(sequences[0]!.split(' ')).to.have.length(60)
    expect(sequences[1]).to.equal(sequences[0])
    expect(sequences[2]).to.equal(sequences[0])
  })

  it('kill -9 of one node: survivors re-form after token + consensus, reporting it as left', () => {
    const w = new World([1, 2, 3])
    const config = totemConfig({}, 3)
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    w.run(1000)
    const crashAt = w.sim.now
    w.sim.crash(3)
    const took = w.runUntil(() => w.oneRing([1, 2]), 3 * (config.token + config.consensus))
    // Detection needs the token timeout, agreement on the failure the consensus timeout.
    expect(took).to.be.within(config.consensus, config.token + config.consensus + 500)
    const trans = w.lastTransitional(1)!
    expect(trans.members).to.deep.equal([1, 2])
    expect(trans.left).to.deep.equal([3])
    expect(trans.at).to.be.greaterThan(crashAt)
  })

  it('a graceful leave is seen at once, not after a token timeout', () => {
    const w = new World([1, 2, 3])
    const config = totemConfig({}, 3)
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    w.sim.leave(2)
    const took = w.runUntil(() => w.oneRing([1, 3]), config.token)
    expect(took).to.be.below(config.token / 4)
    expect(w.lastTransitional(3)!.left).to.deep.equal([2])
  })

  it('a 2|1 partition gives two rings, the heal merges them into a ring with a higher seq', () => {
    const w = new World([1, 2, 3], { totem: { token: 500 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    const before = w.sim.node(1).engine!.ringId.seq
    w.sim.network.partition([[1, 2], [3]])
    w.runUntil(() => w.oneRing([1, 2]) && w.oneRing([3]), 10000)
    for (let i = 0; i < 20; i++) w.sim.mcast(i % 2 === 0 ? 1 : 3, 100, 'agreed')
    w.run(500)
    w.sim.network.heal()
    w.runUntil(() => w.oneRing([1, 2, 3]), 10000)
    const after = w.sim.node(3).engine!.ringId.seq
    expect(after).to.be.greaterThan(before)
    const regular = w.lastRegular(3)!
    expect(regular.joined).to.deep.equal([1, 2])
    expect(w.lastRegular(1)!.joined).to.deep.equal([3])
  })

  it('a restarted node never reuses a ring id: its persisted ring seq only grows', () => {
    const w = new World([1, 2, 3], { totem: { token: 300 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    const seqs: number[] = []
    for (let round = 0; round < 3; round++) {
      w.sim.crash(1)
      w.runUntil(() => w.oneRing([2, 3]), 5000)
      w.sim.start(1)
      w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
      seqs.push(w.sim.node(1).engine!.ringId.seq)
    }
    expect(seqs[1]).to.be.greaterThan(seqs[0]!)
    expect(seqs[2]).to.be.greaterThan(seqs[1]!)
  })

  it('a process paused beyond the token timeout comes back through a fresh membership', () => {
    const w = new World([1, 2, 3], { totem: { token: 400 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    for (let i = 0; i < 30; i++) w.sim.mcast(1 + (i % 3), 200, 'agreed')
    w.sim.pause(2, 3000)
    w.runUntil(() => w.oneRing([1, 3]), 3000)
    for (let i = 0; i < 30; i++) w.sim.mcast(i % 2 === 0 ? 1 : 3, 200, 'agreed')
    w.runUntil(() => w.oneRing([1, 2, 3]), 10000)
    expect(w.lastRegular(2)!.joined).to.include(1)
  })

  it('a node that never receives multicasts fails itself (FAILED TO RECEIVE) instead of stalling the ring', () => {
    const w = new World([1, 2, 3], { totem: { token: 300, failRecvConst: 50 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    w.sim.filter = (_from, to, frame) => !(to === 3 && frame.body.kind === 'mcast')
    for (let i = 0; i < 40; i++) w.sim.mcast(1, 100, 'agreed')
    w.runUntil(() => w.sim.node(3).engine!.stats.failedToReceive > 0, 20000)
    w.runUntil(() => w.oneRing([1, 2]), 5000)
    w.sim.filter = undefined
    w.runUntil(() => w.oneRing([1, 2, 3]), 10000)
  })

  it('a 1 MiB message is fragmented, reassembled and delivered intact to every member', () => {
    const w = new World([1, 2, 3])
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    expect(w.sim.mcast(2, 1024 * 1024, 'agreed')).to.equal('ok')
    w.runUntil(() => [1, 2, 3].every((id) => (w.delivered.get(id) ?? []).length === 1), 20000)
  })

  it('safe delivery waits for every member while agreed delivery does not', () => {
    const w = new World([1, 2, 3])
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 5000)
    const latency = (guarantee: 'safe' | 'agreed', count: number): number => {
      w.run(500)
      w.sim.mcast(1, 50, guarantee)
      return w.runUntil(() => (w.delivered.get(1) ?? []).length === count, 2000)
    }
    const agreed = latency('agreed', 1)
    const safe = latency('safe', 2)
    // Agreed needs the sender's own token visit; safe two further visits showing every member holds it.
    expect(safe).to.be.greaterThan(agreed)
    expect(w.sim.node(1).engine!.stats.deliveredSafe).to.equal(1)
  })
})
