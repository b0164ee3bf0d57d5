import type { NodeId, RingId } from '../../totem/ring-id.js'
import type { NodeState, TieBreaker } from './votes.js'

/**
 * Handed to local clients (ctx.emit) whenever one of its fields changes, and
 * at the end of every sync round (the ring id changes then) — corosync's
 * quorum_callback / votequorum quorum notification.
 */
export interface QuorumEvent {
  readonly type: 'quorum'
  readonly quorate: boolean
  /** Total votes of the current members. */
  readonly votes: number
  /** This node's expected votes. */
  readonly expectedVotes: number
  readonly quorum: number
  /** Ring members, ascending. */
  readonly members: readonly NodeId[]
  readonly ringId: RingId
}

/** One row of votequorum's node table (corosync-quorumtool -l / votequorum_getinfo). */
export interface QuorumNodeStatus {
  readonly nodeId: NodeId
  readonly state: NodeState
  readonly votes: number
  readonly expectedVotes: number
  /** Bit set of NodeFlag (quorate 1, leaving 2, wait_for_all status 4, first 8). */
  readonly flags: number
}

/** Snapshot of votequorum on this node; the source of CMAP `runtime.votequorum.*`. */
export interface QuorumState {
  /** runtime.votequorum.this_node_id */
  readonly thisNodeId: NodeId
  readonly quorate: boolean
  /** Total votes of the member nodes at the last computation. */
  readonly votes: number
  /** This node's expected votes. */
  readonly expectedVotes: number
  /** The expected votes quorum was derived from (highest among members). */
  readonly highestExpected: number
  readonly quorum: number
  /** Ring members of the last sync, ascending (empty before the first configuration). */
  readonly members: readonly NodeId[]
  readonly ringId: RingId
  /** Every node ever heard of, ascending by id. */
  readonly nodes: readonly QuorumNodeStatus[]
  /** runtime.votequorum.wait_for_all_status */
  readonly waitForAllStatus: boolean
  /** runtime.votequorum.lowest_node_id / highest_node_id: of the last quorate computation. */
  readonly lowestNodeId: NodeId | undefined
  readonly highestNodeId: NodeId | undefined
  /** runtime.votequorum.two_node (after reconciliation with ATB). */
  readonly twoNode: boolean
  readonly waitForAll: boolean
  /** False once a node with more than one vote was seen (LMS needs one vote each). */
  readonly lastManStanding: boolean
  readonly lastManStandingWindow: number
  /** runtime.votequorum.atb_type: 'none' when disabled. */
  readonly autoTieBreaker: TieBreaker
}
