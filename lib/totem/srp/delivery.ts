import type { Mcast } from '../../wire/frames.js'
import { setHas, setUnion } from '../node-set.js'
import { ringIdEqual, type NodeId } from '../ring-id.js'
import { seqAdd, seqDiff, seqLt } from '../seq.js'
import { gatherEnter } from './gather.js'
import { activeQueue, updateAru } from './ordering.js'
import type { Srp } from './srp.js'
import { refuseUndecodable } from './undecodable.js'

/**
 * Agreed and safe delivery (corosync messages_deliver_to_app, plus the safe
 * rule corosync never implemented). Without `skip`, delivery stops at the
 * first hole and at the first safe message not yet known to be held by every
 * member. With `skip` (transitional configuration), holes are passed over;
 * after the first hole only messages of transitional members are delivered,
 * since a message of a departed node behind a hole may depend on what the
 * hole lost. Before the first hole everything goes: a peer may already have
 * delivered those messages in the regular configuration (the simulator found
 * this, seed 24, once safe delivery could stop the first pass early).
 */
export function deliverToApp(srp: Srp, skip: boolean, endPoint: number): void {
  // Leaving over an undecodable packet: nothing more of this ring (see refuseUndecodable).
  if (srp.leaveRing !== undefined) return
  const queue = srp.regularQueue
  const range = seqDiff(endPoint, srp.highDelivered)
  let pastHole = false
  for (let i = 1; i <= range; i++) {
    const seq = seqAdd(srp.highDelivered, 1)
    if (!queue.inRange(seq)) break
    const message = queue.get(seq)
    if (message === undefined) {
      if (!skip) break
      pastHole = true
      srp.highDelivered = seq
      continue
    }
    if (!skip && message.guarantee === 'safe' && seqLt(srp.safeUpTo, seq)) break
    if (pastHole && !setHas(srp.deliverMembList, message.origin)) {
      srp.highDelivered = seq
      continue
    }
    const delivered = srp.upper.deliver({
      origin: message.origin, ringId: message.ringId, seq: message.seq, guarantee: message.guarantee, payload: message.payload,
    })
    if (!delivered) {
      refuseUndecodable(srp, message)
      return
    }
    srp.highDelivered = seq
    srp.stats.delivered++
    if (message.guarantee === 'safe') srp.stats.deliveredSafe++
  }
}

/** A multicast arrived (corosync message_handler_mcast). */
export function onMcast(srp: Srp, sender: NodeId, message: Mcast): void {
  srp.stats.mcastRx++
  if (!ringIdEqual(message.ringId, srp.ringId)) {
    onForeignMcast(srp, sender, message)
    return
  }
  const carrier = message.recovered !== undefined
  // New-ring carriers before I reach RECOVERY, or stale ones after it, and regular messages
  // before I am OPERATIONAL: the retransmit mechanism brings back whatever is still needed.
  const expected = carrier ? srp.state === 'recovery' : srp.state === 'operational'
  if (!expected) {
    srp.stats.rxMsgDropped++
    return
  }
  const queue = activeQueue(srp)
  if (queue.inRange(message.seq) && queue.add(message.seq, message)) {
    if (seqLt(srp.highSeqReceived, message.seq)) srp.highSeqReceived = message.seq
  }
  updateAru(srp)
  if (srp.state === 'operational') deliverToApp(srp, false, srp.highSeqReceived)
}

/**
 * A message of another ring. From a node outside my ring it reveals a
 * partition to merge with. From a member of my ring with an older ring id it
 * is a late retransmission of a ring we left together: corosync restarts
 * membership for it, which only churns, so it is ignored.
 */
function onForeignMcast(srp: Srp, sender: NodeId, message: Mcast): void {
  switch (srp.state) {
    case 'operational':
      if (setHas(srp.membList, sender) && message.ringId.seq < srp.ringId.seq) {
        srp.stats.rxMsgDropped++
        return
      }
      srp.procList = setUnion(srp.procList, [sender])
      gatherEnter(srp, 'foreign message in operational state')
      return
    case 'gather':
      if (!setHas(srp.procList, sender)) {
        srp.procList = setUnion(srp.procList, [sender])
        gatherEnter(srp, 'foreign message in gather state')
      }
      return
    default:
      srp.stats.rxMsgDropped++
  }
}
