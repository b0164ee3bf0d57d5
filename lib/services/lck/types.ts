import type { NodeId, RingId } from '../../totem/ring-id.js'

/** corosync/OpenAIS never fixed an id for LCK in corosync's table; ts-ha uses 21. */
export const LCK_SERVICE_ID = 21
/** Longest lock name in UTF-8 bytes (OpenAIS SA_MAX_NAME_LENGTH). */
export const LCK_NAME_MAX = 256

/** `exclusive` is compatible with nothing, `shared` with `shared`. */
export type LckMode = 'exclusive' | 'shared'

/** A granted hold in the replicated table, in grant order. */
export interface Holder {
  readonly id: string
  readonly node: NodeId
  readonly mode: LckMode
  readonly token: bigint
}

/** A queued request in the replicated table, FIFO. */
export interface Waiter {
  readonly id: string
  readonly node: NodeId
  readonly mode: LckMode
}

/** One lock's replicated state. `lastToken` survives releases; `delayed` holds grants back (lock delay). */
export interface LockRecord {
  readonly name: string
  readonly lastToken: bigint
  readonly delayed: boolean
  readonly holders: readonly Holder[]
  readonly waiters: readonly Waiter[]
}

export interface LckOptions {
  /**
   * After a membership change drops holders of nodes that failed or left,
   * their locks are granted again only this long after the change (the old
   * holder may still be working if it was only cut off). Default 0.
   */
  readonly lockDelayMs?: number
  /** Sees every grant, release, loss and denial of this node's clients (simulator checkers, audits). */
  readonly trace?: (entry: LckTraceEntry) => void
}

/** What the library receives: a hold of one of its clients was taken away. */
export interface LckLostEvent {
  readonly type: 'lost'
  readonly client: string
  readonly holderId: string
  readonly reason: 'quorum' | 'membership'
}

/**
 * One event about a local client's hold. `grant` with `visible` true is the
 * moment the client is told; `visible` false is a grant made in a
 * transitional configuration, not told (yet).
 */
export interface LckTraceEntry {
  readonly kind: 'grant' | 'release' | 'lost' | 'deny'
  readonly node: NodeId
  readonly lock: string
  readonly holderId: string
  readonly mode: LckMode
  readonly token?: bigint
  readonly visible: boolean
  /** The error code (or 'null' for a try that was not grantable) of a deny. */
  readonly code?: string
  readonly at: number
  readonly ringId: RingId
  readonly members: readonly NodeId[]
}

/** A member's sync announcement: how fresh its table is, the table, and its clients' live ids. */
export interface Announcement {
  readonly epoch: number
  readonly records: readonly LockRecord[]
  readonly live: readonly string[]
}

/**
 * Fencing tokens granted in ring `seq` are at least seq·2²⁰: see LockTable.grant.
 * Ring seqs start from the wall clock in ms (about 2⁴¹ today), so 20 bits keep
 * tokens within 64 bits until the year 2527, and a ring would need over a
 * million grants of one lock per ms of its life to reach the next ring's floor.
 */
export function tokenFloor(ringSeq: number): bigint {
  return BigInt(ringSeq) << 20n
}

export function compatible(a: LckMode, b: LckMode): boolean {
  return a === 'shared' && b === 'shared'
}
