import { assert } from '../../util/assert.js'
import type { CommitEntry, CommitToken } from '../../wire/frames.js'
import { setEqual, setMinus } from '../node-set.js'
import { RING_SEQ_JUMP_MAX, ringIdEqual, type NodeId } from '../ring-id.js'
import { seqLt } from '../seq.js'
import { recoveryEnter, sendInitialOrfToken } from './recovery.js'
import type { Srp } from './srp.js'

/**
 * COMMIT: the representative's commit token travels twice around the new ring.
 * On the first rotation every member records where it comes from (old ring id,
 * aru, delivered point); on the second every member enters RECOVERY knowing
 * all of that (corosync memb_state_commit_*, message_handler_memb_commit_token).
 */

export function commitTokenCreate(srp: Srp): void {
  const members = setMinus(srp.procList, srp.failedList)
  assert(members.length > 0 && members[0] === srp.self, 'only the lowest node of the new ring creates its commit token')
  srp.commitToken = {
    kind: 'commit',
    ringId: { rep: srp.self, seq: srp.tokenRingIdSeq + 4 },
    tokenSeq: 0,
    members,
    entries: [],
    membIndex: 0,
  }
}

function saveOldRingState(srp: Srp): void {
  // Once per transition: a failed attempt must not overwrite where I really come from.
  if (srp.oldRingStateSaved) return
  srp.oldRingStateSaved = true
  srp.oldRingId = srp.ringId
  srp.oldRingAru = srp.aru
  srp.oldRingHighSeqReceived = srp.highSeqReceived
}

/** Fills my entry and marks entries of my old ring that are behind the best of them as not complete. */
function commitTokenUpdate(srp: Srp, token: CommitToken): CommitToken {
  srp.newMembList = token.members.slice()
  srp.receivedFlg = srp.aru === srp.highSeqReceived
  const mine: CommitEntry = {
    ringId: srp.oldRingId, aru: srp.oldRingAru, highDelivered: srp.highDelivered, receivedFlg: srp.receivedFlg,
    safeUpTo: srp.safeUpTo,
  }
  const entries = [...token.entries, mine]
  let highAru = mine.aru
  for (const e of entries) if (ringIdEqual(e.ringId, mine.ringId) && seqLt(highAru, e.aru)) highAru = e.aru
  const updated = entries.map((e, i) => {
    if (!ringIdEqual(e.ringId, mine.ringId) || !seqLt(e.aru, highAru)) return e
    if (i === entries.length - 1) srp.receivedFlg = false
    return { ...e, receivedFlg: false }
  })
  assert(token.membIndex + 1 <= token.members.length, 'commit token visited more members than it has')
  return { ...token, entries: updated, membIndex: token.membIndex + 1 }
}

export function commitEnter(srp: Srp): void {
  const token = srp.commitToken
  assert(token !== undefined, 'commit without a commit token')
  saveOldRingState(srp)
  const updated = commitTokenUpdate(srp, token)
  srp.commitToken = updated
  srp.timers.cancel('join')
  srp.timers.cancel('sendJoin')
  srp.timers.cancel('consensus')
  srp.ringId = updated.ringId
  // Durable before the commit token leaves: a restarted node must never reuse this ring id.
  srp.persistRingSeq = updated.ringId.seq
  srp.tokenRingIdSeq = updated.ringId.seq
  sendCommitToken(srp, updated)
  srp.stats.commitEntered++
  srp.continuousGather = 0
  srp.trc = 0
  srp.pbl = 0
  srp.cbl = 0
  srp.setState('commit', `ring ${updated.ringId.rep}.${updated.ringId.seq} of ${updated.members.join(',')}`)
  srp.timers.set('tokenLoss', srp.now + srp.config.token)
}

/** Forwards the commit token to my successor in the new ring, keeping a copy for retransmission. */
export function sendCommitToken(srp: Srp, token: CommitToken): void {
  const next: CommitToken = { ...token, tokenSeq: (token.tokenSeq + 1) >>> 0 }
  const to = srp.successor(next.members)
  const out = { kind: 'unicast', to, frame: { sender: srp.self, body: next } } as const
  srp.lastTokenSent = out
  srp.stats.commitTokenTx++
  srp.send(out)
  srp.timers.set('tokenRetransmit', srp.now + srp.config.tokenRetransmit)
}

export function onCommitToken(srp: Srp, sender: NodeId, token: CommitToken): void {
  srp.stats.commitTokenRx++
  // Like the regular token, it comes from my predecessor in its ring or from nobody (see onOrfToken),
  // and a ring I am not in is not mine to join. Its creator is the lowest member, and its seq is
  // a small step above what I know (see RING_SEQ_JUMP_MAX).
  if (sender !== srp.predecessor(token.members) || token.ringId.rep !== token.members[0] ||
    token.ringId.seq > srp.tokenRingIdSeq + RING_SEQ_JUMP_MAX) {
    srp.stats.tokenRejected++
    return
  }
  switch (srp.state) {
    case 'gather': {
      const expected = setMinus(srp.procList, srp.failedList)
      if (setEqual(token.members, expected) && token.ringId.seq > srp.ringId.seq && token.membIndex < token.members.length) {
        srp.commitToken = token
        commitEnter(srp)
      }
      return
    }
    case 'commit':
      // Only the completed first rotation moves me on; retransmitted copies are ignored.
      if (ringIdEqual(token.ringId, srp.ringId) && token.membIndex === token.members.length) {
        recoveryEnter(srp, token)
      }
      return
    case 'recovery':
      if (srp.self === srp.ringId.rep && ringIdEqual(token.ringId, srp.ringId) && !srp.originatedOrfToken) {
        srp.originatedOrfToken = true
        sendInitialOrfToken(srp)
      }
      return
    case 'operational':
    case 'stopped':
      return
  }
}
