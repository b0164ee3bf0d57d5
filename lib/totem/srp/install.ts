import { setMinus } from '../node-set.js'
import { ringIdEqual, ringIdString } from '../ring-id.js'
import { SEQ_START, seqAdd, seqDiff, seqLt } from '../seq.js'
import { deliverToApp } from './delivery.js'
import type { Srp } from './srp.js'
import { oldRingDecodable } from './undecodable.js'

/**
 * Installs the new ring (corosync memb_state_operational_enter). Each node's
 * application sees, in this order: the old ring's messages up to the first
 * hole, the transitional configuration, the remaining old-ring messages of
 * transitional members, the regular configuration, then new-ring messages.
 */
export function operationalEnter(srp: Srp): void {
  moveRecoveredToRegular(srp)
  if (!oldRingDecodable(srp)) return
  srp.originatedOrfToken = false
  srp.consensus = new Set([srp.self])
  srp.oldRingStateSaved = false
  // Safe messages not yet known safe in the old ring are not delivered as if they were.
  deliverToApp(srp, false, srp.oldRingHighSeqReceived)
  const left = setMinus(srp.membList, srp.transMembList)
  const joined = setMinus(srp.newMembList, srp.transMembList)
  srp.membList = srp.newMembList.slice()
  srp.upper.configuration({ kind: 'transitional', ringId: srp.ringId, members: srp.transMembList, left, joined: [] })
  srp.waitingTransAck = true
  deliverToApp(srp, true, srp.oldRingHighSeqReceived)
  srp.upper.configuration({ kind: 'regular', ringId: srp.ringId, members: srp.membList, left: [], joined })
  adoptRecoveryQueue(srp)
  srp.procList = srp.membList.slice()
  srp.failedList = []
  srp.stats.operationalEntered++
  srp.continuousGather = 0
  srp.receivedFlg = true
  srp.oldRingId = srp.ringId
  const failed = left.filter((id) => !srp.leavers.has(id))
  srp.leavers.clear()
  const summary = `A new membership (${ringIdString(srp.ringId)}) was formed. Members${joined.length ? ` joined: ${joined.join(' ')}` : ''}` +
    `${left.length ? ` left: ${left.join(' ')}` : ''}${failed.length ? ` (failed to receive the leave message: ${failed.join(' ')})` : ''}`
  srp.log(summary)
  srp.setState('operational', summary)
}

/** Unwraps recovered carriers into the old ring's window, filling its holes. */
function moveRecoveredToRegular(srp: Srp): void {
  const range = seqDiff(srp.aru, SEQ_START)
  for (let i = 1; i <= range; i++) {
    const carrier = srp.recoveryQueue.get(seqAdd(SEQ_START, i))
    const old = carrier?.recovered
    if (old === undefined || !ringIdEqual(old.ringId, srp.oldRingId)) continue
    if (!srp.regularQueue.inRange(old.seq) || srp.regularQueue.has(old.seq)) continue
    srp.regularQueue.add(old.seq, old)
    if (seqLt(srp.oldRingHighSeqReceived, old.seq)) srp.oldRingHighSeqReceived = old.seq
  }
}

/**
 * The recovery window becomes the new ring's regular window. It holds only
 * carriers, already unwrapped and delivered, so everything in it is released.
 */
function adoptRecoveryQueue(srp: Srp): void {
  const regular = srp.regularQueue
  srp.regularQueue = srp.recoveryQueue
  srp.recoveryQueue = regular
  srp.myLastAru = SEQ_START
  // Every member held every carrier up to the install point before anyone installed.
  srp.aru = srp.highSeqReceived
  srp.highDelivered = srp.highSeqReceived
  srp.regularQueue.releaseTo(srp.highDelivered)
  srp.lastReleased = srp.highDelivered
  srp.safeUpTo = srp.highDelivered
}
