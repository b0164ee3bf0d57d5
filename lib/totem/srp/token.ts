import type { OrfToken } from '../../wire/frames.js'
import { setUnion } from '../node-set.js'
import type { NodeId } from '../ring-id.js'
import { ringIdEqual } from '../ring-id.js'
import { seqLt, seqLte, seqMin } from '../seq.js'
import { deliverToApp } from './delivery.js'
import { fccCalculate, fccRtrLimit, fccTokenUpdate } from './flow.js'
import { gatherEnter } from './gather.js'
import { releaseMessages, serveAndRequestRetransmits, sendNewMessages } from './ordering.js'
import { armTokenWarning, recoveryTokenStep } from './recovery.js'
import type { Srp } from './srp.js'
import { sendToken } from './token-send.js'

/**
 * The regular token (Totem SRP §3; corosync message_handler_orf_token): while
 * holding it a node re-sends what others miss, sends its own new messages,
 * lowers the all-received-up-to point if it is behind, and passes it on.
 */
export function onOrfToken(srp: Srp, _sender: NodeId, received: OrfToken): void {
  srp.stats.orfTokenRx++
  if (srp.state !== 'operational' && srp.state !== 'recovery') return
  const token: OrfToken = { ...received, rtr: received.rtr.slice() }
  trackIdleRing(srp, token)
  const isRep = srp.ringId.rep === srp.self
  let forward = !(isRep && srp.tokenHeld)
  if (!ringIdEqual(token.ringId, srp.ringId)) return
  // Retransmitted copies of a token already processed.
  if (seqLte(token.tokenSeq, srp.myTokenSeq)) return
  const lastAru = srp.myLastAru
  // corosync frees before discarding duplicates: a retransmitted copy of the token just
  // processed then passes for a second visit, and a message one member still lacks is
  // freed and lost to recovery (found by the simulator, seed 484). Valid visits only.
  if (srp.state === 'operational') releaseMessages(srp, token.aru, lastAru)
  srp.myLastAru = token.aru
  // Two consecutive visits at or above s: every member holds s (the paper's safe condition).
  // Recovery tokens count carrier messages, not the old ring's: leave safeUpTo alone there.
  if (srp.state === 'operational') srp.safeUpTo = seqMin(token.aru, lastAru)
  let allowed = fccCalculate(srp, token)
  const resent = serveAndRequestRetransmits(srp, token, allowed)
  allowed -= resent
  if (srp.config.cancelTokenHoldOnRetransmit && srp.tokenHeld && (token.rtr.length > 0 || resent > 0)) {
    srp.tokenHeld = false
    forward = true
  }
  allowed = fccRtrLimit(srp, token, allowed)
  const sent = sendNewMessages(srp, token, allowed)
  fccTokenUpdate(srp, token, resent + sent)
  updateTokenAru(srp, token, lastAru)
  if (failedToReceive(srp, token)) return
  srp.myTokenSeq = token.tokenSeq
  token.tokenSeq = (token.tokenSeq + 1) >>> 0
  if (srp.state === 'recovery') recoveryTokenStep(srp, token)
  sendToken(srp, token, forward)
  // Deliver after forwarding: the token keeps moving while the application works.
  if (srp.state === 'operational') deliverToApp(srp, false, srp.highSeqReceived)
  afterTokenSent(srp, forward)
}

function trackIdleRing(srp: Srp, token: OrfToken): void {
  if (token.seq === srp.lastSeq) {
    if (!srp.timers.isSet('mergeDetect')) srp.timers.set('mergeDetect', srp.now + srp.config.merge)
    srp.seqUnchanged++
  } else {
    srp.timers.cancel('mergeDetect')
    srp.timers.cancel('tokenHold')
    srp.seqUnchanged = 0
  }
  srp.lastSeq = token.seq
  const isRep = srp.ringId.rep === srp.self
  const limit = srp.config.seqnoUnchangedConst
  srp.tokenHeld = isRep ? srp.seqUnchanged > limit : srp.seqUnchanged >= limit
}

/** Lowered by any node that is behind; only the node that lowered it (or anyone, when nobody is behind) raises it. */
function updateTokenAru(srp: Srp, token: OrfToken, lastAru: number): void {
  if (seqLt(srp.aru, token.aru) || token.aruAddr === srp.self || token.aruAddr === 0) {
    token.aru = srp.aru
    token.aruAddr = token.aru === token.seq ? 0 : srp.self
  }
  srp.aruCount = token.aru === lastAru && token.aruAddr !== 0 ? srp.aruCount + 1 : 0
}

/**
 * A node that holds the ring back for `failRecvConst` visits fails itself
 * (corosync deviates from the paper, where the others would fail it).
 */
function failedToReceive(srp: Srp, token: OrfToken): boolean {
  if (srp.aruCount <= srp.config.failRecvConst || token.aruAddr !== srp.self) return false
  srp.stats.failedToReceive++
  srp.warn('failed-to-receive', 'FAILED TO RECEIVE: this node cannot keep up with the ring and leaves it')
  srp.failedToRecv = true
  srp.failedList = setUnion(srp.failedList, [srp.self])
  gatherEnter(srp, 'failed to receive')
  return true
}

function afterTokenSent(srp: Srp, forward: boolean): void {
  srp.timers.set('tokenLoss', srp.now + srp.config.token)
  armTokenWarning(srp)
  srp.timers.set('tokenRetransmit', srp.now + srp.config.tokenRetransmit)
  if (srp.ringId.rep === srp.self && srp.tokenHeld) srp.timers.set('tokenHold', srp.now + srp.config.hold)
  if (forward && srp.config.heartbeatTimeout > 0) srp.timers.set('heartbeat', srp.now + srp.config.heartbeatTimeout)
  else srp.timers.cancel('heartbeat')
}
