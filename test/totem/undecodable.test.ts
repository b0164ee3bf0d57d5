import { expect } from 'chai'
import type { TotemEvent } from '../../lib/totem/events.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import type { Frame } from '../../lib/wire/frames.js'
import { bytes, formSrpRing, oneRing, type SrpRing } from './harness.js'

/*
 * Never silent after ordering: a packet Totem ordered that the layer above
 * cannot decode (a bug, or a forger: it passed the checksum). The node that
 * meets it cannot know whether its peers hold the same bytes, so it must not
 * deliver around it: it stops just before, says so (ring and seq), leaves the
 * ring and rejoins; its own messages still reach it.
 */

const POISON = bytes(0xbad)
const isPoison = (p: Uint8Array): boolean => Buffer.from(p).equals(Buffer.from(POISON))
const payloadOf = (n: number): string => Buffer.from(bytes(n)).toString('hex')

function delivered(ring: SrpRing, id: NodeId): string[] {
  return ring.node(id).upper.deliveries.map((d) => Buffer.from(d.payload).toString('hex'))
}

function warnings(events: ReadonlyArray<{ node: NodeId; item: TotemEvent }>, id: NodeId): string[] {
  return events.filter((e) => e.node === id && e.item.type === 'warning').map((e) => (e.item as { code: string; message: string }).code + ': ' + (e.item as { message: string }).message)
}

describe('totem/undecodable: an ordered packet that does not decode', () => {
  it('stops delivery at it, warns with ring and seq, leaves and rejoins; own messages after it still arrive; peers deliver all', () => {
    const ring = formSrpRing([1, 2, 3], { token: 300 })
    const { loop, node } = ring
    const before = node(1).srp.ringId
    node(2).upper.undecodable = isPoison
    // Node 2 misses 1's first message once, so its own messages are ordered (after the poison)
    // before it gets to deliver the poison.
    let dropped = false
    loop.drop = (_from: NodeId, to: NodeId, frame: Frame) => {
      if (dropped || to !== 2 || frame.body.kind !== 'mcast' || frame.body.origin !== 1) return false
      dropped = true
      return true
    }
    node(1).upper.pending.push({ payload: bytes(101), guarantee: 'agreed' }, { payload: POISON, guarantee: 'agreed' }, { payload: bytes(103), guarantee: 'agreed' })
    node(1).srp.signalSend()
    loop.collect(1)
    loop.runUntil(() => node(1).upper.pending.length === 0, 10_000)
    node(2).upper.pending.push({ payload: bytes(201), guarantee: 'agreed' }, { payload: bytes(202), guarantee: 'agreed' })
    node(2).srp.signalSend()
    loop.collect(2)
    loop.runUntil(() => node(2).srp.stats.undecodable > 0, 10_000)
    expect(dropped, 'the loss that orders node 2 behind the poison happened').to.equal(true)
    const told = warnings(loop.events, 2).filter((w) => w.startsWith('undecodable-message'))
    expect(told).to.have.length(1)
    expect(told[0]).to.contain(`${before.rep}.${before.seq}`).and.to.contain('seq ').and.to.contain('node 1')

    // Back in one ring of all three within a few token and consensus timeouts.
    const config = node(1).srp.config
    loop.runUntil(() => oneRing([1, 2, 3].map((id) => node(id).srp), [1, 2, 3]) && node(2).srp.ringId.seq > before.seq + 4,
      10 * (config.token + config.consensus))

    const two = delivered(ring, 2)
    expect(two, 'the poison is never delivered').to.not.include(Buffer.from(POISON).toString('hex'))
    expect(two, 'nor what followed it from others in that ring').to.not.include(payloadOf(103))
    expect(two, 'but node 2 gets its own messages').to.include.members([payloadOf(201), payloadOf(202)])
    // The case that matters: node 2's own messages were ordered after the poison (as node 1 shows).
    const one = delivered(ring, 1)
    expect(one.indexOf(Buffer.from(POISON).toString('hex'))).to.be.below(one.indexOf(payloadOf(201)))
    for (const id of [1, 3]) {
      expect(delivered(ring, id), `node ${id} delivers everything`).to.include.members([payloadOf(101), payloadOf(103), payloadOf(201), payloadOf(202)])
    }
    expect(delivered(ring, 1)).to.deep.equal(delivered(ring, 3))
    // Node 2 left alone (a transitional configuration of itself) before merging back.
    const alone = node(2).upper.configurations.some((c) => c.kind === 'transitional' && c.members.join(',') === '2')
    expect(alone).to.equal(true)
    expect(node(2).srp.stats.undecodable).to.equal(1)
  })
})
