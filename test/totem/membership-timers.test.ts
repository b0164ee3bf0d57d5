import { expect } from 'chai'
import type { Outgoing, TotemOutput } from '../../lib/totem/events.js'
import type { Srp } from '../../lib/totem/srp/srp.js'
import type { Frame } from '../../lib/wire/frames.js'
import {
  commitTokensIn, drainSrp, formSrpRing, joinFrame, joinsIn, makeSrp, runTimers, stateChanges, tokenFrame, tokensIn,
  type Recorded,
} from './harness.js'

/*
 * Failure detection timing (digest §3.8–3.9, §5) with corosync defaults for a
 * three-node nodelist: token 3650 ms, token_retransmit 869 ms, consensus 4380 ms.
 * One node is taken off a formed ring and its timers are run alone, ticked
 * at every deadline as a host event loop would.
 */

const ALL = [1, 2, 3]
const TOKEN = 3650
const RETRANSMIT = 869
const CONSENSUS = 4380

/** Node 2 of a formed ring, off the loop, having just forwarded a fresh token at time T. */
function lastToken(): { srp: Srp; T: number; forwarded: Outgoing } {
  const { node } = formSrpRing(ALL)
  const srp = node(2).srp
  drainSrp(srp)
  expect(srp.config).to.include({ token: TOKEN, tokenRetransmit: RETRANSMIT, consensus: CONSENSUS })
  const T = srp.now + 1
  srp.receive(T, tokenFrame(1, srp.ringId, { tokenSeq: srp.myTokenSeq + 1, seq: srp.aru, aru: srp.aru, aruAddr: 0 }))
  const out = drainSrp(srp)
  expect(tokensIn(out.sends)).to.have.length(1)
  return { srp, T, forwarded: out.sends[0]! }
}

function sendTimes(log: ReadonlyArray<Recorded<TotemOutput>>, pick: (sends: readonly Outgoing[]) => readonly unknown[]): number[] {
  return log.filter((r) => pick(r.item.sends).length > 0).map((r) => r.at)
}

function warnings(log: ReadonlyArray<Recorded<TotemOutput>>, code: string): number[] {
  return log.filter((r) => r.item.events.some((e) => e.type === 'warning' && e.code === code)).map((r) => r.at)
}

describe('totem/membership-timers: token loss', () => {
  it('an OPERATIONAL node whose token stops enters GATHER exactly `token` ms after the last token', () => {
    const { srp, T } = lastToken()
    const before = runTimers(srp, T + TOKEN - 1)
    expect(stateChanges(before)).to.deep.equal([])
    expect(srp.state).to.equal('operational')
    const at = runTimers(srp, T + TOKEN)
    expect(stateChanges(at)).to.deep.equal([{ at: T + TOKEN, state: 'gather', reason: 'token lost in operational state' }])
    expect(srp.stats.operationalTokenLost).to.equal(1)
    expect(warnings([...before, ...at], 'process-pause')).to.deep.equal([])
  })

  it('every valid token restarts the token-loss timer', () => {
    const { srp, T } = lastToken()
    runTimers(srp, T + 3000)
    const T2 = srp.now + 1
    srp.receive(T2, tokenFrame(1, srp.ringId, { tokenSeq: srp.myTokenSeq + 1, seq: srp.aru, aru: srp.aru, aruAddr: 0 }))
    const log = runTimers(srp, T2 + TOKEN)
    expect(stateChanges(log).map((c) => c.at)).to.deep.equal([T2 + TOKEN])
  })

  it('a duplicate token does not restart it (retransmitted copies cannot keep a dead ring alive)', () => {
    const { srp, T } = lastToken()
    runTimers(srp, T + 3000)
    srp.receive(srp.now + 1, tokenFrame(1, srp.ringId, { tokenSeq: srp.myTokenSeq, seq: srp.aru, aru: srp.aru, aruAddr: 0 }))
    const log = runTimers(srp, T + TOKEN)
    expect(stateChanges(log).map((c) => c.at)).to.deep.equal([T + TOKEN])
  })

  it('the token is re-sent every token_retransmit ms, identical to the last one, until GATHER', () => {
    const { srp, T, forwarded } = lastToken()
    const log = runTimers(srp, T + TOKEN + 2 * RETRANSMIT)
    const resent = log.filter((r) => tokensIn(r.item.sends).length > 0)
    expect(resent.map((r) => r.at)).to.deep.equal([1, 2, 3, 4].map((k) => T + k * RETRANSMIT))
    for (const r of resent) expect(r.item.sends.filter((s) => s.kind === 'unicast')).to.deep.equal([forwarded])
  })

  it('a token warning is raised at token_warning % of the token timeout', () => {
    const { srp, T } = lastToken()
    const log = runTimers(srp, T + TOKEN - 1)
    expect(warnings(log, 'token-warning')).to.deep.equal([T + Math.floor(TOKEN * 0.75)])
  })
})

describe('totem/membership-timers: consensus', () => {
  it('after token loss, consensus expires `consensus` ms later and fails every silent node', () => {
    const { srp, T } = lastToken()
    const G = T + TOKEN
    runTimers(srp, G)
    expect(srp.procList).to.deep.equal(ALL)
    const before = runTimers(srp, G + CONSENSUS - 1)
    expect(stateChanges(before)).to.deep.equal([])
    expect(srp.failedList).to.deep.equal([])
    // Joins went out all along, every `join` ms.
    expect(sendTimes(before, joinsIn)).to.have.length(Math.floor((CONSENSUS - 1) / srp.config.join))
    const at = runTimers(srp, G + CONSENSUS)
    expect(stateChanges(at)).to.deep.equal([{ at: G + CONSENSUS, state: 'gather', reason: 'consensus timeout' }])
    expect(srp.failedList).to.deep.equal([1, 3])
    expect(joinsIn(at.at(-1)!.item.sends).map((j) => j.join.failedList)).to.deep.equal([[1, 3]])
  })
})

describe('totem/membership-timers: consensus without a commit token', () => {
  it('a node that reached consensus waits one more token period for the commit token, then fails the silent nodes', () => {
    const { srp } = makeSrp(2, ALL)
    srp.start(0)
    for (const [t, from] of [[1, 1], [2, 3], [3, 1]] as const) srp.receive(t, joinFrame(from, ALL))
    drainSrp(srp)
    expect([...srp.consensus].sort()).to.deep.equal(ALL)
    const entered = 1 // GATHER was re-entered when node 1's first join taught {1,2,3}
    const quiet = runTimers(srp, entered + CONSENSUS + TOKEN - 1)
    expect(stateChanges(quiet)).to.deep.equal([])
    expect(srp.failedList).to.deep.equal([])
    const at = runTimers(srp, entered + CONSENSUS + TOKEN)
    expect(stateChanges(at)).to.deep.equal([{ at: entered + CONSENSUS + TOKEN, state: 'gather', reason: 'consensus timeout' }])
    expect(srp.failedList).to.deep.equal([1, 3])
  })
})

describe('totem/membership-timers: COMMIT', () => {
  function committed(): { srp: Srp; C: number; commit: Outgoing } {
    const { srp } = makeSrp(1, ALL)
    srp.start(0)
    const feed = (now: number, frame: Frame): TotemOutput => { srp.receive(now, frame); return drainSrp(srp) }
    feed(10, joinFrame(2, ALL))
    feed(11, joinFrame(2, ALL))
    const out = feed(12, joinFrame(3, ALL))
    expect(srp.state).to.equal('commit')
    const commit = out.sends.find((s) => s.kind === 'unicast' && s.frame.body.kind === 'commit')
    if (commit === undefined) throw new Error('no commit token sent')
    return { srp, C: 12, commit }
  }

  it('the commit token is re-sent every token_retransmit ms while in COMMIT', () => {
    const { srp, C, commit } = committed()
    const log = runTimers(srp, C + TOKEN - 1)
    const resent = log.filter((r) => commitTokensIn(r.item.sends).length > 0)
    expect(resent.map((r) => r.at)).to.deep.equal([1, 2, 3, 4].map((k) => C + k * RETRANSMIT))
    for (const r of resent) expect(r.item.sends).to.deep.equal([commit])
  })

  it('a commit token that never comes back sends the node to GATHER after `token` ms', () => {
    const { srp, C } = committed()
    const log = runTimers(srp, C + TOKEN)
    expect(stateChanges(log)).to.deep.equal([{ at: C + TOKEN, state: 'gather', reason: 'token lost in commit state' }])
    const after = runTimers(srp, C + TOKEN + 2 * RETRANSMIT)
    expect(sendTimes(after, commitTokensIn)).to.deep.equal([])
  })
})

describe('totem/membership-timers: process pause', () => {
  const PAUSE = TOKEN / 2

  function gathering(): Srp {
    const { srp } = makeSrp(1, ALL)
    srp.start(0)
    drainSrp(srp)
    return srp
  }

  it('no input for more than token/2 raises a process-pause warning and drops the joins that follow for `join` ms', () => {
    const srp = gathering()
    const t = PAUSE + 1
    srp.receive(t, joinFrame(2, [1, 2]))
    const out = drainSrp(srp)
    expect(out.events.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.code)).to.deep.equal(['process-pause'])
    expect(out.sends).to.deep.equal([])
    expect(srp.procList).to.deep.equal([1])
    srp.receive(t + srp.config.join - 1, joinFrame(2, [1, 2]))
    expect(drainSrp(srp).sends).to.deep.equal([])
    expect(srp.procList).to.deep.equal([1])
    srp.receive(t + srp.config.join, joinFrame(2, [1, 2]))
    expect(joinsIn(drainSrp(srp).sends)).to.have.length(1)
    expect(srp.procList).to.deep.equal([1, 2])
  })

  it('a gap of exactly token/2 is not a pause', () => {
    const srp = gathering()
    srp.receive(PAUSE, joinFrame(2, [1, 2]))
    const out = drainSrp(srp)
    expect(out.events.filter((e) => e.type === 'warning')).to.deep.equal([])
    expect(srp.procList).to.deep.equal([1, 2])
  })

  it('a late tick is a pause too', () => {
    const srp = gathering()
    srp.tick(PAUSE + 100)
    expect(drainSrp(srp).events.some((e) => e.type === 'warning' && e.code === 'process-pause')).to.equal(true)
    expect(srp.stats.processPauses).to.equal(1)
  })

  it('a host that ticks at every deadline never sees a pause, even with nothing else to do', () => {
    const { srp } = lastToken()
    const log = runTimers(srp, srp.now + 30_000)
    expect(warnings(log, 'process-pause')).to.deep.equal([])
    expect(srp.stats.processPauses).to.equal(0)
  })
})
