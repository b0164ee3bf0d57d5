import type { Mcast, OrfToken } from '../../wire/frames.js'
import { RTR_ENTRIES_MAX } from '../../wire/codec.js'
import { ringIdEqual } from '../ring-id.js'
import { seqAdd, seqDiff, seqLt, seqMin } from '../seq.js'
import type { SortQueue } from './sort-queue.js'
import type { Srp } from './srp.js'

/** The receive window in use: old-ring carriers live apart while recovering. */
export function activeQueue(srp: Srp): SortQueue {
  return srp.state === 'recovery' ? srp.recoveryQueue : srp.regularQueue
}

/** Advances my aru over every contiguous message received. */
export function updateAru(srp: Srp): void {
  const queue = activeQueue(srp)
  const range = seqDiff(srp.highSeqReceived, srp.aru)
  let i = 1
  while (i <= range && queue.has(seqAdd(srp.aru, i))) i++
  srp.aru = seqAdd(srp.aru, i - 1)
}

/**
 * Serves the token's retransmission requests from my copies (any holder may
 * answer, not only the originator), then adds my own requests for messages
 * missing on `missCountConst` visits. Returns the number re-sent.
 */
export function serveAndRequestRetransmits(srp: Srp, token: OrfToken, allowed: number): number {
  const queue = activeQueue(srp)
  let resent = 0
  const remaining = []
  for (const item of token.rtr) {
    // A request nobody can ever serve (another ring, a seq released or never handed out) would
    // hold a slot of the list for ever; in a correct ring there is none.
    if (!ringIdEqual(item.ringId, srp.ringId) || !queue.inRange(item.seq) || seqLt(token.seq, item.seq)) continue
    const copy = resent < allowed ? queue.get(item.seq) : undefined
    if (copy === undefined) {
      remaining.push(item)
      continue
    }
    srp.send({ kind: 'mcast', frame: { sender: srp.self, body: copy }, loopback: false })
    srp.stats.mcastRetx++
    resent++
  }
  token.rtr = remaining
  const range = seqDiff(token.seq, srp.aru)
  for (let i = 1; i <= range && token.rtr.length < RTR_ENTRIES_MAX; i++) {
    const seq = seqAdd(srp.aru, i)
    if (!queue.inRange(seq)) break
    if (queue.has(seq)) continue
    // A multicast may legitimately arrive after the token that announced it.
    if (queue.miss(seq) < srp.config.missCountConst) continue
    if (!token.rtr.some((r) => r.seq === seq && ringIdEqual(r.ringId, srp.ringId))) {
      token.rtr.push({ ringId: srp.ringId, seq })
      srp.stats.rtrRequested++
    }
  }
  return resent
}

/** Multicasts up to `allowed` new messages, each taking the next ring sequence number. */
export function sendNewMessages(srp: Srp, token: OrfToken, allowed: number): number {
  if (allowed <= 0) return 0
  const queue = activeQueue(srp)
  let sent = 0
  if (srp.state === 'recovery') {
    while (sent < allowed && srp.retransQueue.length > 0) {
      const carrier = srp.retransQueue.shift()!
      sendOne(srp, token, queue, { ...carrier, seq: seqAdd(token.seq, 1) })
      sent++
    }
  } else {
    for (const packet of srp.upper.pull(allowed, srp.waitingTransAck)) {
      const message: Mcast = {
        kind: 'mcast', ringId: srp.ringId, seq: seqAdd(token.seq, 1), origin: srp.self,
        guarantee: packet.guarantee, payload: packet.payload, recovered: undefined,
      }
      sendOne(srp, token, queue, message)
      sent++
    }
  }
  updateAru(srp)
  return sent
}

function sendOne(srp: Srp, token: OrfToken, queue: SortQueue, message: Mcast): void {
  token.seq = message.seq
  queue.add(message.seq, message)
  srp.highSeqReceived = token.seq
  srp.stats.mcastTx++
  srp.send({ kind: 'mcast', frame: { sender: srp.self, body: message }, loopback: false })
}

/**
 * Frees messages every member is known to hold (two token visits showed an aru
 * at or above them) and that I have delivered (corosync messages_free).
 */
export function releaseMessages(srp: Srp, tokenAru: number, previousAru: number): void {
  const releaseTo = seqMin(seqMin(tokenAru, previousAru), srp.highDelivered)
  if (seqLt(releaseTo, srp.lastReleased)) return
  srp.regularQueue.releaseTo(releaseTo)
  srp.lastReleased = releaseTo
}
