import type { Mcast } from '../../wire/frames.js'
import { setUnion } from '../node-set.js'
import { ringIdString } from '../ring-id.js'
import { seqAdd, seqDiff } from '../seq.js'
import { gatherEnter } from './gather.js'
import { restoreOldRingState } from './recovery.js'
import type { Srp } from './srp.js'

/**
 * An ordered packet that the layer above cannot decode. Every frame passed
 * its checksum (or its secauth tag), so this is a bug or a forger, and this
 * node cannot know whether its peers hold the same bytes: delivering around
 * the packet could silently leave it with a different stream than theirs.
 * So it stops delivering its ring just before the packet, turns the packet
 * into a hole, and leaves the ring the way a node that fails to receive does
 * (a ring of its own first, then a merge). Extended virtual synchrony holds:
 * its transitional configuration has only itself, delivery there stops at the
 * first hole for everybody else's messages, and its own messages (which it
 * holds and its peers may have delivered) still reach it, so its sends settle.
 */
export function refuseUndecodable(srp: Srp, message: Mcast): void {
  srp.stats.undecodable++
  srp.regularQueue.remove(message.seq)
  const where = `${ringIdString(message.ringId)} seq ${message.seq} from node ${message.origin}`
  srp.warn('undecodable-message', `ERROR: ordered message ${where} does not decode (a bug or a forged frame); leaving the ring to rejoin`)
  srp.leaveRing ??= `undecodable message ${where}`
}

/**
 * Before installing a new ring, every old-ring packet still to be delivered
 * must decode: the transitional configuration is announced once, and after
 * it no member may deliver a different set of old messages than its fellow
 * members. Decoding is a pure function of the bytes, so checking first is
 * exact. Returns false (and has asked to leave) when one does not.
 */
export function oldRingDecodable(srp: Srp): boolean {
  const range = Math.min(seqDiff(srp.oldRingHighSeqReceived, srp.highDelivered), srp.regularQueue.size)
  let ok = true
  for (let i = 1; i <= range; i++) {
    const message = srp.regularQueue.get(seqAdd(srp.highDelivered, i))
    if (message !== undefined && !srp.upper.decodable(message.payload)) {
      refuseUndecodable(srp, message)
      ok = false
    }
  }
  return ok
}

/** Runs at the end of each input step: carries out a leave asked for by {@link refuseUndecodable}. */
export function leaveIfAsked(srp: Srp): void {
  const why = srp.leaveRing
  if (why === undefined) return
  srp.leaveRing = undefined
  if (srp.state === 'stopped') return
  if (srp.state === 'recovery') restoreOldRingState(srp)
  srp.failedToRecv = true
  srp.failedList = setUnion(srp.failedList, [srp.self])
  gatherEnter(srp, why)
}
