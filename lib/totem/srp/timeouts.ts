import { unreachable } from '../../util/assert.js'
import { consensusTimeoutExpired, gatherEnter, sendJoin } from './gather.js'
import { sendMergeDetect } from './merge.js'
import { restoreOldRingState } from './recovery.js'
import type { Srp } from './srp.js'
import type { TimerName } from './timers.js'
import { retransmitToken } from './token-send.js'

/** What each Totem timer does when it expires (corosync timer_function_*). */
export function fireTimer(srp: Srp, name: TimerName): void {
  switch (name) {
    case 'tokenLoss':
    case 'heartbeat':
      return tokenLost(srp, name === 'heartbeat' ? 'heartbeat timeout' : 'token timeout')
    case 'tokenRetransmit':
      if (srp.state === 'commit' || srp.state === 'operational' || srp.state === 'recovery') {
        retransmitToken(srp)
        srp.timers.set('tokenRetransmit', srp.now + srp.config.tokenRetransmit)
      }
      return
    case 'tokenHold':
      if (srp.state === 'operational' || srp.state === 'recovery') retransmitToken(srp)
      return
    case 'tokenWarning':
      srp.warn('token-warning', `Token has not been received in ${Math.floor((srp.config.token * srp.config.tokenWarning) / 100)} ms`)
      srp.timers.set('tokenWarning', srp.now + Math.max(1, Math.floor((srp.config.token * srp.config.tokenWarning) / 100)))
      return
    case 'join':
      if (srp.state === 'gather') {
        sendJoin(srp)
        srp.timers.set('join', srp.now + srp.config.join)
      }
      return
    case 'sendJoin':
      if (srp.state === 'gather') sendJoin(srp)
      return
    case 'consensus':
      if (srp.state === 'gather') consensusTimeoutExpired(srp)
      return
    case 'mergeDetect':
      if (srp.state === 'operational' && srp.ringId.rep === srp.self) sendMergeDetect(srp)
      return
    case 'pause':
      srp.timers.set('pause', srp.now + Math.max(1, Math.floor(srp.config.token / 5)))
      return
    default:
      unreachable(name, 'unknown timer')
  }
}

/** The token (or, in GATHER, the expected commit token) did not come back in time. */
function tokenLost(srp: Srp, why: string): void {
  switch (srp.state) {
    case 'operational':
      srp.stats.operationalTokenLost++
      srp.log(`A processor failed, forming new configuration: ${why} (${srp.config.token} ms), waiting ${srp.config.consensus} ms for consensus`)
      gatherEnter(srp, 'token lost in operational state')
      return
    case 'gather':
    {
      srp.stats.gatherTokenLost++
      // Consensus was reached but the commit token never came: start gathering afresh.
      const entered = srp.stats.gatherEntered
      consensusTimeoutExpired(srp)
      if (srp.stats.gatherEntered === entered) gatherEnter(srp, 'consensus timeout')
      return
    }
    case 'commit':
      srp.stats.commitTokenLost++
      gatherEnter(srp, 'token lost in commit state')
      return
    case 'recovery':
      srp.stats.recoveryTokenLost++
      restoreOldRingState(srp)
      gatherEnter(srp, 'token lost in recovery state')
      return
    case 'stopped':
      return
  }
}
