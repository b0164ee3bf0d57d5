import type { NodeId } from '../../totem/ring-id.js'

/**
 * The arithmetic of votequorum (corosync exec/votequorum.c: get_total_votes,
 * calculate_quorum, recalculate_quorum, are_we_quorate,
 * check_auto_tie_breaker), with no service plumbing: a node table and the
 * memory of the previous computation in, the next state out. Nothing here
 * mutates its input, so the same function can answer "what if" questions
 * (validating setExpected / setVotes) without touching replicated state.
 */

/** Node flags carried in NodeInfo; values are corosync's NODE_FLAGS_* (the qdevice bits are not used). */
export const NodeFlag = {
  quorate: 1,
  leaving: 2,
  waitForAllStatus: 4,
  first: 8,
} as const

/** corosync nodestate_t: MEMBER, DEAD, LEAVING. */
export type NodeState = 'member' | 'dead' | 'leaving'

/** One row of the node table (corosync `struct cluster_node`). */
export interface QuorumNode {
  readonly votes: number
  readonly expectedVotes: number
  readonly state: NodeState
  /** Bit set of {@link NodeFlag}. */
  readonly flags: number
}

/** auto_tie_breaker: off, `lowest`, `highest`, or node ids in order of preference (ATB_NONE/LOWEST/HIGHEST/LIST). */
export type TieBreaker = 'none' | 'lowest' | 'highest' | readonly NodeId[]

/** The features that change the arithmetic (already reconciled: e.g. two_node is off when ATB is on). */
export interface QuorumFeatures {
  readonly twoNode: boolean
  readonly waitForAll: boolean
  readonly tieBreaker: TieBreaker
}

/** What one computation remembers for the next (corosync's globals `quorum`, `cluster_is_quorate`, …). */
export interface QuorumMemory {
  readonly quorum: number
  readonly quorate: boolean
  /** Still waiting to see all expected votes at once (wait_for_all_status). */
  readonly waitForAllStatus: boolean
  /** Lowest / highest member id of the last quorate computation; the ATB anchor. */
  readonly lowestNodeId: NodeId | undefined
  readonly highestNodeId: NodeId | undefined
}

/** Input of {@link recalculate}. */
export interface QuorumInput {
  readonly self: NodeId
  /** Must contain `self`. */
  readonly nodes: ReadonlyMap<NodeId, QuorumNode>
  readonly features: QuorumFeatures
  readonly previous: QuorumMemory
  /** Ring members of the current and of the previous configuration (quorum_members, previous_quorum_members). */
  readonly members: readonly NodeId[]
  readonly previousMembers: readonly NodeId[]
  /** Let quorum go down (an administrator's setExpected, a quorate sender's expected votes, LMS). */
  readonly allowDecrease: boolean
  /** Last man standing: expected votes := number of member nodes (recalculate_quorum's by_current_nodes). */
  readonly byCurrentNodes: boolean
}

/** Result of {@link recalculate}. */
export interface QuorumOutcome extends QuorumMemory {
  /** Σ votes of member nodes. */
  readonly totalVotes: number
  /** This node's expected votes afterwards (raised to totalVotes when exceeded). */
  readonly expectedVotes: number
  readonly expectedRaised: boolean
  /** The expected votes quorum was computed from (max over members, or the LMS node count). */
  readonly highestExpected: number
  /** Quorate only thanks to auto_tie_breaker. */
  readonly tieBroken: boolean
  /** Inquorate because wait_for_all has not yet seen all expected votes. */
  readonly waitingForAll: boolean
  /** The table afterwards: my expected votes and flags, and every member's expected votes after LMS. */
  readonly nodes: ReadonlyMap<NodeId, QuorumNode>
}

/** Votes, count and highest expected votes of the member nodes (get_total_votes). */
export function memberVotes(nodes: ReadonlyMap<NodeId, QuorumNode>): { votes: number; count: number; highestExpected: number } {
  let votes = 0
  let count = 0
  let highestExpected = 0
  for (const node of nodes.values()) {
    if (node.state !== 'member') continue
    votes += node.votes
    count++
    highestExpected = Math.max(highestExpected, node.expectedVotes)
  }
  return { votes, count, highestExpected }
}

/** Options of {@link calculateQuorum}. */
export interface QuorumCalculation {
  readonly twoNode: boolean
  readonly previousQuorum: number
  readonly allowDecrease: boolean
  /** When > 0, replaces the highest expected votes of the members (setExpected validation, LMS). */
  readonly maxExpected: number
}

/**
 * calculate_quorum: a strict majority of the highest expected votes and of
 * the votes present (the OpenVMS rule, written `(x + 2) / 2` in C). Quorum
 * only goes down when explicitly allowed, so a partition cannot talk itself
 * into quorum by forgetting absent nodes; two_node pins it at 1 while at most
 * two nodes are members (the fence race decides, not the votes).
 */
export function calculateQuorum(
  nodes: ReadonlyMap<NodeId, QuorumNode>,
  options: QuorumCalculation,
): { quorum: number; totalVotes: number; highestExpected: number } {
  const present = memberVotes(nodes)
  const highestExpected = options.maxExpected > 0 ? options.maxExpected : present.highestExpected
  let quorum = Math.max(Math.floor(highestExpected / 2) + 1, Math.floor(present.votes / 2) + 1)
  if (!options.allowDecrease) quorum = Math.max(quorum, options.previousQuorum)
  if (options.twoNode && present.count <= 2) quorum = 1
  return { quorum, totalVotes: present.votes, highestExpected }
}

/** Whether a member of the table has this id (check_low/high_node_id_partition). */
export function isMember(nodes: ReadonlyMap<NodeId, QuorumNode>, id: NodeId | undefined): boolean {
  return id !== undefined && nodes.get(id)?.state === 'member'
}

/** What check_auto_tie_breaker looks at. */
export interface TieBreakerView {
  readonly tieBreaker: TieBreaker
  readonly nodes: ReadonlyMap<NodeId, QuorumNode>
  readonly lowestNodeId: NodeId | undefined
  readonly highestNodeId: NodeId | undefined
  readonly members: readonly NodeId[]
  readonly previousMembers: readonly NodeId[]
}

/**
 * check_auto_tie_breaker: does this partition hold the tie-breaker? For a
 * list, the first listed node present here wins, unless an earlier listed
 * node was with us before the split: it may be alive in the other half, which
 * would then hold the better tie-breaker.
 */
export function tieBreakerHolds(view: TieBreakerView): boolean {
  const atb = view.tieBreaker
  if (atb === 'none') return false
  if (atb === 'lowest') return isMember(view.nodes, view.lowestNodeId)
  if (atb === 'highest') return isMember(view.nodes, view.highestNodeId)
  for (let i = 0; i < atb.length; i++) {
    if (!view.members.includes(atb[i]!)) continue
    return !atb.slice(0, i).some((earlier) => view.previousMembers.includes(earlier))
  }
  return false
}

function withSelf(nodes: Map<NodeId, QuorumNode>, self: NodeId, change: Partial<QuorumNode>): QuorumNode {
  const me = nodes.get(self)
  if (me === undefined) throw new RangeError(`node ${self} is not in its own quorum table`)
  const next = { ...me, ...change }
  nodes.set(self, next)
  return next
}

/** Lowest and highest member id, counting this node (get_lowest_node_id / get_highest_node_id). */
function extremeIds(nodes: ReadonlyMap<NodeId, QuorumNode>, self: NodeId): { lowest: NodeId; highest: NodeId } {
  let lowest = self
  let highest = self
  for (const [id, node] of nodes) {
    if (node.state !== 'member') continue
    lowest = Math.min(lowest, id)
    highest = Math.max(highest, id)
  }
  return { lowest, highest }
}

type Decision = QuorumMemory & { readonly tieBroken: boolean; readonly waitingForAll: boolean }

/**
 * Votes of the previous members missing now: what "the other half" could
 * have. corosync compares the *number* of missing nodes with quorum, which is
 * the same when every node has one vote; with weighted votes a heavy node
 * could otherwise win the tie-break while the other side holds quorum.
 */
function missingVotes(input: QuorumInput, nodes: ReadonlyMap<NodeId, QuorumNode>): number {
  let votes = 0
  for (const id of input.previousMembers) if (!input.members.includes(id)) votes += nodes.get(id)?.votes ?? 1
  return votes
}

/**
 * are_we_quorate. wait_for_all keeps the node inquorate until all expected
 * votes were present at once, and is re-armed whenever quorum is lost. ATB
 * may rescue an exact half (half-1 for odd expected votes), but only when
 * the nodes missing since the last configuration could not hold quorum on
 * their own.
 */
function decide(input: QuorumInput, nodes: ReadonlyMap<NodeId, QuorumNode>, quorum: number, totalVotes: number, expectedVotes: number): Decision {
  const { features, previous } = input
  let waitForAllStatus = previous.waitForAllStatus
  if (features.waitForAll && waitForAllStatus) {
    if (totalVotes !== expectedVotes) {
      return { ...previous, quorum, quorate: false, tieBroken: false, waitingForAll: true }
    }
    waitForAllStatus = false
  }
  let quorate = totalVotes >= quorum
  let { lowestNodeId, highestNodeId } = previous
  if (quorate) ({ lowest: lowestNodeId, highest: highestNodeId } = extremeIds(nodes, input.self))
  let tieBroken = false
  if (
    features.tieBreaker !== 'none' &&
    totalVotes === Math.floor(expectedVotes / 2) &&
    missingVotes(input, nodes) < quorum &&
    tieBreakerHolds({ ...input, tieBreaker: features.tieBreaker, nodes, lowestNodeId, highestNodeId })
  ) {
    tieBroken = !quorate
    quorate = true
  }
  if (features.waitForAll) waitForAllStatus = !quorate
  return { quorum, quorate, waitForAllStatus, lowestNodeId, highestNodeId, tieBroken, waitingForAll: false }
}

/**
 * recalculate_quorum followed by are_we_quorate: raise my expected votes to
 * the votes present, compute quorum, apply LMS (every member's expected votes
 * := member count), decide, and set my QUORATE / WFASTATUS flags.
 */
export function recalculate(input: QuorumInput): QuorumOutcome {
  const nodes = new Map(input.nodes)
  const present = memberVotes(nodes)
  let me = withSelf(nodes, input.self, {})
  const expectedRaised = present.votes > me.expectedVotes
  if (expectedRaised) me = withSelf(nodes, input.self, { expectedVotes: present.votes })
  const maxExpected = input.byCurrentNodes ? present.count : 0
  const calc = calculateQuorum(nodes, {
    twoNode: input.features.twoNode,
    previousQuorum: input.previous.quorum,
    allowDecrease: input.allowDecrease,
    maxExpected,
  })
  if (maxExpected > 0) {
    for (const [id, node] of nodes) if (node.state === 'member') nodes.set(id, { ...node, expectedVotes: maxExpected })
    me = nodes.get(input.self)!
  }
  const decision = decide(input, nodes, calc.quorum, calc.totalVotes, me.expectedVotes)
  let flags = me.flags & ~(NodeFlag.quorate | NodeFlag.waitForAllStatus)
  if (decision.quorate) flags |= NodeFlag.quorate
  if (decision.waitForAllStatus) flags |= NodeFlag.waitForAllStatus
  me = withSelf(nodes, input.self, { flags })
  return {
    ...decision,
    totalVotes: calc.totalVotes,
    expectedVotes: me.expectedVotes,
    expectedRaised,
    highestExpected: calc.highestExpected,
    nodes,
  }
}

/**
 * message_handler_req_lib_votequorum_setexpected's check: expected votes
 * below the votes present make no sense, and a quorate cluster must not make
 * itself inquorate.
 */
export function expectedVotesAcceptable(nodes: ReadonlyMap<NodeId, QuorumNode>, value: number, quorate: boolean, twoNode: boolean): boolean {
  const { quorum, totalVotes } = calculateQuorum(nodes, { twoNode, previousQuorum: 0, allowDecrease: true, maxExpected: value })
  return value >= totalVotes && !(quorate && quorum > totalVotes)
}

/**
 * message_handler_req_lib_votequorum_setvotes's check, on a copy of the
 * table with the node's new votes: the resulting quorum must lie between half
 * of the votes present (integer division, as in C) and all of them.
 */
export function nodeVotesAcceptable(nodes: ReadonlyMap<NodeId, QuorumNode>, nodeId: NodeId, votes: number, twoNode: boolean): boolean {
  const node = nodes.get(nodeId)
  if (node === undefined) return false
  const trial = new Map(nodes).set(nodeId, { ...node, votes })
  const { quorum, totalVotes } = calculateQuorum(trial, { twoNode, previousQuorum: 0, allowDecrease: true, maxExpected: 0 })
  return quorum >= Math.floor(totalVotes / 2) && quorum <= totalVotes
}
