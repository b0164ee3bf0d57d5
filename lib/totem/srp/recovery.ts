import type { CommitToken, Mcast, OrfToken } from '../../wire/frames.js'
import { setHas } from '../node-set.js'
import { ringIdEqual } from '../ring-id.js'
import { SEQ_START, seqAdd, seqDiff, seqLt, seqLte } from '../seq.js'
import { sendCommitToken } from './commit.js'
import { operationalEnter } from './install.js'
import type { Srp } from './srp.js'
import { sendToken } from './token-send.js'

/**
 * RECOVERY (extended virtual synchrony): before the new ring is installed, the
 * members that come from the same old ring (the transitional configuration)
 * exchange every old-ring message any of them holds, re-originated inside
 * new-ring messages, so that they all deliver the same set
 * (corosync memb_state_recovery_enter and the retrans_flg logic of the token).
 */

export function restoreOldRingState(srp: Srp): void {
  srp.aru = srp.oldRingAru
  srp.highSeqReceived = srp.oldRingHighSeqReceived
}

export function recoveryEnter(srp: Srp, token: CommitToken): void {
  srp.recoveryQueue.reinit(seqAdd(SEQ_START, 1))
  srp.retransQueue = []
  sendCommitToken(srp, token)
  srp.myTokenSeq = (SEQ_START - 1) >>> 0
  // Transitional members: in my old ring, and coming from that very ring according to their entry.
  srp.transMembList = token.members.filter((id, i) =>
    setHas(srp.membList, id) && ringIdEqual(token.entries[i]!.ringId, srp.oldRingId))
  srp.deliverMembList = srp.transMembList
  agreeOnSafePoint(srp, token)
  const incomplete = token.members.some((id, i) => setHas(srp.transMembList, id) && !token.entries[i]!.receivedFlg)
  if (incomplete) originateOldMessages(srp, token)
  srp.aru = SEQ_START
  srp.aruCount = 0
  srp.seqUnchanged = 0
  srp.highSeqReceived = SEQ_START
  srp.installSeq = SEQ_START
  srp.lastReleased = SEQ_START
  srp.lastSeq = SEQ_START
  srp.retransFlgCount = 0
  srp.rotationCounter = 0
  srp.setRetransFlg = false
  srp.stats.recoveryEntered++
  srp.continuousGather = 0
  srp.setState('recovery', `transitional members ${srp.transMembList.join(',') || '(none)'}`)
  srp.timers.set('tokenLoss', srp.now + srp.config.token)
  armTokenWarning(srp)
}

/**
 * Every transitional member must end its regular-mode delivery of the old ring
 * at the same message, or a service sees one message before the transitional
 * configuration on one node and after it on another (found by the simulator:
 * sync barriers, CPG streams). A safe message is safe in the old ring if any
 * member knew it was: all members use the highest safe point among them.
 */
function agreeOnSafePoint(srp: Srp, token: CommitToken): void {
  let safe = srp.safeUpTo
  token.members.forEach((id, i) => {
    const entry = token.entries[i]!
    if (setHas(srp.transMembList, id) && ringIdEqual(entry.ringId, srp.oldRingId) && seqLt(safe, entry.safeUpTo)) safe = entry.safeUpTo
  })
  srp.safeUpTo = safe
}

/**
 * Queues, for re-sending in the new ring, the old-ring messages above the
 * lowest transitional aru that are mine to send: a message some member's aru
 * shows it holds is re-sent by the lowest such member alone; one above every
 * aru by whoever has it. Every member re-sending everything (as corosync
 * does) multiplies the carriers by the member count, and more carriers than
 * the receive window holds would keep the ring in recovery for ever.
 */
function originateOldMessages(srp: Srp, token: CommitToken): void {
  const arus: { id: number; aru: number }[] = []
  token.members.forEach((id, i) => {
    const entry = token.entries[i]!
    if (setHas(srp.transMembList, id) && ringIdEqual(entry.ringId, srp.oldRingId)) arus.push({ id, aru: entry.aru })
  })
  let lowRingAru = srp.oldRingHighSeqReceived
  for (const a of arus) if (seqLt(a.aru, lowRingAru)) lowRingAru = a.aru
  // Never more than the receive window, whatever a (damaged) entry claims.
  const range = Math.min(seqDiff(srp.oldRingHighSeqReceived, lowRingAru), srp.regularQueue.size)
  for (let i = 1; i <= range; i++) {
    const seq = seqAdd(lowRingAru, i)
    const old = srp.regularQueue.get(seq)
    if (old === undefined) continue
    const holder = arus.find((a) => seqLte(seq, a.aru))
    if (holder !== undefined && holder.id !== srp.self) continue
    const carrier: Mcast = {
      kind: 'mcast', ringId: srp.ringId, seq: 0, origin: srp.self, guarantee: 'agreed',
      payload: new Uint8Array(0), recovered: old,
    }
    srp.retransQueue.push(carrier)
  }
  srp.log(`recovery: ${srp.retransQueue.length} old-ring messages to re-originate above ${lowRingAru}`)
}

export function sendInitialOrfToken(srp: Srp): void {
  const pending = srp.retransQueue.length > 0
  srp.setRetransFlg = pending
  const token: OrfToken = {
    kind: 'token', ringId: srp.ringId, tokenSeq: SEQ_START, seq: SEQ_START, aru: (SEQ_START - 1) >>> 0,
    aruAddr: srp.self, backlog: 0, fcc: 0, retransFlg: pending, rtr: [],
  }
  sendToken(srp, token, true)
  srp.timers.set('tokenLoss', srp.now + srp.config.token)
  armTokenWarning(srp)
}

export function armTokenWarning(srp: Srp): void {
  if (srp.config.tokenWarning > 0) {
    srp.timers.set('tokenWarning', srp.now + Math.floor((srp.config.token * srp.config.tokenWarning) / 100))
  }
}

/**
 * Runs on every token visit in RECOVERY: nobody has anything left to resend
 * (retrans_flg stayed clear), and for two further rotations the token aru shows
 * every member holds everything up to the install point; then install.
 */
export function recoveryTokenStep(srp: Srp, token: OrfToken): void {
  if (srp.retransQueue.length > 0) {
    if (!token.retransFlg) {
      token.retransFlg = true
      srp.setRetransFlg = true
    }
  } else if (token.retransFlg && srp.setRetransFlg) {
    token.retransFlg = false
    srp.setRetransFlg = false
  } else if (token.retransFlg && srp.seqUnchanged >= 2) {
    // Nobody re-originated anything for two rotations: the flag is owned by no node (damage,
    // or a setter that left). Whoever still has old messages sets it again on its next visit,
    // so no member can see it clear twice in a row too early; without this a stray flag would
    // hold the ring in recovery for ever while the token circulates.
    token.retransFlg = false
  }
  srp.retransFlgCount = token.retransFlg ? 0 : srp.retransFlgCount + 1
  if (srp.retransFlgCount === 2) srp.installSeq = token.seq
  if (srp.retransFlgCount >= 2 && !srp.receivedFlg && seqLte(srp.installSeq, srp.aru)) {
    srp.receivedFlg = true
    srp.deliverMembList = srp.transMembList
  }
  if (srp.retransFlgCount >= 3 && seqLte(srp.installSeq, token.aru)) srp.rotationCounter++
  else srp.rotationCounter = 0
  if (srp.rotationCounter === 2) {
    srp.rotationCounter = 0
    srp.retransFlgCount = 0
    operationalEnter(srp)
  }
}
