import type { MembJoin } from '../../wire/frames.js'
import { isSubset, setEqual, setHas, setMinus, setUnion, sortedSet } from '../node-set.js'
import { RING_SEQ_JUMP_MAX, type NodeId } from '../ring-id.js'
import { commitEnter, commitTokenCreate } from './commit.js'
import { restoreOldRingState } from './recovery.js'
import type { Srp } from './srp.js'

/**
 * GATHER: nodes exchange join messages (proc set, failed set) until every
 * non-failed node has announced exactly the same sets: consensus. The lowest
 * node id then creates the commit token (Totem SRP §4, corosync
 * memb_state_gather_enter / memb_join_process).
 */

const MAX_CONTINUOUS_GATHER = 3

export function gatherEnter(srp: Srp, reason: string): void {
  srp.originatedOrfToken = false
  srp.procList = setUnion(srp.procList, [srp.self])
  // Only "failed to receive" fails me in my own eyes. Any other way in (a join damaged or forged to
  // look like mine) would leave me waiting for a consensus of nobody, for ever.
  if (!srp.failedToRecv) srp.failedList = setMinus(srp.failedList, [srp.self])
  const now = srp.now
  srp.timers.set('join', now + srp.config.join)
  srp.timers.set('consensus', now + srp.config.consensus)
  for (const name of ['tokenLoss', 'tokenRetransmit', 'tokenWarning', 'mergeDetect', 'tokenHold', 'heartbeat'] as const) {
    srp.timers.cancel(name)
  }
  srp.consensus = new Set([srp.self])
  srp.stats.gatherEntered++
  if (reason === 'consensus timeout') {
    srp.continuousGather++
    srp.stats.continuousGather = srp.continuousGather
    if (srp.continuousGather > MAX_CONTINUOUS_GATHER) {
      srp.warn('continuous-gather',
        'Totem is unable to form a cluster because of an operating system or network fault (it is continuously in gather state)')
    }
  }
  srp.setState('gather', reason)
  scheduleJoin(srp)
}

/** Sends my join now, or after a random delay of up to `sendJoin` ms (large clusters spread their joins). */
export function scheduleJoin(srp: Srp): void {
  if (srp.config.sendJoin > 0) {
    if (!srp.timers.isSet('sendJoin')) srp.timers.set('sendJoin', srp.now + srp.random(srp.config.sendJoin))
    return
  }
  sendJoin(srp)
}

export function sendJoin(srp: Srp): void {
  srp.stats.membJoinTx++
  const join: MembJoin = {
    kind: 'join', procList: srp.procList.slice(), failedList: srp.failedList.slice(), ringSeq: srp.ringId.seq, leave: false,
  }
  // Joins go to every configured node and back to me: a lone node reaches consensus with itself.
  srp.send({ kind: 'mcast', frame: { sender: srp.self, body: join }, loopback: true })
}

export function sendLeave(srp: Srp): void {
  const join: MembJoin = {
    kind: 'join',
    procList: setMinus(srp.procList, [srp.self]),
    failedList: setUnion(srp.failedList, [srp.self]),
    ringSeq: srp.ringId.seq,
    leave: true,
  }
  // One datagram can be lost (corosync #486); a duplicate costs nothing, join processing is idempotent.
  for (let i = 0; i < 2; i++) {
    srp.stats.membJoinTx++
    srp.send({ kind: 'mcast', frame: { sender: srp.self, body: join }, loopback: false })
  }
}

export function onJoin(srp: Srp, sender: NodeId, join: MembJoin): void {
  srp.stats.membJoinRx++
  if (srp.now < srp.joinFlushUntil) return
  // My own joins come back to me (a lone node's consensus); one that is not my current view is
  // stale, or not mine at all, and teaches me nothing about myself.
  if (sender === srp.self && !isMyView(srp, join)) return
  if (join.ringSeq > srp.tokenRingIdSeq + RING_SEQ_JUMP_MAX) {
    srp.stats.joinRejected++
    return
  }
  if (srp.tokenRingIdSeq < join.ringSeq) srp.tokenRingIdSeq = join.ringSeq
  if (join.leave) srp.leavers.add(sender)
  switch (srp.state) {
    case 'operational':
      if (!ignoreJoinUnderOperational(srp, sender, join)) joinProcess(srp, sender, join)
      return
    case 'gather':
      joinProcess(srp, sender, join)
      return
    case 'commit':
    case 'recovery':
      // A member of the ring being formed restarted membership: follow it.
      if (setHas(srp.newMembList, sender) && join.ringSeq >= srp.ringId.seq) {
        const wasRecovery = srp.state === 'recovery'
        joinProcess(srp, sender, join)
        if (wasRecovery) restoreOldRingState(srp)
        gatherEnter(srp, `join during ${wasRecovery ? 'recovery' : 'commit'}`)
      }
      return
    case 'stopped':
      return
  }
}

function isMyView(srp: Srp, join: MembJoin): boolean {
  return !join.leave && setEqual(sortedSet(join.procList), srp.procList) && setEqual(sortedSet(join.failedList), srp.failedList)
}

function ignoreJoinUnderOperational(srp: Srp, sender: NodeId, join: MembJoin): boolean {
  // The sender thinks I failed: it will form its own ring, and merge detection reunites us.
  if (setHas(join.failedList, srp.self)) return true
  // A stale join from a member of my ring, sent before the ring I am in was formed.
  return setHas(srp.membList, sender) && join.ringSeq < srp.ringId.seq
}

function joinProcess(srp: Srp, sender: NodeId, join: MembJoin): void {
  const procList = sortedSet(join.procList)
  const failedList = sortedSet(join.failedList)
  if (setEqual(procList, srp.procList) && setEqual(failedList, srp.failedList)) {
    if (!join.leave) srp.consensus.add(sender)
    if (consensusAgreed(srp)) {
      if (srp.failedToRecv) {
        // Everybody agreed that I am the one who cannot keep up: continue alone.
        srp.failedToRecv = false
        srp.procList = [srp.self]
        srp.failedList = []
        commitTokenCreate(srp)
        commitEnter(srp)
        return
      }
      if (lowestInConfig(srp)) {
        commitTokenCreate(srp)
        commitEnter(srp)
        return
      }
    }
  } else if (isSubset(procList, srp.procList) && isSubset(failedList, srp.failedList)) {
    // The sender knows less than I do; it will catch up from my joins.
  } else if (setHas(srp.failedList, sender)) {
    // Joins of a node I consider failed carry no weight until the next ring.
  } else if (mergeJoinInformation(srp, sender, procList, failedList, join.leave)) {
    gatherEnter(srp, 'merge during join')
    return
  }
  if (srp.state === 'operational') gatherEnter(srp, 'join during operational state')
}

/**
 * Adopts what the join teaches; true if my sets changed. Corosync re-enters
 * GATHER even when nothing changed (a foreign node's failed list is not
 * adopted), and two such nodes then re-trigger each other's joins without
 * end: a join storm the simulator found. Consensus timeouts settle their
 * disagreement instead.
 */
function mergeJoinInformation(srp: Srp, sender: NodeId, procList: NodeId[], failedList: NodeId[], leave: boolean): boolean {
  const before = `${srp.procList}|${srp.failedList}`
  srp.procList = setUnion(srp.procList, procList)
  if (leave) {
    // A leave speaks for its sender, whatever ring it comes from: no need to wait for a
    // consensus timeout to fail a node that said goodbye.
    srp.failedList = setUnion(srp.failedList, [sender])
  }
  if (setHas(failedList, srp.self)) {
    // Symmetry: whoever considers me failed is failed to me.
    srp.failedList = setUnion(srp.failedList, [sender])
  } else if (setHas(srp.membList, sender)) {
    // A member of my own ring is trusted about who failed; a foreign ring cannot fail my members.
    srp.failedList = setUnion(srp.failedList, setMinus(failedList, [srp.self]))
  }
  return `${srp.procList}|${srp.failedList}` !== before
}

/** Every node of (proc − failed) has sent a join identical to my view. */
export function consensusAgreed(srp: Srp): boolean {
  const members = setMinus(srp.procList, srp.failedList)
  if (members.length === 0) return srp.failedToRecv
  for (const id of members) if (!srp.consensus.has(id)) return false
  return true
}

function lowestInConfig(srp: Srp): boolean {
  const members = setMinus(srp.procList, srp.failedList)
  return members.length > 0 && members[0] === srp.self
}

/**
 * Consensus did not come in time: nodes that stayed silent are failed. If
 * consensus was reached but no commit token arrived, wait one token period
 * for it before failing the silent representative.
 */
export function consensusTimeoutExpired(srp: Srp): void {
  srp.stats.consensusTimeouts++
  if (consensusAgreed(srp)) {
    srp.consensus = new Set([srp.self])
    srp.timers.set('tokenLoss', srp.now + srp.config.token)
    return
  }
  const silent = srp.procList.filter((id) => !srp.consensus.has(id))
  srp.failedList = setUnion(srp.failedList, silent)
  gatherEnter(srp, 'consensus timeout')
}
