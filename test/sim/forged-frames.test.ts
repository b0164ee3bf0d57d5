import { expect } from 'chai'
import type { NodeId } from '../../lib/totem/ring-id.js'
import type { Frame, OrfToken } from '../../lib/wire/frames.js'
import { World } from './world.js'

/*
 * Well-formed frames with wrong field values: what a forger sends in plain
 * mode, or a damaged frame that passes its checksum (odds 2^-32). Each once
 * wedged the membership protocol or split the order; each case here failed
 * before the field was bounded or checked. The checkers (total order, virtual
 * synchrony) watch every event.
 */

function inject(w: World, from: NodeId, to: NodeId, frame: Frame): void {
  w.sim.network.submit(w.sim.now, from, to, w.sim.codec.encode(frame))
}

function send(w: World, id: NodeId, count: number): void {
  for (let i = 0; i < count; i++) w.sim.mcast(id, 64, 'agreed')
}

function deliveredAll(w: World, ids: readonly NodeId[], total: number): boolean {
  return ids.every((id) => (w.delivered.get(id)?.length ?? 0) >= total)
}

describe('sim/forged frames: wrong values in well-formed frames', () => {
  it('a join announcing a ring seq near 2^53 is refused: later membership changes still form rings', () => {
    const w = new World([1, 2, 3], { totem: { token: 200 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 10_000)
    for (const to of [1, 3]) inject(w, 2, to, { sender: 2, body: { kind: 'join', procList: [1, 2, 3], failedList: [], ringSeq: 2 ** 53 - 16, leave: false } })
    w.run(2000)
    const refused = w.sim.node(1).engine!.stats.joinRejected + w.sim.node(3).engine!.stats.joinRejected
    // Two more configurations: with the seq taken, the second one's ring id would not fit a frame exactly.
    const bound = 10 * (w.sim.config.token + w.sim.config.consensus)
    w.sim.crash(3)
    w.runUntil(() => w.oneRing([1, 2]), bound)
    w.sim.start(3)
    w.runUntil(() => w.oneRing([1, 2, 3]), bound)
    expect(w.sim.node(1).engine!.ringId.seq).to.be.below(2 ** 32)
    expect(refused).to.equal(2)
  })

  it('a genuine token also delivered to a node that is not its successor is refused: one holder, one order', () => {
    const w = new World([1, 2, 3], { totem: { token: 300 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 10_000)
    const formed = w.configs.length
    let redirected = 0
    w.sim.filter = (from, to, frame) => {
      // Every token 1 → 2 also reaches 3 (a replay or a misdelivery), for a while.
      if (redirected < 200 && frame.body.kind === 'token' && from === 1 && to === 2) {
        redirected++
        w.sim.network.submit(w.sim.now, 1, 3, w.sim.codec.encode(frame))
      }
      return true
    }
    for (let round = 0; round < 20; round++) {
      for (const id of [1, 2, 3]) send(w, id, 5)
      w.run(50)
    }
    w.runUntil(() => deliveredAll(w, [1, 2, 3], 300), 20_000)
    expect(redirected).to.equal(200)
    expect(w.sim.node(3).engine!.stats.tokenRejected).to.be.at.least(100)
    expect(w.configs.slice(formed), 'no membership change').to.deep.equal([])
  })

  it('a token whose flow-control count says the window is full does not stall the ring for ever', () => {
    const w = new World([1, 2, 3], { totem: { token: 1000 } })
    w.startAll()
    w.runUntil(() => w.oneRing([1, 2, 3]), 10_000)
    const formed = w.configs.length
    let forged = false
    w.sim.filter = (from, to, frame) => {
      if (forged || frame.body.kind !== 'token' || from !== 1 || to !== 2) return true
      forged = true
      const token: OrfToken = { ...frame.body, fcc: frame.body.fcc + 10 * w.sim.config.windowSize }
      inject(w, 1, 2, { sender: 1, body: token })
      return false
    }
    w.run(100)
    expect(forged).to.equal(true)
    for (const id of [1, 2, 3]) send(w, id, 20)
    // Far less than a token timeout: the ring never stopped, it only had to notice an idle rotation.
    w.runUntil(() => deliveredAll(w, [1, 2, 3], 60), 500)
    expect(w.configs.slice(formed), 'no membership change').to.deep.equal([])
  })
})
