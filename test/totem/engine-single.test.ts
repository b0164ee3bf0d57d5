import { expect } from 'chai'
import { totemConfig, type TotemOptions } from '../../lib/totem/config.js'
import { TotemEngine } from '../../lib/totem/engine.js'
import type { Delivery, TotemEvent } from '../../lib/totem/events.js'
import { commitTokensIn, drivenEngine, Loop } from './harness.js'

/*
 * A one-node engine on a loop that hands its own frames back to it (unicast to
 * self, loopback multicasts): the smallest complete Totem system. It must form
 * a singleton ring, order its own traffic, and keep its ring ids increasing
 * across restarts.
 */

function single(options: TotemOptions = {}, ringSeq = 0): { loop: Loop; engine: TotemEngine } {
  const engine = new TotemEngine({ self: 1, nodes: [1], config: totemConfig(options, 1), ringSeq })
  const loop = new Loop()
  loop.add(drivenEngine(engine))
  loop.start(1)
  return { loop, engine }
}

function operational(options: TotemOptions = {}, ringSeq = 0): { loop: Loop; engine: TotemEngine } {
  const s = single(options, ringSeq)
  s.loop.runUntil(() => s.engine.state === 'operational', 60_000)
  return s
}

function of<T extends TotemEvent['type']>(loop: Loop, type: T): Array<Extract<TotemEvent, { type: T }>> {
  return loop.events.map((e) => e.item).filter((e): e is Extract<TotemEvent, { type: T }> => e.type === type)
}

function deliveries(loop: Loop): Delivery[] {
  return of(loop, 'deliver')
}

const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array) => new TextDecoder().decode(b)

describe('totem/engine: a single node', () => {
  it('forms a singleton ring: transitional [] then regular [self]', () => {
    const { loop, engine } = operational()
    const confs = of(loop, 'configuration')
    expect(confs.map((c) => ({ kind: c.kind, members: c.members, left: c.left, joined: c.joined }))).to.deep.equal([
      { kind: 'transitional', members: [], left: [], joined: [] },
      { kind: 'regular', members: [1], left: [], joined: [1] },
    ])
    expect(confs[0]!.ringId).to.deep.equal(engine.ringId)
    expect(confs[1]!.ringId).to.deep.equal(engine.ringId)
    expect(engine.ringId.rep).to.equal(1)
    expect(engine.members).to.deep.equal([1])
    expect(of(loop, 'state').map((e) => e.state)).to.deep.equal(['gather', 'commit', 'recovery', 'operational'])
  })

  it('delivers its own messages, agreed and safe, in the order they were sent', () => {
    const { loop, engine } = operational()
    const sent = ['a', 'b', 'c', 'd']
    expect(engine.mcast(text('a'))).to.equal('ok')
    expect(engine.mcast(text('b'), { guarantee: 'safe' })).to.equal('ok')
    expect(engine.mcast(text('c'))).to.equal('ok')
    expect(engine.mcast(text('d'), { guarantee: 'safe' })).to.equal('ok')
    loop.runUntil(() => deliveries(loop).length === sent.length, 10_000)
    loop.runFor(1000)
    const got = deliveries(loop)
    expect(got.map((d) => str(d.payload))).to.deep.equal(sent)
    expect(got.every((d) => d.origin === 1 && d.ringId.seq === engine.ringId.seq)).to.equal(true)
    const positions = got.map((d) => d.seq * 1000 + d.index)
    expect(positions).to.deep.equal([...positions].sort((x, y) => x - y))
  })

  it('fragments a 1 MiB message on the wire and reassembles it intact', () => {
    const { loop, engine } = operational()
    const big = new Uint8Array(1024 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >>> 11)) & 0xff
    const txBefore = engine.stats.mcastTx
    expect(engine.mcast(big)).to.equal('ok')
    loop.runUntil(() => deliveries(loop).length === 1, 60_000)
    const got = deliveries(loop)[0]!.payload
    expect(got.length).to.equal(big.length)
    expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).to.equal(0)
    expect(engine.stats.mcastTx - txBefore).to.be.greaterThan(big.length / engine.config.netmtu)
  })

  it('an idle ring (token held) wakes up at once for a new message instead of waiting out the hold timer', () => {
    const { loop, engine } = operational()
    loop.runFor(5000)
    const t0 = loop.now
    expect(engine.mcast(text('wake'))).to.equal('ok')
    loop.collect(1) // the hold-cancel the mcast produced goes on the wire now
    const took = loop.runUntil(() => deliveries(loop).length === 1, 10_000)
    expect(took).to.be.lessThan(engine.config.hold / 10)
    expect(loop.now - t0).to.equal(took)
  })

  it("refuses a message above messageSizeMax with 'too-big' and queues nothing", () => {
    const { engine } = operational({ messageSizeMax: 4096, sendQueueBytesMax: 65536 })
    expect(engine.mcast(new Uint8Array(4097))).to.equal('too-big')
    expect(engine.queuedBytes).to.equal(0)
    expect(engine.mcast(new Uint8Array(4096))).to.equal('ok')
  })

  it("answers 'queue-full' beyond sendQueueBytesMax, then 'writable' once the queue drains", () => {
    const { loop, engine } = operational({ messageSizeMax: 16384, sendQueueBytesMax: 65536 })
    for (let i = 0; i < 4; i++) expect(engine.mcast(new Uint8Array(16384).fill(i)), `message ${i}`).to.equal('ok')
    expect(engine.mcast(new Uint8Array(16384))).to.equal('queue-full')
    expect(engine.mcast(new Uint8Array(1))).to.equal('queue-full')
    expect(of(loop, 'writable')).to.deep.equal([])
    loop.runUntil(() => of(loop, 'writable').length > 0, 10_000)
    expect(engine.queuedBytes).to.be.at.most(65536 / 2)
    expect(engine.mcast(new Uint8Array(16384).fill(9))).to.equal('ok')
    loop.runUntil(() => deliveries(loop).length === 5, 10_000)
    expect(deliveries(loop).map((d) => d.payload[0])).to.deep.equal([0, 1, 2, 3, 9])
    expect(of(loop, 'writable')).to.have.length(1)
  })

  it("answers 'stopped' before start and after leave", () => {
    const engine = new TotemEngine({ self: 1, nodes: [1], config: totemConfig({}, 1), ringSeq: 0 })
    expect(engine.mcast(text('x'))).to.equal('stopped')
    const s = operational()
    s.engine.leave(s.loop.now)
    expect(s.engine.state).to.equal('stopped')
    expect(s.engine.mcast(text('x'))).to.equal('stopped')
  })

  it('persists its ring seq in the same output as the first send of the commit token', () => {
    const { loop, engine } = operational()
    const withCommit = loop.outputs.filter((o) => commitTokensIn(o.item.sends).length > 0)
    expect(withCommit.length).to.be.greaterThan(0)
    const first = withCommit[0]!.item
    expect(first.persistRingSeq).to.equal(engine.ringId.seq)
    expect(commitTokensIn(first.sends)[0]!.token.ringId.seq).to.equal(engine.ringId.seq)
    for (const o of loop.outputs) {
      if (o.item.persistRingSeq === undefined) continue
      expect(commitTokensIn(o.item.sends).map((c) => c.token.ringId.seq), `output at ${o.at}`).to.include(o.item.persistRingSeq)
    }
  })

  it('a restarted engine given its persisted ring seq forms a ring with a strictly higher seq', () => {
    const first = operational()
    const persisted = first.loop.outputs.map((o) => o.item.persistRingSeq).filter((s) => s !== undefined)
    const last = persisted.at(-1)!
    expect(last).to.equal(first.engine.ringId.seq)
    const second = operational({}, last)
    expect(second.engine.ringId.seq).to.be.greaterThan(first.engine.ringId.seq)
    expect(second.engine.ringId.seq).to.equal(last + 1 + 4) // loaded seq + 1, then highest seen + 4
  })

  it('ring seqs keep increasing over many restarts', () => {
    let seq = 0
    for (let i = 0; i < 5; i++) {
      const { engine } = operational({}, seq)
      expect(engine.ringId.seq).to.be.greaterThan(seq)
      seq = engine.ringId.seq
    }
  })
})
