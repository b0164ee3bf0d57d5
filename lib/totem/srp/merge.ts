import type { MergeDetect, TokenHoldCancel } from '../../wire/frames.js'
import { setHas, setUnion } from '../node-set.js'
import { ringIdEqual, type NodeId } from '../ring-id.js'
import { gatherEnter } from './gather.js'
import type { Srp } from './srp.js'
import { retransmitToken } from './token-send.js'

/**
 * Merge detection and token hold (corosync extensions). An idle ring sends no
 * multicasts that another partition could hear, so its representative
 * announces the ring id periodically; a busy ring needs no such help.
 */

export function sendMergeDetect(srp: Srp): void {
  srp.stats.membMergeDetectTx++
  const body: MergeDetect = { kind: 'merge-detect', ringId: srp.ringId }
  srp.send({ kind: 'mcast', frame: { sender: srp.self, body }, loopback: false })
}

export function onMergeDetect(srp: Srp, sender: NodeId, message: MergeDetect): void {
  srp.stats.membMergeDetectRx++
  if (ringIdEqual(message.ringId, srp.ringId)) return
  switch (srp.state) {
    case 'operational':
      // A fellow member still announcing a ring we already left together: ignore, as for stale mcasts.
      if (setHas(srp.membList, sender) && message.ringId.seq < srp.ringId.seq) return
      srp.procList = setUnion(srp.procList, [sender])
      gatherEnter(srp, 'merge during operational state')
      return
    case 'gather':
      if (!setHas(srp.procList, sender)) {
        srp.procList = setUnion(srp.procList, [sender])
        gatherEnter(srp, 'merge during gather state')
      }
      return
    default:
      return
  }
}

/** Something wants to be sent while the token may be held idle: ask the representative to release it. */
export function sendHoldCancel(srp: Srp): void {
  if (!srp.tokenHeld) return
  srp.tokenHeld = false
  srp.stats.tokenHoldCancelTx++
  const body: TokenHoldCancel = { kind: 'hold-cancel', ringId: srp.ringId }
  srp.send({ kind: 'mcast', frame: { sender: srp.self, body }, loopback: true })
}

export function onHoldCancel(srp: Srp, message: TokenHoldCancel): void {
  srp.stats.tokenHoldCancelRx++
  if (!ringIdEqual(message.ringId, srp.ringId)) return
  srp.seqUnchanged = 0
  if (srp.ringId.rep === srp.self && (srp.state === 'operational' || srp.state === 'recovery')) {
    retransmitToken(srp)
    srp.timers.set('tokenRetransmit', srp.now + srp.config.tokenRetransmit)
  }
}
