import { expect } from 'chai'
import type { OrfToken } from '../../lib/wire/frames.js'
import type { RingId } from '../../lib/totem/ring-id.js'
import { Bench, fwd } from './bench.js'
import {
  drainSrp, holdCancelFrame, joinFrame, makeSrp, mcastsIn, runTimers, tokenFrame, tokensIn,
} from './harness.js'

/*
 * The regular token (Totem SRP §3, corosync message_handler_orf_token; digest
 * §3.3–3.8). A ring {1,2,3} is formed on the loop, then one node is taken off
 * it and fed hand-made tokens and multicasts.
 */

const ALL = [1, 2, 3]

describe('totem/token: the all-received-up-to (aru) rules', () => {
  it('a node that is behind lowers the token aru to its own and sets aru_addr to itself', () => {
    const b = new Bench(2)
    const t = fwd(b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 }))
    expect(t).to.include({ aru: b.a, aruAddr: 2, seq: b.a + 3 })
  })

  it('only the node that lowered the aru raises it again', () => {
    const b = new Bench(2)
    for (const i of [1, 2, 3]) b.mcast(i)
    expect(b.srp.aru).to.equal(b.a + 3)
    const other = fwd(b.visit({ seq: b.a + 3, aru: b.a + 1, aruAddr: 3 }))
    expect(other).to.include({ aru: b.a + 1, aruAddr: 3 })
    const mine = fwd(b.visit({ seq: b.a + 5, aru: b.a + 1, aruAddr: 2 }))
    expect(mine).to.include({ aru: b.a + 3, aruAddr: 2 })
  })

  it('aru_addr becomes 0 when the raised aru reaches the token seq (everyone is complete)', () => {
    const b = new Bench(2)
    for (const i of [1, 2, 3]) b.mcast(i)
    const t = fwd(b.visit({ seq: b.a + 3, aru: b.a + 1, aruAddr: 2 }))
    expect(t).to.include({ aru: b.a + 3, aruAddr: 0 })
    const again = fwd(b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 }))
    expect(again).to.include({ aru: b.a + 3, aruAddr: 0 })
  })
})

describe('totem/token: retransmission requests', () => {
  it('a missing message is requested only on the missCountConst-th visit that finds it missing, and only once', () => {
    const b = new Bench(2)
    b.mcast(1)
    b.mcast(3)
    const miss = b.srp.config.missCountConst
    let token: OrfToken | undefined
    for (let v = 1; v <= miss; v++) {
      token = fwd(b.visit({ seq: b.a + 3, aru: b.a + 1, aruAddr: 2 }))
      if (v < miss) expect(token.rtr, `visit ${v}`).to.deep.equal([])
    }
    expect(token!.rtr).to.deep.equal([{ ringId: b.ring, seq: b.a + 2 }])
    const next = fwd(b.visit({ seq: b.a + 3, aru: b.a + 1, aruAddr: 2, rtr: token!.rtr.slice() }))
    expect(next.rtr).to.deep.equal([{ ringId: b.ring, seq: b.a + 2 }])
    expect(mcastsIn(b.srp.sends)).to.deep.equal([])
  })

  it('rtr entries I hold are re-multicast from my copy and removed from the token; the others of my ring stay', () => {
    const b = new Bench(2)
    b.mcast(1)
    const old: RingId = { rep: 1, seq: b.ring.seq - 4 }
    const out = b.visit({
      seq: b.a + 2, aru: b.a, aruAddr: 3,
      rtr: [{ ringId: b.ring, seq: b.a + 1 }, { ringId: b.ring, seq: b.a + 2 }, { ringId: old, seq: b.a + 1 }],
    })
    const resent = out.sends.filter((s) => s.kind === 'mcast')
    expect(resent).to.deep.equal([
      { kind: 'mcast', loopback: false, frame: { sender: 2, body: b.srp.regularQueue.get(b.a + 1) } },
    ])
    expect(resent[0]!.frame.body).to.include({ origin: 1, seq: b.a + 1 })
    // A request of another ring can never be served: nobody's window holds it, it would block a slot for ever.
    expect(fwd(out).rtr).to.deep.equal([{ ringId: b.ring, seq: b.a + 2 }])
    expect(b.srp.stats.mcastRetx).to.equal(1)
  })

  it('each retransmission uses one unit of the visit allowance', () => {
    const b = new Bench(2)
    b.mcast(1)
    b.upper.queue(40)
    const out = b.visit({ seq: b.a + 1, aru: b.a, aruAddr: 3, rtr: [{ ringId: b.ring, seq: b.a + 1 }] })
    expect(b.upper.pulls.at(-1)).to.include({ max: b.srp.config.maxMessages - 1 })
    expect(mcastsIn(out.sends)).to.have.length(b.srp.config.maxMessages)
  })

  it('the retransmit list is capped at 30 entries', () => {
    const b = new Bench(2)
    let token: OrfToken | undefined
    for (let v = 0; v < b.srp.config.missCountConst; v++) token = fwd(b.visit({ seq: b.a + 40, aru: b.a, aruAddr: 2 }))
    expect(token!.rtr.map((r) => r.seq - b.a)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1))
  })
})

describe('totem/token: tokens that are not for me', () => {
  it('a token of another ring is dropped', () => {
    const b = new Bench(2)
    const old = { rep: 1, seq: b.ring.seq - 4 }
    b.srp.receive(++b.now, tokenFrame(1, old, { tokenSeq: b.tokenSeq + 1, seq: b.a, aru: b.a, aruAddr: 0 }))
    expect(drainSrp(b.srp).sends).to.deep.equal([])
    expect(b.srp.myTokenSeq).to.equal(b.tokenSeq)
  })

  it('a regular token is discarded in GATHER', () => {
    const { srp } = makeSrp(1, ALL)
    srp.start(0)
    drainSrp(srp)
    srp.receive(1, tokenFrame(2, srp.ringId, { tokenSeq: 1, seq: 0, aru: 0, aruAddr: 0 }))
    expect(drainSrp(srp).sends).to.deep.equal([])
  })
})

describe('totem/token: flow control', () => {
  it('never lets the ring run further ahead of my oldest unreleased message than the receive window allows', () => {
    const { sortQueueSize, windowSize, maxMessages } = new Bench(2).srp.config
    const edge = sortQueueSize - maxMessages - windowSize
    const b = new Bench(2)
    b.upper.queue(40)
    const atEdge = b.visit({ seq: b.a + edge, aru: b.a, aruAddr: 2 })
    expect(mcastsIn(atEdge.sends)).to.have.length(maxMessages)
    const c = new Bench(2)
    c.upper.queue(40)
    const beyond = c.visit({ seq: c.a + edge + 1, aru: c.a, aruAddr: 2 })
    expect(mcastsIn(beyond.sends)).to.deep.equal([])
  })

  it('never more than maxMessages new messages on one visit', () => {
    const b = new Bench(2)
    b.upper.queue(40)
    const out = b.visit({ seq: b.a, aru: b.a, aruAddr: 0 })
    const sent = mcastsIn(out.sends)
    expect(sent.map((m) => m.seq - b.a)).to.deep.equal(Array.from({ length: 17 }, (_, i) => i + 1))
    expect(sent.every((m) => m.origin === 2 && m.ringId === b.ring)).to.equal(true)
    expect(fwd(out)).to.include({ seq: b.a + 17, fcc: 17, backlog: 40, aru: b.a + 17, aruAddr: 0 })
    expect(b.upper.pending).to.have.length(23)
  })

  it('never more than windowSize − fcc per rotation; fcc is a sliding sum over one rotation', () => {
    const b = new Bench(2)
    b.upper.queue(100)
    const first = b.visit({ seq: b.a, aru: b.a, aruAddr: 0, fcc: 40 })
    expect(mcastsIn(first.sends)).to.have.length(10)
    expect(fwd(first).fcc).to.equal(50)
    const full = b.visit({ seq: b.a + 10, aru: b.a + 10, aruAddr: 0, fcc: 50 })
    expect(mcastsIn(full.sends)).to.have.length(0)
    expect(fwd(full).fcc).to.equal(40) // my 10 of the previous rotation leave the window
    const again = b.visit({ seq: b.a + 10, aru: b.a + 10, aruAddr: 0, fcc: 40 })
    expect(mcastsIn(again.sends)).to.have.length(10)
  })

  it('an fcc above windowSize stops sending (the unsigned subtraction is clamped, not wrapped)', () => {
    const b = new Bench(2)
    b.upper.queue(10)
    const out = b.visit({ seq: b.a, aru: b.a, aruAddr: 0, fcc: 60 })
    expect(mcastsIn(out.sends)).to.deep.equal([])
    expect(fwd(out).fcc).to.equal(60)
    expect(b.upper.pending).to.have.length(10)
  })

  it('the window is shared by backlog: share = windowSize × my previous backlog / ring backlog', () => {
    const b = new Bench(2)
    b.upper.queue(100)
    const first = b.visit({ seq: b.a, aru: b.a, aruAddr: 0 })
    expect(mcastsIn(first.sends)).to.have.length(17)
    expect(fwd(first).backlog).to.equal(100)
    // Others now report 900 more: 1000 + 83 − 100 = 983, share = ⌊50 × 100 / 983⌋ = 5.
    const second = b.visit({ seq: b.a + 17, aru: b.a + 17, aruAddr: 0, backlog: 1000 })
    expect(b.upper.pulls.at(-1)).to.include({ max: 5, got: 5 })
    expect(mcastsIn(second.sends)).to.have.length(5)
    expect(fwd(second).backlog).to.equal(983)
  })
})

describe('totem/token: duplicates, garbage collection and delivery', () => {
  it('a duplicate token (token_seq ≤ last) is ignored and does NOT free messages', () => {
    const b = new Bench(2)
    for (const i of [1, 2, 3]) b.mcast(i)
    expect(b.delivered()).to.deep.equal([1, 2, 3])
    const first = b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 })
    expect(tokensIn(first.sends)).to.have.length(1)
    expect(b.srp.regularQueue.has(b.a + 1)).to.equal(true) // one visit at a+3 is not enough
    const dup = b.visit({ tokenSeq: b.tokenSeq, seq: b.a + 3, aru: b.a + 3, aruAddr: 0 })
    expect(dup.sends).to.deep.equal([])
    expect(b.srp.regularQueue.has(b.a + 1)).to.equal(true)
    expect(b.srp.lastReleased).to.equal(b.a)
    b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 })
    expect(b.srp.regularQueue.has(b.a + 1)).to.equal(false)
    expect(b.srp.regularQueue.has(b.a + 3)).to.equal(false)
    expect(b.srp.lastReleased).to.equal(b.a + 3)
  })

  it('an older token_seq is ignored too', () => {
    const b = new Bench(2)
    b.idle()
    const stale = b.visit({ tokenSeq: b.tokenSeq - 1, seq: b.a, aru: b.a, aruAddr: 0 })
    expect(stale.sends).to.deep.equal([])
  })

  it('agreed messages are delivered at once; safe ones only after two token visits show aru ≥ seq', () => {
    const b = new Bench(2)
    b.mcast(1)
    expect(b.delivered()).to.deep.equal([1])
    b.mcast(2, 'safe')
    b.mcast(3)
    expect(b.delivered()).to.deep.equal([1]) // 3 waits behind the safe 2: total order
    b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 })
    expect(b.delivered()).to.deep.equal([1])
    b.visit({ seq: b.a + 3, aru: b.a + 3, aruAddr: 0 })
    expect(b.delivered()).to.deep.equal([1, 2, 3])
    expect(b.upper.deliveries[1]).to.include({ guarantee: 'safe', origin: 1 })
  })

  it('a safe message is not delivered while some member is still behind (token aru below it)', () => {
    const b = new Bench(2)
    b.mcast(1, 'safe')
    for (let v = 0; v < 4; v++) b.visit({ seq: b.a + 1, aru: b.a, aruAddr: 3 })
    expect(b.delivered()).to.deep.equal([])
  })
})

describe('totem/token: token hold on an idle ring', () => {
  function heldRep(): { b: Bench; heldAt: number; held: OrfToken } {
    const b = new Bench(1)
    b.srp.receive(++b.now, holdCancelFrame(2, b.ring)) // restart the idle count from zero
    drainSrp(b.srp)
    const limit = b.srp.config.seqnoUnchangedConst
    for (let v = 1; v <= limit; v++) expect(tokensIn(b.idle().sends), `visit ${v}`).to.have.length(1)
    const out = b.idle()
    expect(tokensIn(out.sends)).to.deep.equal([])
    const last = b.srp.lastTokenSent
    if (last === undefined || last.frame.body.kind !== 'token') throw new Error('no saved token')
    return { b, heldAt: b.now, held: last.frame.body }
  }

  it('the representative holds the token after more than seqnoUnchangedConst idle rotations', () => {
    const { b, heldAt } = heldRep()
    expect(b.srp.tokenHeld).to.equal(true)
    expect(b.srp.nextDeadline()).to.be.at.most(heldAt + b.srp.config.hold)
  })

  it('a hold-cancel makes the representative send the held token at once', () => {
    const { b, held } = heldRep()
    b.srp.receive(++b.now, holdCancelFrame(3, b.ring))
    const out = drainSrp(b.srp)
    expect(tokensIn(out.sends)).to.deep.equal([{ to: 2, token: held }])
    expect(held.tokenSeq).to.equal(b.tokenSeq + 1)
    expect(b.srp.seqUnchanged).to.equal(0)
  })

  it('a hold-cancel of another ring is ignored', () => {
    const { b } = heldRep()
    b.srp.receive(++b.now, holdCancelFrame(3, { rep: 1, seq: b.ring.seq - 4 }))
    expect(drainSrp(b.srp).sends).to.deep.equal([])
  })

  it('without a hold-cancel the held token leaves when the hold timer expires', () => {
    const { b, heldAt, held } = heldRep()
    const log = runTimers(b.srp, heldAt + b.srp.config.hold)
    const sent = log.filter((r) => tokensIn(r.item.sends).length > 0)
    expect(sent.map((r) => r.at)).to.deep.equal([heldAt + b.srp.config.hold])
    expect(tokensIn(sent[0]!.item.sends)[0]!.token).to.deep.equal(held)
  })

  it('a non-representative that believes the token held sends one hold-cancel when it has something to send', () => {
    const b = new Bench(2)
    b.srp.receive(++b.now, holdCancelFrame(3, b.ring))
    drainSrp(b.srp)
    for (let v = 1; v < b.srp.config.seqnoUnchangedConst; v++) b.idle()
    b.srp.signalSend()
    expect(b.srp.sends).to.deep.equal([]) // not held yet: nothing to cancel
    expect(tokensIn(b.idle().sends)).to.have.length(1) // non-reps never withhold the token
    b.srp.signalSend()
    b.srp.signalSend()
    expect(drainSrp(b.srp).sends).to.deep.equal([
      { kind: 'mcast', loopback: true, frame: { sender: 2, body: { kind: 'hold-cancel', ringId: b.ring } } },
    ])
  })
})

describe('totem/token: failure to receive', () => {
  it('a node that holds the ring aru back for more than failRecvConst visits fails itself and forms a singleton', () => {
    const b = new Bench(2, { failRecvConst: 3 })
    b.mcast(2) // a+1 never arrives
    // Each visit shows the same token aru as the previous one: the count reaches 1, 2, 3, then 4 > 3.
    for (let v = 1; v <= 3; v++) {
      const out = b.visit({ seq: b.a + 2, aru: b.a, aruAddr: 2 })
      expect(b.srp.state, `visit ${v}`).to.equal('operational')
      expect(tokensIn(out.sends), `visit ${v}`).to.have.length(1)
    }
    const out = b.visit({ seq: b.a + 2, aru: b.a, aruAddr: 2 })
    expect(tokensIn(out.sends)).to.deep.equal([])
    expect(out.events.some((e) => e.type === 'warning' && e.code === 'failed-to-receive')).to.equal(true)
    expect(b.srp.state).to.equal('gather')
    expect(b.srp.failedList).to.deep.equal([2])
    // The others adopt my failed list; once they agree, I continue alone.
    b.srp.receive(++b.now, joinFrame(1, ALL, [2], b.ring.seq))
    const alone = drainSrp(b.srp)
    expect(b.srp.state).to.equal('gather')
    expect(alone.sends.filter((s) => s.kind === 'unicast')).to.deep.equal([])
    b.srp.receive(++b.now, joinFrame(3, ALL, [2], b.ring.seq))
    const commit = drainSrp(b.srp).sends.find((s) => s.kind === 'unicast' && s.frame.body.kind === 'commit')
    expect(commit?.frame.body.kind === 'commit' && commit.frame.body.members).to.deep.equal([2])
  })

  it('a node that is not the one holding the aru back never fails itself', () => {
    const b = new Bench(2, { failRecvConst: 3 })
    for (let v = 1; v <= 10; v++) b.visit({ seq: b.a + 2, aru: b.a, aruAddr: 3 })
    expect(b.srp.state).to.equal('operational')
  })
})
