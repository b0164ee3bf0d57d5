import { expect } from 'chai'
import { Bench, fwd } from './bench.js'
import { drainSrp, mcastsIn, tokenFrame } from './harness.js'

/*
 * The token rules again, on a ring whose message seqs cross 2^32 (digest §3.1:
 * every seq and aru comparison is rollover-aware). The receiving node's window
 * is rebased so that its aru is 0xfffffffe: a+1 = 0xffffffff, a+2 = 0, a+3 = 1.
 */

const NEAR_WRAP = 0xfffffffe

describe('totem/token across the u32 wrap', () => {
  it('agreed messages are delivered in order across the wrap', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    b.mcast(3)
    b.mcast(1)
    expect(b.delivered()).to.deep.equal([1])
    b.mcast(2)
    expect(b.delivered()).to.deep.equal([1, 2, 3])
    expect(b.upper.deliveries.map((d) => d.seq)).to.deep.equal([0xffffffff, 0, 1])
    expect(b.srp.aru).to.equal(1)
  })

  it('a node that is behind lowers the token aru across the wrap', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    b.mcast(1)
    const t = fwd(b.visit({ seq: b.at(3), aru: b.at(3), aruAddr: 0 }))
    expect(t).to.include({ aru: 0xffffffff, aruAddr: 2, seq: 1 })
  })

  it('a node ahead of a token aru across the wrap leaves it alone; the lowering node raises it', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    for (const i of [1, 2, 3]) b.mcast(i)
    expect(fwd(b.visit({ seq: b.at(3), aru: b.at(1), aruAddr: 3 }))).to.include({ aru: 0xffffffff, aruAddr: 3 })
    expect(fwd(b.visit({ seq: b.at(3), aru: b.at(1), aruAddr: 2 }))).to.include({ aru: 1, aruAddr: 0 })
  })

  it('a message missing across the wrap (seq 0) is requested after missCountConst visits', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    b.mcast(1)
    b.mcast(3)
    let rtr: unknown[] = []
    for (let v = 0; v < b.srp.config.missCountConst; v++) rtr = fwd(b.visit({ seq: b.at(3), aru: b.at(1), aruAddr: 2 })).rtr
    expect(rtr).to.deep.equal([{ ringId: b.ring, seq: 0 }])
  })

  it('messages are freed across the wrap after two visits show them held everywhere', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    for (const i of [1, 2, 3]) b.mcast(i)
    b.visit({ seq: b.at(3), aru: b.at(3), aruAddr: 0 })
    expect(b.srp.regularQueue.has(0xffffffff)).to.equal(true)
    b.visit({ seq: b.at(3), aru: b.at(3), aruAddr: 0 })
    expect(b.srp.regularQueue.has(0xffffffff)).to.equal(false)
    expect(b.srp.regularQueue.has(0)).to.equal(false)
    expect(b.srp.lastReleased).to.equal(1)
    expect(b.srp.regularQueue.base).to.equal(2)
  })

  it('a safe message across the wrap waits for two visits', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    b.mcast(1)
    b.mcast(2, 'safe')
    expect(b.delivered()).to.deep.equal([1])
    b.visit({ seq: b.at(2), aru: b.at(2), aruAddr: 0 })
    expect(b.delivered()).to.deep.equal([1])
    b.visit({ seq: b.at(2), aru: b.at(2), aruAddr: 0 })
    expect(b.delivered()).to.deep.equal([1, 2])
  })

  it('new messages take seqs across the wrap and the token follows', () => {
    const b = new Bench(2, {}, NEAR_WRAP)
    b.upper.queue(5)
    const out = b.visit({ seq: b.a, aru: b.a, aruAddr: 0 })
    expect(mcastsIn(out.sends).map((m) => m.seq)).to.deep.equal([0xffffffff, 0, 1, 2, 3])
    expect(fwd(out)).to.include({ seq: 3, aru: 3, aruAddr: 0 })
    expect(b.srp.highSeqReceived).to.equal(3)
  })

  it('token_seq wraps too: 0 follows 0xffffffff, and 0xffffffff is then a duplicate', () => {
    const b = new Bench(2)
    b.srp.myTokenSeq = 0xfffffffe
    const frame = (tokenSeq: number) => tokenFrame(1, b.ring, { tokenSeq, seq: b.a, aru: b.a, aruAddr: 0 })
    b.srp.receive(++b.now, frame(0xffffffff))
    expect(fwd(drainSrp(b.srp)).tokenSeq).to.equal(0)
    b.srp.receive(++b.now, frame(1))
    expect(fwd(drainSrp(b.srp)).tokenSeq).to.equal(2)
    b.srp.receive(++b.now, frame(0xffffffff))
    expect(drainSrp(b.srp).sends).to.deep.equal([])
  })
})
