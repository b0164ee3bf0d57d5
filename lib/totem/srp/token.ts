import type { OrfToken } from '../../wire/frames.js'
import { setHas, setUnion } from '../node-set.js'
import type { NodeId } from '../ring-id.js'
import { ringIdEqual } from '../ring-id.js'
import { seqDiff, seqLt, seqLte, seqMin } from '../seq.js'
import { deliverToApp } from './delivery.js'
import { fccCalculate, fccRtrLimit, fccTokenUpdate } from './flow.js'
import { gatherEnter } from './gather.js'
import { activeQueue, releaseMessages, serveAndRequestRetransmits, sendNewMessages } from './ordering.js'
import { armTokenWarning, recoveryTokenStep } from './recovery.js'
import type { Srp } from './srp.js'
import { sendToken } from './token-send.js'

/**
 * The regular token (Totem SRP §3; corosync message_handler_orf_token): while
 * holding it a node re-sends what others miss, sends its own new messages,
 * lowers the all-received-up-to point if it is behind, and passes it on.
 */
export function onOrfToken(srp: Srp, sender: NodeId, received: OrfToken): void {
  srp.stats.orfTokenRx++
  if (srp.state !== 'operational' && srp.state !== 'recovery') return
  if (!ringIdEqual(received.ringId, srp.ringId)) return
  // Retransmitted copies of a token already processed only feed the idle count.
  const duplicate = seqLte(received.tokenSeq, srp.myTokenSeq)
  if (sender !== srp.predecessor(srp.newMembList) || (!duplicate && !tokenFitsWindow(srp, received))) {
    srp.stats.tokenRejected++
    return
  }
  const token: OrfToken = { ...received, rtr: received.rtr.slice() }
  if (!duplicate) resetIdleFlowControl(srp, token)
  trackIdleRing(srp, token)
  const isRep = srp.ringId.rep === srp.self
  let forward = !(isRep && srp.tokenHeld)
  if (duplicate) return
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

/**
 * Whether a new token of my ring can be the one my predecessor holds for me
 * (the sender check is the caller's: a token from anyone else is a genuine
 * token delivered to the wrong node, replayed or redirected, and two holders
 * would hand out the same seqs). A token whose window contradicts what I hold
 * (damaged past its checksum, or forged) would corrupt my receive window.
 * Dropped, either costs at worst a token timeout and a new ring. In a correct
 * ring every seq I hold was handed out by a token before this one, no member
 * is further behind than my receive window, and nobody has received beyond
 * the highest seq.
 */
function tokenFitsWindow(srp: Srp, token: OrfToken): boolean {
  const queue = activeQueue(srp)
  if (seqLt(token.seq, srp.highSeqReceived) || seqLt(token.seq, token.aru)) return false
  return seqDiff(token.seq, queue.base) < queue.size
}

/**
 * `fcc` is a sliding sum each member adjusts by its own contribution, so an
 * amount nobody contributed (a damaged or forged token) would stay in it for
 * ever, and at `windowSize` it stops every send and retransmission while the
 * token keeps circulating: a ring wedged with no failure to detect. When the
 * token comes back to the representative with no new message sent in the
 * whole rotation, the true sum is at most the rotation's retransmissions, so
 * the representative restarts it from zero (at worst one rotation may exceed
 * the window by those retransmissions; the receive window has its own limit).
 */
function resetIdleFlowControl(srp: Srp, token: OrfToken): void {
  if (srp.ringId.rep === srp.self && token.seq === srp.lastSeq) token.fcc = 0
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
  // A node outside the ring cannot raise the aru it lowered: anyone may (or it stays low for ever).
  const owner = token.aruAddr === 0 || token.aruAddr === srp.self || !setHas(srp.newMembList, token.aruAddr)
  if (seqLt(srp.aru, token.aru) || owner) {
    token.aru = srp.aru
    token.aruAddr = token.aru === token.seq ? 0 : srp.self
  }
  srp.aruCount = token.aru === lastAru && token.aruAddr !== 0 ? srp.aruCount + 1 : 0
  if (srp.aruCount === 1) srp.aruStalledSince = srp.now
}

/**
 * A node that holds the ring back for `failRecvConst` visits fails itself
 * (corosync deviates from the paper, where the others would fail it), or for
 * longer than the consensus timeout: with slow rotations 2500 of them take
 * minutes, and a hole no member can fill (a token damaged past its checksum
 * announcing seqs nobody sent) must not hold the ring that long.
 */
function failedToReceive(srp: Srp, token: OrfToken): boolean {
  if (token.aruAddr !== srp.self || srp.aruCount === 0) return false
  if (srp.aruCount <= srp.config.failRecvConst && srp.now - srp.aruStalledSince <= srp.config.consensus) return false
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
