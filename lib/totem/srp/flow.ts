import type { OrfToken } from '../../wire/frames.js'
import { seqLt } from '../seq.js'
import type { Srp } from './srp.js'

/**
 * Totem flow control (corosync fcc_calculate / fcc_rtr_limit / fcc_token_update):
 * at most `maxMessages` per visit and `windowSize` per rotation ring-wide, the
 * window shared among senders in proportion to their backlogs.
 */

function currentBacklog(srp: Srp): number {
  if (srp.state === 'operational') return srp.upper.backlog(srp.waitingTransAck)
  if (srp.state === 'recovery') return srp.retransQueue.length
  return 0
}

export function fccCalculate(srp: Srp, token: OrfToken): number {
  const { maxMessages, windowSize } = srp.config
  // corosync computes window_size − fcc unsigned and can wrap; clamp instead.
  let allowed = Math.min(maxMessages, Math.max(0, windowSize - token.fcc))
  srp.cbl = currentBacklog(srp)
  const denominator = token.backlog + srp.cbl - srp.pbl
  if (denominator > 0) {
    const share = Math.floor((windowSize * srp.pbl) / denominator)
    if (share > 0 && share < allowed) allowed = share
  }
  return allowed
}

/** Never let the ring run further ahead of the oldest unreleased message than the receive window allows. */
export function fccRtrLimit(srp: Srp, token: OrfToken, allowed: number): number {
  const limit = (srp.lastReleased + srp.config.sortQueueSize - allowed - srp.config.windowSize) >>> 0
  return seqLt(limit, token.seq) ? 0 : allowed
}

export function fccTokenUpdate(srp: Srp, token: OrfToken, transmitted: number): void {
  token.fcc = Math.max(0, token.fcc + transmitted - srp.trc)
  token.backlog = Math.max(0, token.backlog + srp.cbl - srp.pbl)
  srp.trc = transmitted
  srp.pbl = srp.cbl
}
