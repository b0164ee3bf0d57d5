import type { CmapMember } from '../services/cmap/populate.js'
import type { ConfigurationChange } from '../totem/events.js'
import type { NodeId } from '../totem/ring-id.js'
import type { NodeConfig } from './options.js'

/** A cluster node as applications see it (CLM): id, name and address from the nodelist. */
export interface Member {
  readonly nodeId: NodeId
  readonly name: string
  readonly addr: string
  readonly votes: number
}

/** Ring id with the 64-bit sequence as a bigint; `JSON.stringify` writes it as `"<rep>.<seq>"`. */
export interface ClusterRingId {
  readonly rep: NodeId
  readonly seq: bigint
}

function clusterRingId(rep: NodeId, seq: number): ClusterRingId {
  const id = { rep, seq: BigInt(seq) }
  // Not enumerable: equality checks and spreads see only rep and seq.
  Object.defineProperty(id, 'toJSON', { value: () => `${rep}.${seq}` })
  return id
}

export interface MembershipEvent {
  readonly ringId: ClusterRingId
  readonly members: readonly Member[]
  readonly joined: readonly Member[]
  readonly left: readonly Member[]
}

/**
 * The cluster membership service (SA Forum CLM, as corosync 3 covers it with
 * the quorum member list and runtime.members.*): the current members, and one
 * event per configuration change with who joined and who left.
 */
export class Membership {
  readonly #byId: ReadonlyMap<NodeId, Member>
  #members: readonly Member[] = []
  #ringId: ClusterRingId | undefined
  #left: readonly NodeId[] = []
  readonly #joinCount = new Map<NodeId, number>()
  readonly #status = new Map<NodeId, 'joined' | 'left'>()

  constructor(nodes: readonly NodeConfig[]) {
    this.#byId = new Map(nodes.map((n) => [n.nodeId, { nodeId: n.nodeId, name: n.name ?? `node${n.nodeId}`, addr: n.addr, votes: n.votes ?? 1 }]))
  }

  /** Members of the current regular configuration (empty before the first). */
  get members(): readonly Member[] { return this.#members }
  get ringId(): ClusterRingId | undefined { return this.#ringId }

  /** The nodelist entry of a node. */
  node(nodeId: NodeId): Member | undefined {
    return this.#byId.get(nodeId)
  }

  /** Takes a configuration change; returns the event to emit after a regular configuration. */
  apply(change: ConfigurationChange): MembershipEvent | undefined {
    if (change.kind === 'transitional') {
      this.#left = change.left
      return undefined
    }
    const member = (id: NodeId): Member => this.#byId.get(id) ?? { nodeId: id, name: `node${id}`, addr: '', votes: 1 }
    this.#members = change.members.map(member)
    this.#ringId = clusterRingId(change.ringId.rep, change.ringId.seq)
    for (const id of change.joined) {
      this.#joinCount.set(id, (this.#joinCount.get(id) ?? 0) + 1)
      this.#status.set(id, 'joined')
    }
    for (const id of this.#left) this.#status.set(id, 'left')
    const event = { ringId: this.#ringId, members: this.#members, joined: change.joined.map(member), left: this.#left.map(member) }
    this.#left = []
    return event
  }

  /** @internal runtime.members.* rows for CMAP. */
  cmapMembers(): CmapMember[] {
    return [...this.#status].map(([nodeId, status]) => ({
      nodeId, status, addr: this.#byId.get(nodeId)?.addr ?? '', joinCount: this.#joinCount.get(nodeId) ?? 0,
    }))
  }
}
