import type { NodeId, RingId } from '../../totem/ring-id.js'
import type { CpgMember } from './groups.js'
import type { CpgReason } from './messages.js'

export type { CpgMember } from './groups.js'
export type { CpgReason } from './messages.js'

/** A member entering or leaving a group, and why. */
export interface CpgMemberChange extends CpgMember {
  readonly reason: CpgReason
}

/** Events CPG hands to the local client (library) side. */
export type CpgEvent =
  | {
      readonly type: 'message'
      readonly client: string
      /** The local member receiving it. */
      readonly memberId: string
      readonly group: string
      readonly from: CpgMember
      /** The sender member's message counter: consecutive from each member, in its send order. */
      readonly seq: number
      readonly payload: Uint8Array
    }
  | {
      readonly type: 'confchg'
      readonly client: string
      readonly memberId: string
      readonly group: string
      readonly members: readonly CpgMember[]
      readonly joined: readonly CpgMemberChange[]
      readonly left: readonly CpgMemberChange[]
    }
  /** The node membership every CPG client sees after each sync (corosync's totem confchg callback). */
  | { readonly type: 'totem'; readonly ringId: RingId; readonly members: readonly NodeId[] }

/** Largest CPG message (corosync's limit; larger ones would need the application to split them). */
export const CPG_MESSAGE_SIZE_MAX = 1024 * 1024
/** Longest group name in UTF-8 bytes (corosync CPG_MAX_NAME_LENGTH). */
export const CPG_GROUP_NAME_MAX = 128
/** Local members (joined groups) one node may have at once. */
export const CPG_LOCAL_MEMBERS_MAX = 4096

/** Test and audit hook: every group event this node applies, whether or not a local member hears it. */
export interface CpgTraceEntry {
  /** The ring (regular) or `old>new:[transitional members]` the event happened in. */
  readonly stream: string
  readonly group: string
  readonly key: string
}

export function confchgKey(joined: readonly CpgMemberChange[], left: readonly CpgMemberChange[], members: readonly CpgMember[]): string {
  const list = (l: readonly (CpgMember & { reason?: string })[]): string =>
    l.map((m) => `${m.nodeId}/${m.memberId}${m.reason === undefined ? '' : `:${m.reason}`}`).join(',')
  return `C:+[${list(joined)}]-[${list(left)}]=[${list(members)}]`
}

export function messageKey(from: CpgMember, seq: number): string {
  return `M:${from.nodeId}/${from.memberId}:${seq}`
}
