import type { Checkpoint } from './checkpoints-api.js'
import type { Group } from './cpg-api.js'
import type { LinkState } from './link.js'
import type { Lock, LockMode } from './locks-api.js'
import type { Membership } from './membership.js'
import type { EngineStats } from './protocol.js'
import type { QuorumInfo } from './quorum-api.js'

/** A JSON value: what `JSON.stringify` keeps exactly. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** `cluster.status()`: plain JSON (bigints as decimal strings, times as ISO strings), safe to serve as is. */
export interface ClusterStatus {
  readonly nodeId: number
  readonly clusterName: string
  readonly state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'
  /** In a ring whose services finished synchronising. */
  readonly ready: boolean
  /** `id` is `"<rep>.<seq>"`, null before the first ring. */
  readonly ring: { readonly id: string | null; readonly members: readonly { nodeId: number; name: string; addr: string; votes: number }[] }
  readonly quorum: { readonly quorate: boolean; readonly votes: number; readonly expectedVotes: number; readonly quorum: number; readonly members: readonly number[] }
  /** Groups this node's members are in, with the member count of each at its last configuration change. */
  readonly groups: readonly { name: string; memberId: string; members: number }[]
  readonly locks: {
    readonly held: readonly { name: string; mode: LockMode; fencingToken: string }[]
    readonly waiting: readonly { name: string; mode: LockMode; since: string }[]
  }
  readonly checkpoints: readonly { name: string; sections: number }[]
  /** The engine's last statistics report (about once a second), null before the first. */
  readonly engine: { readonly [key: string]: Json } | null
}

export interface StatusParts {
  readonly nodeId: number
  readonly clusterName: string
  readonly state: LinkState
  readonly ready: boolean
  readonly clm: Membership
  readonly quorum: QuorumInfo
  readonly groups: readonly Group[]
  readonly locks: { readonly held: readonly Lock[]; readonly waiting: readonly { name: string; mode: LockMode; since: number }[] }
  readonly checkpoints: readonly Checkpoint[]
  readonly stats: EngineStats | undefined
}

export function clusterStatus(p: StatusParts): ClusterStatus {
  const ring = p.clm.ringId
  return {
    nodeId: p.nodeId, clusterName: p.clusterName, state: p.state, ready: p.ready,
    ring: { id: ring === undefined ? null : `${ring.rep}.${ring.seq}`, members: p.clm.members.map((m) => ({ nodeId: m.nodeId, name: m.name, addr: m.addr, votes: m.votes })) },
    quorum: { quorate: p.quorum.quorate, votes: p.quorum.votes, expectedVotes: p.quorum.expectedVotes, quorum: p.quorum.quorum, members: [...p.quorum.members] },
    groups: p.groups.map((g) => ({ name: g.name, memberId: g.memberId, members: g.members.length })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    locks: {
      held: p.locks.held.map((l) => ({ name: l.name, mode: l.mode, fencingToken: l.fencingToken.toString() })),
      waiting: p.locks.waiting.map((w) => ({ name: w.name, mode: w.mode, since: new Date(w.since).toISOString() })),
    },
    checkpoints: p.checkpoints.map((c) => ({ name: c.name, sections: c.sections().length })),
    engine: p.stats === undefined ? null : json(p.stats) as { [key: string]: Json },
  }
}

/** A deep copy JSON keeps exactly: bigints as strings, undefined and functions dropped, non-finite numbers as null. */
export function json(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(json)
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== 'function') out[k] = json(v)
    return out
  }
  return null
}
