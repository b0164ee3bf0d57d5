import { expect } from 'chai'
import type { QuorumOptions } from '../../lib/cluster/options.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { mulberry32, nodeList, pick, QuorumHarness, type Rng } from './harness.js'

/**
 * Randomised partitions of 5–7 votequorum instances driven through sync
 * rounds with random interleavings: members of one partition always agree,
 * and at most one partition is quorate (expected votes = all the votes).
 */

const CASES = 3000
const STEPS = 5

type Kind = 'plain' | 'wait-for-all' | 'two-node' | 'atb'

interface Case {
  readonly kind: Kind
  readonly ids: NodeId[]
  readonly votes: Map<NodeId, number>
  readonly quorum: QuorumOptions
}

function randomCase(rng: Rng): Case {
  const n = 5 + Math.floor(rng() * 3)
  const ids = Array.from({ length: n }, (_, i) => i + 1)
  const kind = pick(rng, ['plain', 'wait-for-all', 'two-node', 'atb'] as const)
  const weighted = kind !== 'two-node' && rng() < 0.4
  const votes = new Map(ids.map((id) => [id, weighted ? 1 + Math.floor(rng() * 3) : 1]))
  let quorum: QuorumOptions = {}
  if (kind === 'wait-for-all') quorum = { waitForAll: true }
  if (kind === 'two-node') quorum = { twoNode: true, waitForAll: rng() < 0.5 }
  if (kind === 'atb') {
    const r = rng()
    const node = r < 0.3 ? 'lowest' : r < 0.6 ? 'highest' : [...ids, 9].filter(() => rng() < 0.5).sort(() => rng() - 0.5)
    quorum = { autoTieBreaker: true, autoTieBreakerNode: node, waitForAll: rng() < 0.5 }
  }
  return { kind, ids, votes, quorum }
}

function randomGroups(rng: Rng, ids: readonly NodeId[]): NodeId[][] {
  const k = 1 + Math.floor(rng() * 3)
  const groups: NodeId[][] = Array.from({ length: k }, () => [])
  for (const id of ids) groups[Math.floor(rng() * k)]!.push(id)
  return groups.filter((g) => g.length > 0)
}

function check(h: QuorumHarness, c: Case, where: string): void {
  const quorate: (readonly NodeId[])[] = []
  for (const group of h.groups) {
    const states = group.map((id) => h.state(id))
    const first = states[0]!
    const votes = group.reduce((s, id) => s + c.votes.get(id)!, 0)
    for (const s of states) {
      const summary = { quorate: s.quorate, expectedVotes: s.expectedVotes, quorum: s.quorum, votes: s.votes }
      expect(summary, `${where}: ${group.join(',')} disagree`).to.deep.equal({ quorate: first.quorate, expectedVotes: first.expectedVotes, quorum: first.quorum, votes })
      const event = h.get(s.thisNodeId).events.at(-1)
      expect(event, `${where}: node ${s.thisNodeId} last event`).to.deep.equal({ type: 'quorum', ...summary, members: s.members, ringId: s.ringId })
    }
    if (group.length === c.ids.length) expect(first.quorate, `${where}: everyone together`).to.equal(true)
    // two_node lets a pair (or a lone node) stay quorate and leaves the decision to fencing.
    if (first.quorate && !(c.kind === 'two-node' && group.length <= 2)) quorate.push(group)
  }
  expect(quorate.length, `${where}: quorate partitions ${JSON.stringify(quorate)}`).to.be.at.most(1)
}

function run(seed: number): void {
  const rng = mulberry32(seed)
  const c = randomCase(rng)
  const h = new QuorumHarness(nodeList(c.ids, (id) => c.votes.get(id)!), c.quorum, rng)
  h.queueFullRate = rng() < 0.3 ? 0.3 : 0
  const where = (step: number): string => `seed ${seed} step ${step} ${JSON.stringify({ ...c, votes: [...c.votes] })}`
  h.partition([c.ids])
  check(h, c, where(0))
  for (let step = 1; step <= STEPS; step++) {
    // The ATB anchor is each node's memory of its last quorate partition: compare halves of one cluster.
    const groups = c.kind === 'atb' && step % 2 === 0 ? [c.ids] : randomGroups(rng, c.ids)
    if (c.kind !== 'atb' && rng() < 0.2) h.restart(pick(rng, c.ids))
    h.partition(groups)
    check(h, c, where(step))
  }
}

describe('quorum/votequorum: random partitions', () => {
  it(`${CASES} clusters of 5–7 nodes: partitions agree, at most one is quorate`, () => {
    for (let seed = 1; seed <= CASES; seed++) run(seed)
  })
})
