import type { QuorumInput, QuorumNode, TieBreaker } from '../../lib/services/quorum/votes.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { pick, type Rng } from './harness.js'

/**
 * A deliberately dumb reference for votes.ts: a line-by-line transliteration
 * of corosync's recalculate_quorum / calculate_quorum / are_we_quorate /
 * check_auto_tie_breaker over mutable C-like records and globals, with the C
 * integer division `(x + 2) / 2` spelled out. Tested against votes.ts over
 * random tables (etcd quorum/quick_test.go style).
 */

interface CNode { node_id: number; state: 1 | 2 | 3; votes: number; expected_votes: number; flags: number }

export interface ReferenceResult {
  quorum: number
  quorate: boolean
  waitForAllStatus: boolean
  lowestNodeId: number | undefined
  highestNodeId: number | undefined
  totalVotes: number
  expectedVotes: number
  highestExpected: number
  myFlags: number
  memberExpected: Map<NodeId, number>
}

const idiv = (a: number, b: number): number => Math.trunc(a / b)

/** corosync's globals, as C would have them. */
interface Globals {
  readonly input: QuorumInput
  readonly list: CNode[]
  readonly us: CNode
  quorum: number
  cluster_is_quorate: number
  wait_for_all_status: number
  lowest_node_id: number
  highest_node_id: number
  highest_expected: number
}

function done(g: Globals, total_votes: number): ReferenceResult {
  g.us.flags = (g.us.flags & ~5) | (g.cluster_is_quorate ? 1 : 0) | (g.wait_for_all_status ? 4 : 0)
  return {
    quorum: g.quorum, quorate: g.cluster_is_quorate === 1, waitForAllStatus: g.wait_for_all_status === 1,
    lowestNodeId: g.lowest_node_id === -1 ? undefined : g.lowest_node_id,
    highestNodeId: g.highest_node_id === -1 ? undefined : g.highest_node_id,
    totalVotes: total_votes, expectedVotes: g.us.expected_votes, highestExpected: g.highest_expected, myFlags: g.us.flags,
    memberExpected: new Map(g.list.map((n) => [n.node_id, n.expected_votes])),
  }
}

function check_auto_tie_breaker(g: Globals): number {
  const atb = g.input.features.tieBreaker
  if (atb === 'lowest') return g.list.some((n) => n.state === 1 && n.node_id === g.lowest_node_id) ? 1 : 0
  if (atb === 'highest') return g.list.some((n) => n.state === 1 && n.node_id === g.highest_node_id) ? 1 : 0
  const l = atb as readonly NodeId[]
  for (let i = 0; i < l.length; i++) {
    if (g.input.members.includes(l[i]!)) {
      for (let j = 0; j < i; j++) if (g.input.previousMembers.includes(l[j]!)) return 0
      return 1
    }
  }
  return 0
}

function are_we_quorate(g: Globals, total_votes: number): ReferenceResult {
  const { input, list, us } = g
  if (input.features.waitForAll && g.wait_for_all_status) {
    if (total_votes !== us.expected_votes) { g.cluster_is_quorate = 0; return done(g, total_votes) } // corosync asserts it was 0 already
    g.wait_for_all_status = 0
  }
  let quorate = g.quorum > total_votes ? 0 : 1
  if (quorate) {
    g.lowest_node_id = us.node_id
    for (const n of list) if (n.state === 1 && n.node_id < g.lowest_node_id) g.lowest_node_id = n.node_id
    g.highest_node_id = us.node_id
    for (const n of list) if (n.state === 1 && n.node_id > g.highest_node_id) g.highest_node_id = n.node_id
  }
  // The one deliberate difference: corosync writes
  // `previous_quorum_members_entries - quorum_members_entries < quorum` (a node count against votes);
  // ts-ha sums the votes of the previous members missing now (see votes.ts missingVotes).
  let missing = 0
  for (const id of input.previousMembers) if (!input.members.includes(id)) missing += list.find((n) => n.node_id === id)?.votes ?? 1
  if (input.features.tieBreaker !== 'none' && total_votes === idiv(us.expected_votes, 2) && missing < g.quorum && check_auto_tie_breaker(g) === 1) quorate = 1
  g.cluster_is_quorate = quorate
  if (input.features.waitForAll) g.wait_for_all_status = quorate ? 0 : 1
  return done(g, total_votes)
}

/** recalculate_quorum with calculate_quorum and update_node_expected_votes inlined. */
export function referenceRecalculate(input: QuorumInput): ReferenceResult {
  const list: CNode[] = [...input.nodes].map(([id, n]) => ({
    node_id: id, state: n.state === 'member' ? 1 : n.state === 'dead' ? 2 : 3, votes: n.votes, expected_votes: n.expectedVotes, flags: n.flags,
  }))
  const us = list.find((n) => n.node_id === input.self)!
  const p = input.previous
  const g: Globals = {
    input, list, us, quorum: p.quorum, cluster_is_quorate: p.quorate ? 1 : 0, wait_for_all_status: p.waitForAllStatus ? 1 : 0,
    lowest_node_id: p.lowestNodeId ?? -1, highest_node_id: p.highestNodeId ?? -1, highest_expected: 0,
  }
  let total_votes = 0
  let cluster_members = 0
  for (const n of list) if (n.state === 1) { cluster_members++; total_votes += n.votes }
  if (!input.byCurrentNodes) cluster_members = 0
  if (total_votes > us.expected_votes) us.expected_votes = total_votes
  // calculate_quorum
  let tv = 0; let highest_expected = 0; let total_nodes = 0
  for (const n of list) if (n.state === 1) { highest_expected = Math.max(highest_expected, n.expected_votes); tv += n.votes; total_nodes++ }
  if (cluster_members > 0) highest_expected = cluster_members
  let newquorum = Math.max(idiv(highest_expected + 2, 2), idiv(tv + 2, 2))
  if (!input.allowDecrease) newquorum = Math.max(g.quorum, newquorum)
  if (input.features.twoNode && total_nodes <= 2) newquorum = 1
  g.quorum = newquorum
  g.highest_expected = highest_expected
  // update_node_expected_votes
  if (cluster_members) for (const n of list) if (n.state === 1) n.expected_votes = cluster_members
  return are_we_quorate(g, tv)
}

function subset(rng: Rng, ids: readonly NodeId[], p: number): NodeId[] {
  return ids.filter(() => rng() < p)
}

function randomTieBreaker(rng: Rng, ids: readonly NodeId[]): TieBreaker {
  const r = rng()
  if (r < 0.25) return 'none'
  if (r < 0.5) return 'lowest'
  if (r < 0.75) return 'highest'
  return subset(rng, [...ids, 11, 12], 0.5).sort(() => rng() - 0.5)
}

/** A random, not necessarily reachable, input: the arithmetic must match corosync on all of them. */
export function randomInput(rng: Rng): QuorumInput {
  const ids = subset(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)
  const self = ids.length > 0 ? pick(rng, ids) : 1
  if (!ids.includes(self)) ids.push(self)
  const nodes = new Map<NodeId, QuorumNode>()
  for (const id of ids) {
    const state = id === self ? 'member' : pick(rng, ['member', 'member', 'dead', 'leaving'] as const)
    nodes.set(id, { votes: Math.floor(rng() * 4), expectedVotes: Math.floor(rng() * 13), state, flags: Math.floor(rng() * 16) })
  }
  const members = subset(rng, ids, 0.7)
  if (!members.includes(self)) members.push(self)
  return {
    self,
    nodes,
    features: { twoNode: rng() < 0.3, waitForAll: rng() < 0.4, tieBreaker: randomTieBreaker(rng, ids) },
    previous: {
      quorum: Math.floor(rng() * 9),
      quorate: rng() < 0.5,
      waitForAllStatus: rng() < 0.4,
      lowestNodeId: rng() < 0.3 ? undefined : pick(rng, [...ids, 11]),
      highestNodeId: rng() < 0.3 ? undefined : pick(rng, [...ids, 11]),
    },
    members,
    previousMembers: subset(rng, [...ids, 11, 12], 0.6),
    allowDecrease: rng() < 0.4,
    byCurrentNodes: rng() < 0.3,
  }
}
