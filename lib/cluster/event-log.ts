import type { MembershipEvent } from './membership.js'
import type { QuorumInfo } from './quorum-api.js'

/**
 * The info-level lines corosync writes for the events an operator looks for
 * first: a membership formed (with who joined and left), quorum gained or lost.
 */
export function membershipLine(change: MembershipEvent): string {
  const ids = (list: MembershipEvent['members']): string => list.map((m) => m.nodeId).join(' ')
  const parts = [`A new membership (${change.ringId.rep}.${change.ringId.seq}) was formed. Members: ${ids(change.members)}`]
  if (change.joined.length > 0) parts.push(`members joined: ${ids(change.joined)}`)
  if (change.left.length > 0) parts.push(`members left: ${ids(change.left)}`)
  return parts.join('; ')
}

export function quorumLine(info: QuorumInfo): string {
  const votes = `${info.votes} of ${info.expectedVotes} votes, ${info.quorum} needed`
  return info.quorate
    ? `Quorum gained: this node is within the primary component and will provide service (${votes})`
    : `Quorum lost: this node is within the non-primary component and will NOT provide service (${votes})`
}
