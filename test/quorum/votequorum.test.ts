import { expect } from 'chai'
import type { QuorumOptions } from '../../lib/cluster/options.js'
import { ConfigError } from '../../lib/errors.js'
import { VotequorumCodec } from '../../lib/services/quorum/messages.js'
import { LMS_TIMER, votequorum, type QuorumState } from '../../lib/services/quorum/votequorum.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { mulberry32, nodeList, QuorumHarness } from './harness.js'

const range = (from: number, to: number): NodeId[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const singles = (ids: readonly NodeId[]): NodeId[][] => ids.map((id) => [id])

function cluster(n: number, quorum: QuorumOptions = {}, seed = 1): QuorumHarness {
  return new QuorumHarness(nodeList(range(1, n)), quorum, mulberry32(seed))
}

/** quorate / expected / quorum / votes of each node, which must agree. */
function view(h: QuorumHarness, ids: readonly NodeId[]): { quorate: boolean; expectedVotes: number; quorum: number; votes: number } {
  const views = ids.map((id) => {
    const s: QuorumState = h.state(id)
    return { quorate: s.quorate, expectedVotes: s.expectedVotes, quorum: s.quorum, votes: s.votes }
  })
  for (const v of views) expect(v, `nodes ${ids.join(',')} disagree`).to.deep.equal(views[0])
  return views[0]!
}

describe('quorum/votequorum: service', () => {
  it('nodes booting one by one: quorate from 5 of 8, one event per sync round', () => {
    const h = cluster(8)
    expect(h.get(1).events).to.deep.equal([])
    for (let n = 1; n <= 8; n++) {
      h.partition([range(1, n), ...singles(range(n + 1, 8))])
      expect(view(h, range(1, n)), `${n} nodes`).to.deep.equal({ quorate: n >= 5, expectedVotes: 8, quorum: 5, votes: n })
    }
    const events = h.get(1).events
    expect(events).to.have.length(8)
    expect(events[7]).to.deep.equal({ type: 'quorum', quorate: true, votes: 8, expectedVotes: 8, quorum: 5, members: range(1, 8), ringId: h.state(1).ringId })
    expect(h.state(8).nodes.map((n) => n.nodeId)).to.deep.equal(range(1, 8))
  })

  it('8 nodes lose 3 and stay quorate; losing a 4th loses quorum; healing regains it', () => {
    const h = cluster(8)
    h.partition([range(1, 8)])
    h.partition([range(1, 5), range(6, 8)])
    expect(view(h, range(1, 5))).to.deep.equal({ quorate: true, expectedVotes: 8, quorum: 5, votes: 5 })
    expect(view(h, range(6, 8)).quorate).to.equal(false)
    h.partition([range(1, 4), range(5, 8)])
    expect([view(h, range(1, 4)).quorate, view(h, range(5, 8)).quorate]).to.deep.equal([false, false])
    expect(h.state(1).nodes.find((n) => n.nodeId === 6)?.state).to.equal('dead')
    h.partition([range(1, 8)])
    expect(view(h, range(1, 8)).quorate).to.equal(true)
  })

  it('raises expected votes as more nodes join than configured', () => {
    const h = cluster(5, { expectedVotes: 3 })
    // Expected votes set too low: both sides have a majority of 3 (that is why they are raised).
    h.partition([range(1, 2), range(3, 5)])
    expect(view(h, [1, 2])).to.deep.equal({ quorate: true, expectedVotes: 3, quorum: 2, votes: 2 })
    expect(view(h, [3, 4, 5])).to.deep.equal({ quorate: true, expectedVotes: 3, quorum: 2, votes: 3 })
    h.partition([range(1, 5)])
    expect(view(h, range(1, 5))).to.deep.equal({ quorate: true, expectedVotes: 5, quorum: 3, votes: 5 })
    h.partition([range(1, 2), range(3, 5)])
    expect([view(h, [1, 2]).quorate, view(h, [3, 4, 5]).quorate]).to.deep.equal([false, true])
  })
})

describe('quorum/votequorum: two_node', () => {
  it('needs both nodes once (implicit wait_for_all), then either node alone is quorate', () => {
    const h = cluster(2, { twoNode: true })
    h.partition([[1], [2]])
    expect([h.state(1).quorate, h.state(2).quorate]).to.deep.equal([false, false])
    h.partition([[1, 2]])
    expect(view(h, [1, 2])).to.deep.equal({ quorate: true, expectedVotes: 2, quorum: 1, votes: 2 })
    h.partition([[1], [2]])
    expect([h.state(1).quorate, h.state(2).quorate]).to.deep.equal([true, true])
    h.restart(2)
    h.partition([[1], [2]])
    expect([h.state(1).quorate, h.state(2).quorate]).to.deep.equal([true, false])
    h.partition([[1, 2]])
    expect(view(h, [1, 2]).quorate).to.equal(true)
  })

  it('without wait_for_all a lone node is quorate at once', () => {
    const h = cluster(2, { twoNode: true, waitForAll: false })
    h.partition([[1], [2]])
    expect([h.state(1).quorate, h.state(1).quorum]).to.deep.equal([true, 1])
  })
})

describe('quorum/votequorum: wait_for_all', () => {
  it('blocks the first quorum until all were seen, then holds, and re-arms once lost', () => {
    const h = cluster(3, { waitForAll: true })
    h.partition([[1, 2], [3]])
    expect(view(h, [1, 2])).to.deep.equal({ quorate: false, expectedVotes: 3, quorum: 2, votes: 2 })
    expect(h.state(1).waitForAllStatus).to.equal(true)
    h.partition([[1, 2, 3]])
    expect(view(h, [1, 2, 3]).quorate).to.equal(true)
    h.partition([[1, 2], [3]])
    expect(view(h, [1, 2]).quorate).to.equal(true)
    expect(h.state(1).waitForAllStatus).to.equal(false)
    h.partition([[1], [2], [3]])
    h.partition([[1, 2], [3]])
    expect(view(h, [1, 2]).quorate).to.equal(false)
    expect(h.request(1, 'cancelWaitForAll')).to.include({ ok: true })
    expect(view(h, [1, 2]).quorate).to.equal(true)
    expect(h.get(2).events.at(-1)).to.include({ quorate: true })
  })

  it('a restarted node joining a quorate partition stops waiting', () => {
    const h = cluster(3, { waitForAll: true })
    h.partition([[1, 2, 3]])
    h.partition([[1, 2], [3]])
    h.restart(3)
    h.partition([[1, 2], [3]])
    expect(h.state(3).quorate).to.equal(false)
    h.partition([[1, 3], [2]])
    expect(view(h, [1, 3]).quorate).to.equal(true)
  })
})

describe('quorum/votequorum: last_man_standing', () => {
  it('votequorum(5) chain: 8 → 5 → 3 → 2 nodes, expected follows after each window', () => {
    const h = cluster(8, { lastManStanding: true, lastManStandingWindow: 10000 })
    h.partition([range(1, 8)])
    h.partition([range(1, 5), ...singles(range(6, 8))])
    expect(view(h, range(1, 5))).to.deep.equal({ quorate: true, expectedVotes: 8, quorum: 5, votes: 5 })
    expect(h.get(1).timers.get(LMS_TIMER)).to.equal(10000)
    h.advance(9999)
    expect(view(h, range(1, 5)).expectedVotes).to.equal(8)
    h.advance(1)
    expect(view(h, range(1, 5))).to.deep.equal({ quorate: true, expectedVotes: 5, quorum: 3, votes: 5 })
    expect(h.get(1).events.at(-1)).to.include({ expectedVotes: 5, quorum: 3 })
    h.partition([range(1, 3), ...singles(range(4, 8))])
    h.advance(10000)
    expect(view(h, range(1, 3))).to.deep.equal({ quorate: true, expectedVotes: 3, quorum: 2, votes: 3 })
    h.partition([[1, 2], ...singles(range(3, 8))])
    h.advance(10000)
    expect(view(h, [1, 2])).to.deep.equal({ quorate: true, expectedVotes: 2, quorum: 2, votes: 2 })
    h.partition(singles(range(1, 8)))
    h.advance(10000)
    expect([h.state(1).quorate, h.state(2).quorate]).to.deep.equal([false, false])
  })

  it('with auto_tie_breaker the lowest node goes on from 2 to 1', () => {
    const h = cluster(8, { lastManStanding: true, autoTieBreaker: true })
    h.partition([range(1, 8)])
    for (const keep of [5, 3, 2]) {
      h.partition([range(1, keep), ...singles(range(keep + 1, 8))])
      h.advance(10000)
    }
    h.partition(singles(range(1, 8)))
    expect([h.state(1).quorate, h.state(2).quorate]).to.deep.equal([true, false])
    h.advance(10000)
    expect(h.state(1)).to.include({ quorate: true, expectedVotes: 1, quorum: 1 })
  })

  it('a node joining the shrunken cluster adopts its expected votes', () => {
    const h = cluster(8, { lastManStanding: true })
    h.partition([range(1, 8)])
    h.partition([range(1, 5), range(6, 8)])
    h.advance(10000)
    h.restart(6)
    h.partition([range(1, 6), [7, 8]])
    expect(view(h, range(1, 6))).to.deep.equal({ quorate: true, expectedVotes: 6, quorum: 4, votes: 6 })
  })

  it('a window expiring during sync is applied at syncActivate', () => {
    const h = cluster(8, { lastManStanding: true })
    h.partition([range(1, 8)])
    h.partition([range(1, 5), range(6, 8)])
    h.afterSyncInit = () => h.advance(10000)
    h.partition([range(1, 6), [7, 8]])
    expect(view(h, range(1, 6))).to.deep.equal({ quorate: true, expectedVotes: 6, quorum: 4, votes: 6 })
    expect(h.get(1).events.at(-1)).to.include({ expectedVotes: 6, quorum: 4 })
  })

  it('is disabled by a node with more than one vote', () => {
    const h = new QuorumHarness(nodeList(range(1, 4), (id) => (id === 4 ? 2 : 1)), { lastManStanding: true })
    h.partition([range(1, 4)])
    expect(h.state(1).lastManStanding).to.equal(false)
    h.partition([range(1, 3), [4]])
    expect(h.get(1).timers.has(LMS_TIMER)).to.equal(false)
  })
})

describe('quorum/votequorum: auto_tie_breaker, 4 nodes split 2|2', () => {
  const cases: [NonNullable<QuorumOptions['autoTieBreakerNode']>, boolean][] = [['lowest', true], ['highest', false], [[3, 1], false], [[9, 2, 4], true]]
  for (const [node, lowHalfWins] of cases) {
    it(`${JSON.stringify(node)}: the ${lowHalfWins ? '1,2' : '3,4'} half stays quorate`, () => {
      const h = cluster(4, { autoTieBreaker: true, autoTieBreakerNode: node })
      h.partition([range(1, 4)])
      h.partition([[1, 2], [3, 4]])
      expect([view(h, [1, 2]).quorate, view(h, [3, 4]).quorate]).to.deep.equal([lowHalfWins, !lowHalfWins])
      expect(h.state(1).lowestNodeId).to.equal(1)
    })
  }
})

describe('quorum/votequorum: requests', () => {
  it('setExpected: refused below the votes present or when quorum would be lost, else applied everywhere', () => {
    const h = cluster(5)
    h.partition([[1, 2, 3], [4, 5]])
    expect(h.request(1, 'setExpected', { value: 2 })).to.include({ ok: false, code: 'ERR_INVALID_ARGUMENT' })
    expect(h.request(1, 'setExpected', { value: 7 })).to.include({ ok: false, code: 'ERR_INVALID_ARGUMENT' })
    expect(h.request(1, 'setExpected', { value: 0 })).to.include({ ok: false, code: 'ERR_INVALID_ARGUMENT' })
    expect(h.request(1, 'setExpected', { value: 3 })).to.include({ ok: true })
    expect(view(h, [1, 2, 3])).to.deep.equal({ quorate: true, expectedVotes: 3, quorum: 2, votes: 3 })
    expect(h.get(2).events.at(-1)).to.include({ expectedVotes: 3, quorum: 2 })
  })

  it('setVotes: changes a node everywhere; unknown nodes and bad values are refused', () => {
    const h = cluster(3)
    h.partition([[1, 2, 3]])
    expect(h.request(2, 'setVotes', { nodeId: 3, votes: 3 })).to.include({ ok: true })
    expect(view(h, [1, 2, 3])).to.deep.equal({ quorate: true, expectedVotes: 5, quorum: 3, votes: 5 })
    expect(h.state(1).nodes.find((n) => n.nodeId === 3)?.votes).to.equal(3)
    expect(h.request(1, 'setVotes', { nodeId: 9, votes: 1 })).to.include({ ok: false, code: 'ERR_NOT_EXIST' })
    expect(h.request(1, 'setVotes', { votes: -1 })).to.include({ ok: false, code: 'ERR_INVALID_ARGUMENT' })
  })

  it('state answers with the snapshot; unknown operations are refused', () => {
    const h = cluster(3)
    h.partition([[1, 2, 3]])
    const answer = h.request(1, 'state')
    expect(answer.ok).to.equal(true)
    expect(answer.value).to.equal(h.state(1))
    expect(h.state(1)).to.include({ thisNodeId: 1, quorate: true, lowestNodeId: 1, highestNodeId: 3, waitForAllStatus: false })
    expect(h.request(1, 'fly')).to.include({ ok: false, code: 'ERR_INVALID_ARGUMENT' })
  })
})

describe('quorum/votequorum: host interface', () => {
  it('syncProcess retries while the queue is full and the result is the same', () => {
    const h = cluster(6, {}, 9)
    h.queueFullRate = 0.7
    h.partition([range(1, 6)])
    h.partition([range(1, 4), [5, 6]])
    expect(view(h, range(1, 4))).to.deep.equal({ quorate: true, expectedVotes: 6, quorum: 4, votes: 4 })
  })

  it('ignores undecodable messages and NodeInfo about another node', () => {
    const h = cluster(3)
    h.partition([[1, 2, 3]])
    const inst = h.get(1)
    const before = inst.service.state
    inst.service.deliver(h.context(inst), 2, new Uint8Array([0xff, 0xff, 0xff]))
    const forged = new VotequorumCodec().encode({ kind: 'node-info', nodeId: 3, votes: 9, expectedVotes: 9, flags: 1 })
    inst.service.deliver(h.context(inst), 2, forged)
    expect(inst.service.state).to.equal(before)
    expect(inst.logs.filter((l) => l.includes('undecodable') || l.includes('ignored'))).to.have.length(2)
  })

  it('emits nothing when a recomputation changes nothing', () => {
    const h = cluster(3)
    h.partition([[1, 2, 3]])
    const count = h.get(1).events.length
    h.request(1, 'cancelWaitForAll')
    expect(h.get(1).events).to.have.length(count)
    expect(votequorum({ self: 1, nodes: nodeList([1, 2]), quorum: {} })).to.include({ id: 5, name: 'votequorum', allowInquorate: true })
  })

  it('rejects inconsistent configuration', () => {
    expect(() => votequorum({ self: 1, nodes: [], quorum: {} })).to.throw(ConfigError)
    expect(() => votequorum({ self: 1, nodes: nodeList([1, 2, 3]), quorum: { autoTieBreaker: true, lastManStanding: true } })).to.throw(ConfigError)
    const atbOdd = votequorum({ self: 1, nodes: nodeList([1, 2, 3]), quorum: { autoTieBreaker: true } })
    expect(atbOdd.state.autoTieBreaker).to.equal('none')
    const both = votequorum({ self: 1, nodes: nodeList([1, 2]), quorum: { autoTieBreaker: true, twoNode: true } })
    expect([both.state.twoNode, both.state.waitForAll, both.state.autoTieBreaker]).to.deep.equal([false, true, 'lowest'])
  })
})
