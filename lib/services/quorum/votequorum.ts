import type { NodeConfig, QuorumOptions } from '../../cluster/options.js'
import { NO_RING, ringIdEqual, type NodeId, type RingId } from '../../totem/ring-id.js'
import type { ClientAnswer, ClientRequest, Service, ServiceContext } from '../service.js'
import { resolveQuorumConfig, type VotequorumConfig } from './config.js'
import { VotequorumCodec, type VotequorumMessage } from './messages.js'
import { handleRequest } from './requests.js'
import type { QuorumEvent, QuorumState } from './types.js'
import {
  isMember,
  NodeFlag,
  recalculate,
  type QuorumFeatures,
  type QuorumMemory,
  type QuorumNode,
} from './votes.js'

export type { QuorumEvent, QuorumNodeStatus, QuorumState } from './types.js'

/** corosync's VOTEQUORUM_SERVICE id. */
export const VOTEQUORUM_SERVICE_ID = 5
/** Name of the last_man_standing_window timer. */
export const LMS_TIMER = 'lms'

type NodeInfo = Extract<VotequorumMessage, { kind: 'node-info' }>
type Reconfigure = Extract<VotequorumMessage, { kind: 'reconfigure' }>

function sameEvent(a: QuorumEvent | undefined, b: QuorumEvent): boolean {
  return a !== undefined && a.quorate === b.quorate && a.votes === b.votes && a.expectedVotes === b.expectedVotes &&
    a.quorum === b.quorum && ringIdEqual(a.ringId, b.ringId) &&
    a.members.length === b.members.length && a.members.every((id, i) => id === b.members[i])
}

function changed(old: QuorumNode, now: QuorumNode): boolean {
  return old.votes !== now.votes || old.expectedVotes !== now.expectedVotes || old.flags !== now.flags || old.state !== now.state
}

/**
 * votequorum (corosync exec/votequorum.c) as a ts-ha service. The node table
 * changes only in deliver and the sync callbacks, at the same point of the
 * total order everywhere, except where corosync itself acts locally: the
 * last_man_standing_window timer.
 */
class Votequorum implements Service {
  readonly id = VOTEQUORUM_SERVICE_ID
  readonly name = 'votequorum'
  readonly allowInquorate = true
  readonly dependencies: readonly string[] = []
  readonly #config: VotequorumConfig
  readonly #features: QuorumFeatures
  readonly #codec = new VotequorumCodec()
  #nodes: ReadonlyMap<NodeId, QuorumNode>
  #memory: QuorumMemory
  #totalVotes = 0
  #highestExpected = 0
  #members: readonly NodeId[] = []
  #previousMembers: readonly NodeId[] = []
  #ringId: RingId = NO_RING
  /** sync_in_progress: changes are reported at syncActivate, not as they happen. */
  #syncing = false
  #nodeInfoSent = false
  /** What the NodeInfo delivered in this round allow at syncActivate (recalculate_quorum's two arguments). */
  #pending = { allowDecrease: false, byCurrentNodes: false, lastManStanding: false }
  #lastManStanding: boolean
  #warned = false
  #lastEvent: QuorumEvent | undefined
  #snapshot: { key: readonly unknown[]; state: QuorumState } | undefined

  constructor(config: VotequorumConfig) {
    this.#config = config
    this.#features = { twoNode: config.twoNode, waitForAll: config.waitForAll, tieBreaker: config.tieBreaker }
    this.#lastManStanding = config.lastManStanding
    // votequorum_exec_init_fn: only this node is known, flagged FIRST until it sees another.
    const flags = NodeFlag.first | (config.waitForAll ? NodeFlag.waitForAllStatus : 0)
    this.#nodes = new Map([[config.self, { votes: config.votes, expectedVotes: config.expectedVotes, state: 'member', flags }]])
    this.#memory = { quorum: 0, quorate: false, waitForAllStatus: config.waitForAll, lowestNodeId: undefined, highestNodeId: undefined }
    this.#recalculate(undefined, false, false)
  }

  get state(): QuorumState {
    const key = [this.#nodes, this.#memory, this.#members, this.#ringId, this.#totalVotes, this.#highestExpected, this.#lastManStanding]
    if (this.#snapshot !== undefined && this.#snapshot.key.every((v, i) => v === key[i])) return this.#snapshot.state
    const c = this.#config
    const nodes = [...this.#nodes].sort(([a], [b]) => a - b).map(([nodeId, n]) => Object.freeze({ nodeId, ...n }))
    const state: QuorumState = Object.freeze({
      thisNodeId: c.self,
      quorate: this.#memory.quorate,
      votes: this.#totalVotes,
      expectedVotes: this.#me().expectedVotes,
      highestExpected: this.#highestExpected,
      quorum: this.#memory.quorum,
      members: this.#members,
      ringId: this.#ringId,
      nodes: Object.freeze(nodes),
      waitForAllStatus: this.#memory.waitForAllStatus,
      lowestNodeId: this.#memory.lowestNodeId,
      highestNodeId: this.#memory.highestNodeId,
      twoNode: c.twoNode,
      waitForAll: c.waitForAll,
      lastManStanding: this.#lastManStanding,
      lastManStandingWindow: c.lastManStandingWindow,
      autoTieBreaker: c.tieBreaker,
    })
    this.#snapshot = { key, state }
    return state
  }

  /** votequorum_sync_init: forget who left, remember the previous members, (re)arm the LMS window. */
  syncInit(ctx: ServiceContext, _transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void {
    if (!this.#warned) {
      this.#warned = true
      for (const w of this.#config.warnings) ctx.log(`votequorum: ${w}`)
    }
    this.#syncing = true
    this.#nodeInfoSent = false
    const self = this.#config.self
    const nodes = new Map(this.#nodes)
    if (members.length > 1) nodes.set(self, { ...this.#me(), flags: this.#me().flags & ~NodeFlag.first })
    // corosync marks the previous members that are gone; any other non-member is stale as well.
    for (const [id, node] of nodes) {
      if (id !== self && node.state !== 'dead' && !members.includes(id)) nodes.set(id, { ...node, state: 'dead' })
    }
    this.#nodes = nodes
    const left = this.#members.some((id) => !members.includes(id))
    this.#armLastManStanding(ctx, members.length, left)
    this.#previousMembers = this.#members
    this.#members = Object.freeze([...members].sort((a, b) => a - b))
    this.#ringId = ringId
  }

  /** votequorum_sync_process: every member announces itself; retried while the queue is full. */
  syncProcess(ctx: ServiceContext): boolean {
    if (this.#nodeInfoSent) return true
    const me = this.#me()
    const message: NodeInfo = { kind: 'node-info', nodeId: this.#config.self, votes: me.votes, expectedVotes: me.expectedVotes, flags: me.flags }
    const result = ctx.syncMcast(this.#codec.encode(message))
    if (result === 'queue-full') return false
    if (result !== 'ok') ctx.log(`votequorum: NodeInfo not sent (${result})`)
    this.#nodeInfoSent = true
    return true
  }

  /** votequorum_sync_activate: recompute with everyone's NodeInfo, then report (always once per round). */
  syncActivate(ctx: ServiceContext): void {
    const { allowDecrease, byCurrentNodes, lastManStanding } = this.#pending
    this.#pending = { allowDecrease: false, byCurrentNodes: false, lastManStanding: false }
    this.#recalculate(ctx, allowDecrease, byCurrentNodes)
    if (lastManStanding && this.#lastManStanding && this.#memory.quorate) this.#recalculate(ctx, true, true)
    this.#syncing = false
    this.#notify(ctx)
  }

  /** votequorum_sync_abort keeps the table: the next round's NodeInfo overwrites it anyway. */
  syncAbort(_ctx: ServiceContext): void {
    this.#nodeInfoSent = false
  }

  deliver(ctx: ServiceContext, from: NodeId, body: Uint8Array): void {
    const message = this.#codec.decode(body)
    if (message === undefined) {
      ctx.log(`votequorum: dropped an undecodable message from node ${from}`)
    } else if (message.kind === 'node-info') {
      this.#onNodeInfo(ctx, from, message)
    } else {
      this.#onReconfigure(ctx, message)
    }
  }

  /**
   * votequorum_last_man_standing_timer_fn: a quorate partition shrinks
   * expected votes to its own size. An expiry during sync waits for
   * syncActivate, so the member count is taken from a complete table.
   */
  timer(ctx: ServiceContext, name: string): void {
    if (name !== LMS_TIMER || !this.#lastManStanding) return
    if (this.#syncing) this.#pending = { ...this.#pending, lastManStanding: true }
    else if (this.#memory.quorate) this.#recalculate(ctx, true, true)
  }

  /** The votequorum library calls (getinfo, setexpected, setvotes, cancel wait_for_all); see requests.ts. */
  request(ctx: ServiceContext, request: ClientRequest, answer: (a: ClientAnswer) => void): void {
    const target = { self: this.#config.self, nodes: this.#nodes, quorate: this.#memory.quorate, twoNode: this.#config.twoNode }
    handleRequest(target, () => this.state, (m) => ctx.mcast(this.#codec.encode(m)), request, answer)
  }

  #me(): QuorumNode {
    return this.#nodes.get(this.#config.self)!
  }

  /**
   * message_handler_req_exec_votequorum_nodeinfo. An inquorate node adopts
   * the expected votes of a quorate sender (it is joining a cluster that may
   * have shrunk them); a sender's expected votes count only if it is quorate,
   * otherwise it is assumed to agree with mine.
   *
   * Deliberate difference: during sync (always, in ts-ha: NodeInfo is only
   * sent by syncProcess) the recalculation is deferred to syncActivate.
   * corosync recalculates after every NodeInfo, on a half-filled table; those
   * results are not reported, but they re-arm wait_for_all status, move the
   * quorum floor and the ATB anchor, so members of one partition could end
   * the round disagreeing, depending on delivery order.
   */
  #onNodeInfo(ctx: ServiceContext, from: NodeId, m: NodeInfo): void {
    if (m.nodeId !== from) {
      // Only the qdevice (node 0) is announced by another node in corosync; ts-ha has none.
      ctx.log(`votequorum: ignored NodeInfo for node ${m.nodeId} sent by node ${from}`)
      return
    }
    const self = this.#config.self
    const old = this.#nodes.get(m.nodeId)
    const leaving = (m.flags & NodeFlag.leaving) !== 0
    const senderQuorate = (m.flags & NodeFlag.quorate) !== 0
    const nodes = new Map(this.#nodes)
    let allowDecrease = leaving
    if (!this.#memory.quorate && senderQuorate) {
      allowDecrease = true
      nodes.set(self, { ...nodes.get(self)!, expectedVotes: m.expectedVotes })
    }
    const expectedVotes = senderQuorate ? m.expectedVotes : nodes.get(self)!.expectedVotes
    const node: QuorumNode = { votes: m.votes, expectedVotes, state: leaving ? 'leaving' : 'member', flags: m.flags }
    nodes.set(m.nodeId, node)
    this.#nodes = nodes
    if (this.#lastManStanding && m.votes > 1) {
      ctx.log('votequorum: last_man_standing needs every node to have 1 vote; disabling it')
      this.#lastManStanding = false
      ctx.cancelTimer(LMS_TIMER)
    }
    if (this.#syncing) {
      this.#pending = {
        ...this.#pending,
        allowDecrease: this.#pending.allowDecrease || allowDecrease,
        byCurrentNodes: this.#pending.byCurrentNodes || leaving,
      }
    } else if (old === undefined || m.nodeId === self || (m.flags & NodeFlag.first) !== 0 || changed(old, node)) {
      this.#recalculate(ctx, allowDecrease, leaving)
    }
    // A quorate node that is not waiting means the cluster already had everyone once.
    if (this.#config.waitForAll && (m.flags & NodeFlag.waitForAllStatus) === 0 && senderQuorate) {
      this.#setWaitForAllStatus(false)
    }
  }

  /** message_handler_req_exec_votequorum_reconfigure: administrative changes may lower quorum. */
  #onReconfigure(ctx: ServiceContext, m: Reconfigure): void {
    if (m.param === 'expected-votes') {
      const nodes = new Map(this.#nodes)
      if (m.value > 0) {
        for (const [id, node] of nodes) if (node.state === 'member') nodes.set(id, { ...node, expectedVotes: m.value })
      }
      this.#nodes = nodes
      this.#recalculate(ctx, true, false)
    } else if (m.param === 'node-votes') {
      const node = this.#nodes.get(m.nodeId)
      if (node === undefined) return
      this.#nodes = new Map(this.#nodes).set(m.nodeId, { ...node, votes: m.value })
      this.#recalculate(ctx, true, false)
    } else {
      ctx.log(`votequorum: wait_for_all cancelled by node ${m.nodeId}`)
      this.#setWaitForAllStatus(false)
      this.#recalculate(ctx, false, false)
    }
  }

  #recalculate(ctx: ServiceContext | undefined, allowDecrease: boolean, byCurrentNodes: boolean): void {
    const wasQuorate = this.#memory.quorate
    const out = recalculate({
      self: this.#config.self,
      nodes: this.#nodes,
      features: this.#features,
      previous: this.#memory,
      members: this.#members,
      previousMembers: this.#previousMembers,
      allowDecrease,
      byCurrentNodes,
    })
    this.#nodes = out.nodes
    const { quorum, quorate, waitForAllStatus, lowestNodeId, highestNodeId } = out
    this.#memory = { quorum, quorate, waitForAllStatus, lowestNodeId, highestNodeId }
    this.#totalVotes = out.totalVotes
    this.#highestExpected = out.highestExpected
    if (ctx === undefined) return
    if (out.expectedRaised) ctx.log(`votequorum: expected votes raised to ${out.expectedVotes}`)
    if (wasQuorate !== quorate) {
      const why = out.waitingForAll ? ' (waiting for all nodes)' : out.tieBroken ? ' (auto_tie_breaker)' : ''
      ctx.log(`votequorum: ${quorate ? 'quorum regained' : 'quorum lost'}${why}: votes ${out.totalVotes} expected ${out.expectedVotes} quorum ${quorum}`)
    }
    this.#notify(ctx)
  }

  /** update_wait_for_all_status: the memory and my WFASTATUS flag move together. */
  #setWaitForAllStatus(status: boolean): void {
    if (this.#memory.waitForAllStatus === status) return
    this.#memory = { ...this.#memory, waitForAllStatus: status }
    const me = this.#me()
    const flags = status ? me.flags | NodeFlag.waitForAllStatus : me.flags & ~NodeFlag.waitForAllStatus
    this.#nodes = new Map(this.#nodes).set(this.#config.self, { ...me, flags })
  }

  /**
   * votequorum_sync_init's LMS rule: nodes left and we still have at least
   * quorum nodes, or (ATB) we are at or below quorum but hold the lowest node.
   */
  #armLastManStanding(ctx: ServiceContext, memberCount: number, left: boolean): void {
    if (!this.#lastManStanding) return
    const quorum = this.#memory.quorum
    const lowestHere = this.#config.tieBreaker !== 'none' && isMember(this.#nodes, this.#memory.lowestNodeId)
    if ((memberCount >= quorum && left) || (memberCount <= quorum && lowestHere)) {
      ctx.setTimer(LMS_TIMER, ctx.now + this.#config.lastManStandingWindow)
    }
  }

  #notify(ctx: ServiceContext): void {
    if (this.#syncing) return
    const event: QuorumEvent = {
      type: 'quorum',
      quorate: this.#memory.quorate,
      votes: this.#totalVotes,
      expectedVotes: this.#me().expectedVotes,
      quorum: this.#memory.quorum,
      members: this.#members,
      ringId: this.#ringId,
    }
    if (sameEvent(this.#lastEvent, event)) return
    this.#lastEvent = event
    ctx.emit(event)
  }
}

/**
 * Creates the votequorum service (id 5, allowed while inquorate). Throws
 * ConfigError for inconsistent options (see votequorum(5)). The host reads
 * `state.quorate` to gate other services; clients get {@link QuorumEvent}s.
 */
export function votequorum(options: {
  readonly self: NodeId
  readonly nodes: readonly NodeConfig[]
  readonly quorum: QuorumOptions
}): Service & { readonly state: QuorumState } {
  return new Votequorum(resolveQuorumConfig(options.self, options.nodes, options.quorum))
}
