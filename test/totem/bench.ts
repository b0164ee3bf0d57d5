import { expect } from 'chai'
import type { TotemOptions } from '../../lib/totem/config.js'
import type { TotemOutput } from '../../lib/totem/events.js'
import type { NodeId, RingId } from '../../lib/totem/ring-id.js'
import { seqAdd, seqDiff } from '../../lib/totem/seq.js'
import type { Srp } from '../../lib/totem/srp/srp.js'
import type { Guarantee, OrfToken } from '../../lib/wire/frames.js'
import { drainSrp, formSrpRing, mcastBody, mcastFrame, onlyToken, tokenFrame, type RecordingUpper, type TokenFields } from './harness.js'

/**
 * One member of a formed ring {1,2,3}, taken off the loop and fed hand-made
 * tokens (from its predecessor, as a real token comes) and multicasts
 * (originated by node 1). Offsets are
 * relative to `a`, the node's aru when the bench was set up, in u32 arithmetic.
 */
export class Bench {
  readonly srp: Srp
  readonly upper: RecordingUpper
  readonly ring: RingId
  /** The node's aru when the bench was set up (everything before is delivered and released). */
  readonly a: number
  tokenSeq: number
  now: number

  /**
   * `rebase` moves the (idle, fully released) receive window so that the node's
   * aru is `rebase`, as if the ring had already carried that many messages.
   */
  constructor(id: NodeId, options: TotemOptions = {}, rebase?: number) {
    const { node } = formSrpRing([1, 2, 3], options)
    const { srp, upper } = node(id)
    drainSrp(srp)
    this.srp = srp
    this.upper = upper
    this.ring = srp.ringId
    this.tokenSeq = srp.myTokenSeq
    this.now = srp.now
    // Preconditions: an idle, settled ring.
    expect(srp.highSeqReceived).to.equal(srp.aru)
    expect(srp.myLastAru).to.equal(srp.aru)
    expect(srp.lastSeq).to.equal(srp.aru)
    expect(srp.highDelivered).to.equal(srp.aru)
    if (rebase !== undefined) {
      srp.regularQueue.reinit(seqAdd(rebase, 1))
      srp.aru = srp.highSeqReceived = srp.highDelivered = srp.lastReleased = rebase
      srp.myLastAru = srp.safeUpTo = srp.lastSeq = rebase
    }
    this.a = srp.aru
  }

  /** Sequence number `offset` past `a`. */
  at(offset: number): number {
    return seqAdd(this.a, offset)
  }

  /** A token visit; tokenSeq is the next valid one unless given. */
  visit(f: Partial<TokenFields> & { seq: number; aru: number; aruAddr: NodeId }): TotemOutput {
    if (f.tokenSeq === undefined) this.tokenSeq = seqAdd(this.tokenSeq, 1)
    const fields: TokenFields = { tokenSeq: this.tokenSeq, ...f }
    this.srp.receive(++this.now, tokenFrame(this.srp.predecessor(this.srp.membList)!, this.ring, fields))
    return drainSrp(this.srp)
  }

  /** An idle visit: nothing new, everybody complete. */
  idle(): TotemOutput {
    return this.visit({ seq: this.a, aru: this.a, aruAddr: 0 })
  }

  /** Message `a + offset`, originated by node 1, arrives. */
  mcast(offset: number, guarantee: Guarantee = 'agreed'): void {
    this.srp.receive(++this.now, mcastFrame(1, mcastBody(this.ring, this.at(offset), 1, guarantee)))
    drainSrp(this.srp)
  }

  /** Offsets (from `a`) of the packets delivered so far. */
  delivered(): number[] {
    return this.upper.deliveries.map((d) => seqDiff(d.seq, this.a))
  }
}

/** The token forwarded in an output (exactly one). */
export function fwd(out: TotemOutput): OrfToken {
  return onlyToken(out.sends)
}
