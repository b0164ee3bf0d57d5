/**
 * The status snapshot: what `ts-ha status --json` prints, what the admin
 * socket's `status` method returns and what the status page renders. Plain
 * JSON (64-bit numbers as decimal strings), versioned by `schema`: fields may
 * be added within a version, never renamed or removed.
 *
 * @module
 */
import type { CheckpointInfo } from '../services/ckpt/types.js'

/** Identifies this shape; bumped only for an incompatible change. */
export const STATUS_SCHEMA = 'ts-ha.status/1'

/** One configured node and whether it is in this node's current ring. */
export interface StatusNode {
  readonly nodeId: number
  readonly name: string
  readonly addr: string
  /** Votes from the nodelist (`quorum_votes`). */
  readonly votes: number
  readonly online: boolean
  /** The node that answered. */
  readonly local: boolean
}

/** votequorum as the answering node sees it. */
export interface StatusQuorum {
  readonly provider: 'votequorum' | 'none'
  readonly quorate: boolean
  /** Votes of the current members. */
  readonly totalVotes: number
  readonly expectedVotes: number
  readonly highestExpected: number
  /** Votes needed for quorum. */
  readonly quorum: number
  /** corosync-quorumtool's flags (Quorate, WaitForAll, LastManStanding, AutoTieBreaker, 2Node). */
  readonly flags: readonly string[]
}

export interface StatusGroup {
  readonly name: string
  readonly members: readonly { readonly nodeId: number; readonly memberId: string }[]
}

export interface StatusLock {
  readonly name: string
  /** Highest fencing token granted so far (decimal string: it is 64-bit). */
  readonly lastToken: string
  readonly delayed: boolean
  readonly holders: readonly { readonly nodeId: number; readonly mode: 'exclusive' | 'shared'; readonly fencingToken: string }[]
  readonly waiters: readonly { readonly nodeId: number; readonly mode: 'exclusive' | 'shared' }[]
}

/** `ts-ha status --json` (schema `ts-ha.status/1`). */
export interface StatusSnapshot {
  readonly schema: typeof STATUS_SCHEMA
  /** ts-ha version of the answering node. */
  readonly version: string
  readonly clusterName: string
  readonly localNodeId: number
  readonly transport: string
  /** `<representative>.<seq in hex>` as corosync prints it; null before the first ring formed. */
  readonly ringId: string | null
  /** Lifecycle of the answering node (`cluster.status().state`). */
  readonly state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'
  /** In a ring whose services finished synchronising. */
  readonly ready: boolean
  readonly quorum: StatusQuorum
  /** Every configured node, by node id. */
  readonly nodes: readonly StatusNode[]
  readonly groups: readonly StatusGroup[]
  readonly locks: readonly StatusLock[]
  readonly checkpoints: readonly CheckpointInfo[]
  /**
   * Data of the optional sections (see `STATUS_SECTIONS`), by section id: the
   * resource manager adds `resources`, `failedActions`, `fencing` here.
   */
  readonly extensions: Readonly<Record<string, unknown>>
  /** When the snapshot was taken (ISO 8601). */
  readonly collectedAt: string
}

/** corosync's ring id notation: representative node id, a dot, the ring sequence in hex. */
export function formatRingId(ring: { readonly rep: number; readonly seq: bigint | number } | undefined): string | null {
  if (ring === undefined) return null
  return `${ring.rep}.${ring.seq.toString(16)}`
}
