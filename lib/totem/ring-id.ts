/** A cluster node identifier (corosync nodeid): a non-zero unsigned 32-bit integer. */
export type NodeId = number

/**
 * Identity of one configuration: the representative (lowest node id) and a
 * sequence number that only grows. Two different configurations never share one.
 */
export interface RingId {
  readonly rep: NodeId
  readonly seq: number
}

export const NO_RING: RingId = Object.freeze({ rep: 0, seq: 0 })

export function ringIdEqual(a: RingId, b: RingId): boolean {
  return a.seq === b.seq && a.rep === b.rep
}

/** Orders ring ids by seq, then rep; used for stable sorting and logs. */
export function ringIdCompare(a: RingId, b: RingId): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.rep - b.rep
}

export function ringIdString(r: RingId): string {
  return `${r.rep}.${r.seq}`
}

/**
 * Largest step above the highest ring seq I know that a join or a commit
 * token may announce. Seqs only grow (by 4 per ring) and are persisted: one
 * damaged or forged frame carrying a seq near 2^53 would push every later
 * ring id past what a frame carries exactly, and the ring could never form
 * again, even after restarts. A legitimate step is 4 above what the peer heard
 * in the same gather round; a node genuinely this far ahead would need 2^30
 * configurations the others never saw.
 */
export const RING_SEQ_JUMP_MAX = 2 ** 32
