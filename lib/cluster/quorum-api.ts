import type { QuorumEvent, QuorumState } from '../services/quorum/types.js'
import type { NodeId } from '../totem/ring-id.js'
import type { EngineLink } from './link.js'
import { args, check } from './validate.js'

/** Quorum as this node sees it (votequorum). */
export interface QuorumInfo {
  readonly quorate: boolean
  /** Votes of the current members. */
  readonly votes: number
  readonly expectedVotes: number
  /** Votes needed: floor(expected / 2) + 1, or 1 with twoNode. */
  readonly quorum: number
  readonly members: readonly NodeId[]
}

/** One node of votequorum's table (corosync-quorumtool -l). */
export interface QuorumNodeInfo {
  readonly nodeId: NodeId
  /** `member` of the current ring, `dead` (seen before, gone now) or `leaving` (announced a graceful leave). */
  readonly state: 'member' | 'dead' | 'leaving'
  readonly votes: number
  readonly expectedVotes: number
}

/** The whole votequorum picture on this node (corosync-quorumtool -s). */
export interface QuorumStatus extends QuorumInfo {
  readonly provider: 'votequorum' | 'none'
  /** The expected votes quorum was derived from (the highest among the members). */
  readonly highestExpected: number
  /** Every node ever heard of, by id. */
  readonly nodes: readonly QuorumNodeInfo[]
  /** corosync-quorumtool's flags: Quorate, WaitForAll, LastManStanding, AutoTieBreaker, 2Node. */
  readonly flags: readonly string[]
  /** wait_for_all is still holding quorum back. */
  readonly waitingForAll: boolean
}

/** `cluster.quorum`: votequorum state and its runtime knobs (corosync-quorumtool). */
export class QuorumApi {
  readonly #link: EngineLink
  readonly #provider: 'votequorum' | 'none'
  #info: QuorumInfo

  /** @internal */
  constructor(link: EngineLink, provider: 'votequorum' | 'none', expectedVotes: number) {
    this.#link = link
    this.#provider = provider
    this.#info = { quorate: provider === 'none', votes: 0, expectedVotes, quorum: Math.floor(expectedVotes / 2) + 1, members: [] }
  }

  get quorate(): boolean { return this.#info.quorate }
  get votes(): number { return this.#info.votes }
  get expectedVotes(): number { return this.#info.expectedVotes }
  get quorum(): number { return this.#info.quorum }
  get info(): QuorumInfo { return this.#info }

  /** Asks the engine for the full votequorum state, with the node table. */
  async status(): Promise<QuorumStatus> {
    if (this.#provider === 'none') {
      return { ...this.#info, provider: 'none', highestExpected: this.#info.expectedVotes, flags: ['Quorate'], waitingForAll: false,
        nodes: this.#info.members.map((nodeId) => ({ nodeId, state: 'member' as const, votes: 1, expectedVotes: this.#info.expectedVotes })) }
    }
    return quorumStatus(await this.#link.request('votequorum', 'state', {}) as QuorumState)
  }

  /** Changes expected votes cluster-wide (corosync-quorumtool -e). */
  async setExpectedVotes(value: number): Promise<void> {
    check(args.expectedVotes, value, 'value')
    await this.#link.request('votequorum', 'setExpected', { value })
  }

  /** Changes the votes of one node (corosync-quorumtool -v). */
  async setVotes(nodeId: NodeId, votes: number): Promise<void> {
    check(args.nodeId, nodeId, 'nodeId')
    check(args.votes, votes, 'votes')
    await this.#link.request('votequorum', 'setVotes', { nodeId, votes })
  }

  /** Lifts wait_for_all now (corosync-quorumtool --cancel-wait-for-all). */
  async cancelWaitForAll(): Promise<void> {
    await this.#link.request('votequorum', 'cancelWaitForAll', {})
  }

  /** @internal A votequorum event arrived; returns true if anything changed. */
  update(event: QuorumEvent): boolean {
    const next: QuorumInfo = { quorate: event.quorate, votes: event.votes, expectedVotes: event.expectedVotes, quorum: event.quorum, members: event.members }
    const changed = JSON.stringify(next) !== JSON.stringify(this.#info)
    this.#info = next
    return changed
  }

  /** @internal Without a quorum provider every partition is quorate; votes follow the members. */
  membersChanged(members: readonly NodeId[]): QuorumInfo | undefined {
    if (this.#provider !== 'none') return undefined
    this.#info = { quorate: true, votes: members.length, expectedVotes: members.length, quorum: 1, members }
    return this.#info
  }
}

function quorumStatus(s: QuorumState): QuorumStatus {
  const flags: string[] = []
  if (s.quorate) flags.push('Quorate')
  if (s.waitForAll) flags.push('WaitForAll')
  if (s.lastManStanding) flags.push('LastManStanding')
  if (s.autoTieBreaker !== 'none') flags.push('AutoTieBreaker')
  if (s.twoNode) flags.push('2Node')
  return {
    provider: 'votequorum', quorate: s.quorate, votes: s.votes, expectedVotes: s.expectedVotes, quorum: s.quorum, members: s.members,
    highestExpected: s.highestExpected, flags, waitingForAll: s.waitForAllStatus,
    nodes: s.nodes.map((n) => ({ nodeId: n.nodeId, state: n.state, votes: n.votes, expectedVotes: n.expectedVotes })),
  }
}
