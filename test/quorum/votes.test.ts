import { expect } from 'chai'
import {
  calculateQuorum,
  expectedVotesAcceptable,
  nodeVotesAcceptable,
  recalculate,
  type QuorumFeatures,
  type QuorumInput,
  type QuorumMemory,
  type QuorumNode,
  type TieBreaker,
} from '../../lib/services/quorum/votes.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { mulberry32, type Rng } from './harness.js'
import { randomInput, referenceRecalculate } from './reference.js'

const CASES = 20000
const plain: QuorumFeatures = { twoNode: false, waitForAll: false, tieBreaker: 'none' }
const fresh: QuorumMemory = { quorum: 0, quorate: false, waitForAllStatus: false, lowestNodeId: undefined, highestNodeId: undefined }

function table(ids: readonly NodeId[], present: readonly NodeId[], expected: number, votes = (_: NodeId) => 1): Map<NodeId, QuorumNode> {
  return new Map(ids.map((id) => [id, { votes: votes(id), expectedVotes: expected, state: present.includes(id) ? 'member' : 'dead', flags: 0 }]))
}

function input(present: readonly NodeId[], over: Partial<QuorumInput> & { ids?: readonly NodeId[]; expected?: number } = {}): QuorumInput {
  const ids = over.ids ?? present
  return {
    self: present[0]!,
    nodes: table(ids, present, over.expected ?? ids.length),
    features: plain,
    previous: fresh,
    members: present,
    previousMembers: ids,
    allowDecrease: false,
    byCurrentNodes: false,
    ...over,
  }
}

const range = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => i + 1)

describe('quorum/votes: against a transliteration of votequorum.c', () => {
  it(`matches the reference on ${CASES} random tables`, () => {
    const rng = mulberry32(0x5eed)
    for (let i = 0; i < CASES; i++) {
      const inp = randomInput(rng)
      const before = JSON.stringify([...inp.nodes])
      const got = recalculate(inp)
      const want = referenceRecalculate(inp)
      const where = `case ${i}: ${JSON.stringify({ ...inp, nodes: [...inp.nodes] })}`
      expect(JSON.stringify([...inp.nodes]), `input mutated, ${where}`).to.equal(before)
      expect({
        quorum: got.quorum, quorate: got.quorate, waitForAllStatus: got.waitForAllStatus,
        lowestNodeId: got.lowestNodeId, highestNodeId: got.highestNodeId, totalVotes: got.totalVotes,
        expectedVotes: got.expectedVotes, highestExpected: got.highestExpected, myFlags: got.nodes.get(inp.self)!.flags,
        memberExpected: new Map([...got.nodes].map(([id, n]) => [id, n.expectedVotes])),
      }, where).to.deep.equal(want)
    }
  })

  it('keeps its invariants on random tables', () => {
    const rng = mulberry32(7)
    for (let i = 0; i < CASES; i++) {
      const inp = randomInput(rng)
      const out = recalculate(inp)
      const where = `case ${i}`
      const twoNodeApplied = inp.features.twoNode && [...out.nodes.values()].filter((n) => n.state === 'member').length <= 2
      if (!inp.byCurrentNodes) expect(out.expectedVotes, where).to.be.at.least(out.totalVotes)
      if (!twoNodeApplied) {
        expect(out.quorum, where).to.be.above(out.totalVotes / 2)
        expect(out.quorum, where).to.be.above(out.highestExpected / 2)
        if (!inp.allowDecrease) expect(out.quorum, where).to.be.at.least(inp.previous.quorum)
      } else {
        expect(out.quorum, where).to.equal(1)
      }
      if (out.quorate && !out.tieBroken) expect(out.totalVotes, where).to.be.at.least(out.quorum)
      if (out.waitingForAll) expect(out.quorate, where).to.equal(false)
      if (out.tieBroken) expect(out.totalVotes, where).to.equal(Math.floor(out.expectedVotes / 2))
      if (inp.features.waitForAll && !out.waitingForAll) expect(out.waitForAllStatus, where).to.equal(!out.quorate)
    }
  })
})

/** Splits ids into k random non-empty-or-empty parts. */
function split(rng: Rng, ids: readonly NodeId[], k: number): NodeId[][] {
  const parts: NodeId[][] = Array.from({ length: k }, () => [])
  for (const id of ids) parts[Math.floor(rng() * k)]!.push(id)
  return parts.filter((p) => p.length > 0)
}

describe('quorum/votes: split brain', () => {
  const tieBreakers: TieBreaker[] = ['none', 'lowest', 'highest', [3, 1, 5], [9, 2]]
  it('no two disjoint partitions are quorate when expected votes cover every vote', () => {
    const rng = mulberry32(42)
    for (let i = 0; i < CASES; i++) {
      const ids = range(1 + Math.floor(rng() * 9))
      const weights = new Map(ids.map((id) => [id, Math.floor(rng() * 4)]))
      const expected = ids.reduce((s, id) => s + weights.get(id)!, 0)
      if (expected === 0) continue
      const tieBreaker = tieBreakers[i % tieBreakers.length]!
      // As after a quorate configuration of everyone: same anchor, same floor, same previous members.
      const previous: QuorumMemory = { ...fresh, quorum: Math.floor(expected / 2) + 1, quorate: true, lowestNodeId: 1, highestNodeId: ids.length }
      const quorate = split(rng, ids, 2 + Math.floor(rng() * 2)).filter((part) => {
        const out = recalculate({
          self: part[0]!, nodes: table(ids, part, expected, (id) => weights.get(id)!), features: { ...plain, tieBreaker },
          previous, members: part, previousMembers: ids, allowDecrease: false, byCurrentNodes: false,
        })
        return out.quorate
      })
      expect(quorate.length, `case ${i}: ${JSON.stringify({ ids, weights: [...weights], tieBreaker })}`).to.be.at.most(1)
    }
  })
})

describe('quorum/votes: votequorum(5) examples', () => {
  it('8 nodes, expected 8: quorum 5; 5 nodes are quorate, 4 are not', () => {
    const ids = range(8)
    expect(recalculate(input(ids)).quorum).to.equal(5)
    expect(recalculate(input(range(5), { ids })).quorate).to.equal(true)
    const four = recalculate(input(range(4), { ids }))
    expect([four.quorum, four.quorate]).to.deep.equal([5, false])
  })

  it('raises expected votes when the votes present exceed them', () => {
    const out = recalculate(input(range(5), { expected: 3 }))
    expect([out.expectedVotes, out.expectedRaised, out.quorum, out.quorate]).to.deep.equal([5, true, 3, true])
  })

  it('two_node: quorum 1 while at most two nodes are members', () => {
    const features = { ...plain, twoNode: true }
    const one = recalculate(input([1], { ids: [1, 2], features }))
    expect([one.quorum, one.quorate]).to.deep.equal([1, true])
    const three = recalculate(input([1, 2, 3], { features }))
    expect(three.quorum).to.equal(2)
  })

  it('wait_for_all: inquorate until all expected votes were present at once, then stays', () => {
    const features = { ...plain, waitForAll: true }
    const ids = range(3)
    const first = recalculate(input([1, 2], { ids, features, previous: { ...fresh, waitForAllStatus: true } }))
    expect([first.quorate, first.waitingForAll, first.waitForAllStatus]).to.deep.equal([false, true, true])
    const all = recalculate(input(ids, { features, previous: first }))
    expect([all.quorate, all.waitForAllStatus]).to.deep.equal([true, false])
    const two = recalculate(input([1, 2], { ids, features, previous: all }))
    expect(two.quorate).to.equal(true)
    const one = recalculate(input([1], { ids, features, previous: two }))
    expect([one.quorate, one.waitForAllStatus]).to.deep.equal([false, true])
  })

  it('last_man_standing: 8 nodes lose 3, the window expires: expected 5, quorum 3', () => {
    const ids = range(8)
    const full = recalculate(input(ids))
    const five = recalculate(input(range(5), { ids, previous: full }))
    expect([five.quorate, five.expectedVotes, five.quorum]).to.deep.equal([true, 8, 5])
    const lms = recalculate(input(range(5), { ids, previous: five, allowDecrease: true, byCurrentNodes: true }))
    expect([lms.quorate, lms.expectedVotes, lms.quorum]).to.deep.equal([true, 5, 3])
    expect([...lms.nodes.values()].filter((n) => n.state === 'member').every((n) => n.expectedVotes === 5)).to.equal(true)
  })

  describe('auto_tie_breaker, 4 nodes split 2|2', () => {
    const ids = range(4)
    const decide = (tieBreaker: TieBreaker, half: NodeId[]): boolean => {
      const features = { ...plain, tieBreaker }
      const full = recalculate(input(ids, { features, previousMembers: [] }))
      return recalculate(input(half, { ids, features, previous: full, members: half, previousMembers: ids })).quorate
    }
    it('lowest: the half with node 1', () => {
      expect([decide('lowest', [1, 2]), decide('lowest', [3, 4])]).to.deep.equal([true, false])
    })
    it('highest: the half with node 4', () => {
      expect([decide('highest', [1, 2]), decide('highest', [3, 4])]).to.deep.equal([false, true])
    })
    it('list: the first listed node present', () => {
      expect([decide([3, 1], [1, 2]), decide([3, 1], [3, 4])]).to.deep.equal([false, true])
      expect([decide([7, 2], [1, 2]), decide([7, 2], [3, 4])]).to.deep.equal([true, false])
    })
    it('no tie-breaker: neither half', () => {
      expect([decide('none', [1, 2]), decide('none', [3, 4])]).to.deep.equal([false, false])
    })
  })
})

describe('quorum/votes: request validation', () => {
  it('setExpected: refused below the votes present, or when it would lose quorum', () => {
    const nodes = table(range(5), range(3), 5)
    expect(expectedVotesAcceptable(nodes, 2, true, false)).to.equal(false)
    expect(expectedVotesAcceptable(nodes, 3, true, false)).to.equal(true)
    expect(expectedVotesAcceptable(nodes, 5, true, false)).to.equal(true)
    expect(expectedVotesAcceptable(nodes, 6, true, false)).to.equal(false)
    expect(expectedVotesAcceptable(nodes, 6, false, false)).to.equal(true)
  })

  it('setVotes: refused when the resulting quorum would be out of reach', () => {
    const nodes = table(range(3), range(3), 3)
    expect(nodeVotesAcceptable(nodes, 2, 3, false)).to.equal(true)
    expect(nodeVotesAcceptable(nodes, 9, 1, false)).to.equal(false)
    expect(nodeVotesAcceptable(table([1, 2], [1, 2], 2), 1, 3, true)).to.equal(false)
    expect(calculateQuorum(nodes, { twoNode: false, previousQuorum: 9, allowDecrease: true, maxExpected: 0 }).quorum).to.equal(2)
  })
})
