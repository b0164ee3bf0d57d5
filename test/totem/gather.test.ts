import { expect } from 'chai'
import type { TotemOutput } from '../../lib/totem/events.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import type { Srp } from '../../lib/totem/srp/srp.js'
import type { Frame } from '../../lib/wire/frames.js'
import {
  commitTokensIn, drainSrp, formSrpRing, joinFrame, joinsIn, makeSrp, oneRing, runTimers, stateChanges,
} from './harness.js'

/*
 * GATHER (Totem SRP §4, corosync memb_join_process; digest §4.1–4.3): joins
 * are exchanged until every node of proc − failed has announced the same
 * sets; the lowest of them then creates the commit token.
 */

const ALL = [1, 2, 3]
const FOUR = [1, 2, 3, 4]

function gathering(self: NodeId, ringSeq = 0, nodes: readonly NodeId[] = ALL): Srp {
  const { srp } = makeSrp(self, nodes, {}, ringSeq)
  srp.start(0)
  drainSrp(srp)
  return srp
}

function feed(srp: Srp, now: number, frame: Frame): TotemOutput {
  srp.receive(now, frame)
  return drainSrp(srp)
}

/** Brings `srp` to proc {1,2,3} and then delivers identical joins from `from`, in order. */
function agree(srp: Srp, from: readonly NodeId[], seqs: Partial<Record<NodeId, number>> = {}): TotemOutput[] {
  const other = ALL.find((id) => id !== srp.self)!
  const outputs = [feed(srp, 1, joinFrame(other, ALL, [], seqs[other] ?? 0))]
  from.forEach((id, i) => {
    const seq = id === srp.self ? srp.ringId.seq : seqs[id] ?? 0
    outputs.push(feed(srp, 2 + i, joinFrame(id, ALL, [], seq)))
  })
  return outputs
}

describe('totem/gather: joins and consensus', () => {
  it('a node entering GATHER multicasts one join, with loopback, carrying its proc/failed sets and ring seq', () => {
    const { srp } = makeSrp(2, ALL, {}, 7)
    srp.start(0)
    const out = drainSrp(srp)
    expect(srp.state).to.equal('gather')
    expect(out.sends).to.have.length(1)
    expect(out.sends[0]).to.deep.equal({
      kind: 'mcast', loopback: true,
      frame: { sender: 2, body: { kind: 'join', procList: [2], failedList: [], ringSeq: 8, leave: false } },
    })
  })

  it('the join is re-sent every `join` ms while in GATHER', () => {
    const srp = gathering(1)
    const log = runTimers(srp, 200)
    const joinTimes = log.filter((r) => joinsIn(r.item.sends).length > 0).map((r) => r.at)
    expect(joinTimes).to.deep.equal([50, 100, 150, 200])
  })

  it('consensus: identical joins from all of proc − failed make the LOWEST node create the commit token at highest seq + 4', () => {
    const srp = gathering(1, 10)
    expect(srp.ringId.seq).to.equal(11)
    const outputs = agree(srp, [1, 3, 2], { 2: 20, 3: 16 })
    // Before node 2's identical join arrives, consensus is incomplete.
    for (const out of outputs.slice(0, -1)) expect(commitTokensIn(out.sends)).to.deep.equal([])
    const last = outputs.at(-1)!
    const commits = commitTokensIn(last.sends)
    expect(commits).to.have.length(1)
    expect(commits[0]!.to).to.equal(2)
    expect(commits[0]!.token).to.include({ membIndex: 1, tokenSeq: 1 })
    expect(commits[0]!.token.ringId).to.deep.equal({ rep: 1, seq: 24 })
    expect(commits[0]!.token.members).to.deep.equal([1, 2, 3])
    expect(srp.state).to.equal('commit')
    expect(last.persistRingSeq).to.equal(24)
  })

  it('consensus: a node that is not the lowest of proc − failed does not create a commit token', () => {
    const srp = gathering(2)
    const outputs = agree(srp, [2, 1, 3])
    for (const out of outputs) expect(commitTokensIn(out.sends)).to.deep.equal([])
    expect(srp.state).to.equal('gather')
    expect([...srp.consensus].sort()).to.deep.equal(ALL)
  })

  it('commit token receipt in GATHER: accepted only for exactly my proc − failed and a higher ring seq', () => {
    const srp = gathering(2)
    agree(srp, [2, 1, 3])
    const token = (members: readonly NodeId[], seq: number): Frame => ({
      sender: 1,
      body: { kind: 'commit', ringId: { rep: 1, seq }, tokenSeq: 1, members, membIndex: 1,
        entries: [{ ringId: { rep: 1, seq: 0 }, aru: 0, highDelivered: 0, receivedFlg: true, safeUpTo: 0 }] },
    })
    expect(commitTokensIn(feed(srp, 10, token([1, 2], 9)).sends)).to.deep.equal([])
    expect(commitTokensIn(feed(srp, 11, token(ALL, srp.ringId.seq)).sends)).to.deep.equal([])
    expect(srp.state).to.equal('gather')
    const out = feed(srp, 12, token(ALL, 9))
    expect(srp.state).to.equal('commit')
    expect(commitTokensIn(out.sends).map((c) => [c.to, c.token.membIndex])).to.deep.equal([[3, 2]])
  })

  it('a join from a node that lists me as failed puts the sender in my failed list', () => {
    const srp = gathering(1)
    feed(srp, 1, joinFrame(2, ALL))
    const out = feed(srp, 2, joinFrame(3, ALL, [1]))
    expect(srp.failedList).to.deep.equal([3])
    expect(srp.procList).to.deep.equal(ALL)
    expect(joinsIn(out.sends).map((j) => j.join.failedList)).to.deep.equal([[3]])
  })

  it('a join that teaches nothing new does not re-send a join (no join storm)', () => {
    const srp = gathering(1)
    feed(srp, 1, joinFrame(2, ALL))
    // A stale subset and an identical view, each twice.
    const quiet = [joinFrame(3, [1, 3]), joinFrame(2, ALL), joinFrame(3, [1, 3]), joinFrame(2, ALL)]
    quiet.forEach((frame, i) => {
      const out = feed(srp, 2 + i, frame)
      expect(out.sends, `join ${i}`).to.deep.equal([])
      expect(out.events, `join ${i}`).to.deep.equal([])
    })
    expect(srp.procList).to.deep.equal(ALL)
    expect(srp.failedList).to.deep.equal([])
  })

  it('a foreign join failing a member of my ring teaches nothing: GATHER is not re-entered on every repeat', () => {
    // Corosync re-enters GATHER here each time, resetting consensus and re-sending: a join storm.
    const { node } = formSrpRing(FOUR, {}, [1, 2])
    const srp = node(1).srp
    drainSrp(srp)
    const first = feed(srp, srp.now + 1, joinFrame(3, FOUR, [2]))
    expect(srp.state).to.equal('gather')
    expect(joinsIn(first.sends)).to.have.length(1)
    expect(srp.failedList).to.deep.equal([])
    for (let i = 2; i <= 5; i++) {
      const out = feed(srp, srp.now + 1, joinFrame(3, FOUR, [2]))
      expect(out.sends, `repeat ${i}`).to.deep.equal([])
      expect(out.events, `repeat ${i}`).to.deep.equal([])
    }
  })

  // Corosync's memb_join_process adopts a failed list only from a member of my own ring (the
  // branch for other senders is unreachable there); a foreign ring cannot fail my members, nor
  // anyone else. Consensus timeouts settle such disagreements.
  it('a foreign join does not teach its failed list', () => {
    const { node } = formSrpRing(FOUR, {}, [1, 2])
    const srp = node(1).srp
    drainSrp(srp)
    feed(srp, srp.now + 1, joinFrame(3, FOUR, [2, 4]))
    expect(srp.procList).to.deep.equal(FOUR)
    expect(srp.failedList).to.deep.equal([])
  })

  // Unlike corosync, a leave fails its sender at once even from outside my ring: it speaks for itself.
  it('a LEAVE from a node outside my ring, received in GATHER, fails the leaver at once', () => {
    const srp = gathering(1)
    feed(srp, 1, joinFrame(2, ALL))
    feed(srp, 2, joinFrame(3, [1, 2], [3], 0, true))
    expect(srp.failedList).to.deep.equal([3])
  })

  it('a join from a node in my failed list carries no weight', () => {
    const srp = gathering(1)
    feed(srp, 1, joinFrame(2, ALL))
    feed(srp, 2, joinFrame(3, ALL, [1]))
    const out = feed(srp, 3, joinFrame(3, [1, 2, 3], [2]))
    expect(out.sends).to.deep.equal([])
    expect(srp.failedList).to.deep.equal([3])
  })

  it('consensus timeout moves the silent nodes to the failed list, and the rest form a ring without them', () => {
    const srp = gathering(1)
    agree(srp, [1, 2]) // GATHER re-entered at t=1; node 3 never answers
    const before = runTimers(srp, 1 + srp.config.consensus - 1)
    expect(srp.failedList).to.deep.equal([])
    expect(stateChanges(before)).to.deep.equal([])
    const at = runTimers(srp, 1 + srp.config.consensus)
    expect(stateChanges(at)).to.deep.equal([{ at: 4381, state: 'gather', reason: 'consensus timeout' }])
    expect(srp.failedList).to.deep.equal([3])
    expect(joinsIn(at.at(-1)!.item.sends).map((j) => j.join.failedList)).to.deep.equal([[3]])
    feed(srp, 4382, joinFrame(1, ALL, [3], srp.ringId.seq))
    const out = feed(srp, 4383, joinFrame(2, ALL, [3]))
    expect(commitTokensIn(out.sends).map((c) => c.token.members)).to.deep.equal([[1, 2]])
  })

  it('a join with a higher ring seq raises the seq of the next ring; a lower one does not lower it', () => {
    const srp = gathering(1)
    feed(srp, 1, joinFrame(2, ALL, [], 100))
    feed(srp, 2, joinFrame(3, ALL, [], 3))
    expect(srp.tokenRingIdSeq).to.equal(100)
    expect(srp.state).to.equal('gather')
    const out = feed(srp, 3, joinFrame(2, ALL, [], 5))
    expect(commitTokensIn(out.sends).map((c) => c.token.ringId)).to.deep.equal([{ rep: 1, seq: 104 }])
  })
})

describe('totem/gather: joins seen in OPERATIONAL', () => {
  it('ignored when the sender lists me as failed', () => {
    const { node } = formSrpRing(ALL)
    const srp = node(2).srp
    drainSrp(srp)
    const out = feed(srp, srp.now + 1, joinFrame(3, ALL, [2], srp.ringId.seq + 8))
    expect(srp.state).to.equal('operational')
    expect(out.sends).to.deep.equal([])
  })

  it('ignored when a member of my ring sends a join older than my ring', () => {
    const { node } = formSrpRing(ALL)
    const srp = node(2).srp
    drainSrp(srp)
    const out = feed(srp, srp.now + 1, joinFrame(3, ALL, [], srp.ringId.seq - 1))
    expect(srp.state).to.equal('operational')
    expect(out.sends).to.deep.equal([])
  })

  it('processed (GATHER) when a member of my ring sends a join of my ring or newer', () => {
    const { node } = formSrpRing(ALL)
    const srp = node(2).srp
    drainSrp(srp)
    const out = feed(srp, srp.now + 1, joinFrame(3, ALL, [], srp.ringId.seq))
    expect(srp.state).to.equal('gather')
    expect(joinsIn(out.sends)).to.have.length(1)
  })

  it('processed when a node outside my ring sends a join, however old its ring seq', () => {
    const { node } = formSrpRing(FOUR, {}, ALL)
    const srp = node(2).srp
    drainSrp(srp)
    expect(srp.membList).to.deep.equal(ALL)
    const out = feed(srp, srp.now + 1, joinFrame(4, [4], [], 1))
    expect(srp.state).to.equal('gather')
    expect(srp.procList).to.deep.equal(FOUR)
    expect(joinsIn(out.sends).map((j) => j.join.procList)).to.deep.equal([FOUR])
  })

  it('a LEAVE join from a ring member makes the others re-form without it, well before a token timeout', () => {
    const { loop, node } = formSrpRing(ALL)
    const oldRing = node(1).srp.ringId
    node(3).srp.leave(loop.now)
    const out = loop.collect(3)
    loop.remove(3)
    const leaves = joinsIn(out.sends)
    expect(leaves).to.have.length(2)
    expect(leaves[0]!.join).to.deep.include({ procList: [1, 2], failedList: [3], leave: true })
    expect(node(3).srp.state).to.equal('stopped')
    const took = loop.runUntil(() => oneRing([node(1).srp, node(2).srp], [1, 2]), 60_000)
    expect(took).to.be.lessThan(node(1).srp.config.token)
    expect(node(1).srp.ringId.seq).to.be.greaterThan(oldRing.seq)
    for (const id of [1, 2]) {
      const confs = node(id).upper.configurations.slice(-2)
      expect(confs.map((c) => [c.kind, c.members, c.left])).to.deep.equal([
        ['transitional', [1, 2], [3]],
        ['regular', [1, 2], []],
      ])
    }
  })
})

describe('totem/gather: joins seen in COMMIT', () => {
  function committing(): Srp {
    const srp = gathering(1, 0, FOUR)
    agree(srp, [1, 3, 2])
    expect(srp.state).to.equal('commit')
    expect(srp.newMembList).to.deep.equal(ALL)
    return srp
  }

  it('a join from a member of the ring being formed, with a ring seq at least the new one, restarts GATHER', () => {
    const srp = committing()
    const out = feed(srp, 10, joinFrame(2, ALL, [3], srp.ringId.seq))
    expect(srp.state).to.equal('gather')
    expect(commitTokensIn(out.sends)).to.deep.equal([])
    expect(out.events.filter((e) => e.type === 'state').map((e) => e.type === 'state' && e.reason)).to.deep.equal(['join during commit'])
    expect(joinsIn(out.sends)).to.have.length(1)
  })

  it('ignored when older than the ring being formed, or from a node outside it', () => {
    const srp = committing()
    expect(feed(srp, 10, joinFrame(2, ALL, [], srp.ringId.seq - 1)).sends).to.deep.equal([])
    expect(feed(srp, 11, joinFrame(4, FOUR, [], srp.ringId.seq + 100)).sends).to.deep.equal([])
    expect(srp.state).to.equal('commit')
  })
})
