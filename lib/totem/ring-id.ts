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
