import { expect } from 'chai'
import type { CkptMessage } from '../../lib/services/ckpt/messages.js'
import { CkptCodec } from '../../lib/services/ckpt/messages.js'
import { ServiceCodec } from '../../lib/services/envelope.js'
import { CKPT_RETAIN_FOREVER } from '../../lib/services/ckpt/types.js'
import { CkptWorld, bytes } from './harness.js'

/*
 * The checkpoint service's client operations on a healthy 3-node cluster:
 * replicated open/write/read/delete/list/close/unlink, limits, events,
 * retention, handles of departed nodes and clients.
 */

function world(): CkptWorld {
  const w = new CkptWorld({ nodes: [1, 2, 3] })
  w.startAll()
  return w
}

describe('ckpt/operations', function () {
  this.timeout(60_000)

  it('creates, writes, reads everywhere, lists, deletes, closes and unlinks', () => {
    const w = world()
    expect(w.ok(1, 'open', { name: 'cfg', handleId: 'h1', create: true })).to.deep.equal({ sections: [] })
    expect(w.ok(1, 'write', { name: 'cfg', handleId: 'h1', section: 'b', data: bytes(1, 10) })).to.equal(undefined)
    w.ok(1, 'write', { name: 'cfg', handleId: 'h1', section: 'a', data: bytes(2, 3000) })
    for (const id of [1, 2, 3]) {
      expect(Buffer.from(w.ok(id, 'read', { name: 'cfg', section: 'a' }) as Uint8Array)).to.deep.equal(Buffer.from(bytes(2, 3000)))
      expect(w.ok(id, 'read', { name: 'cfg', section: 'zz' })).to.equal(undefined)
      expect(w.ok(id, 'sections', { name: 'cfg' })).to.deep.equal(['a', 'b'])
    }
    expect(new Set([1, 2, 3].map((id) => w.ckpt(id).digest('cfg'))).size).to.equal(1)
    expect(w.ok(2, 'open', { name: 'cfg', handleId: 'x', create: false })).to.deep.equal({ sections: ['a', 'b'] })
    w.ok(2, 'delete', { name: 'cfg', handleId: 'x', section: 'b' })
    w.ok(2, 'delete', { name: 'cfg', handleId: 'x', section: 'never-there' })
    expect(w.ok(3, 'sections', { name: 'cfg' })).to.deep.equal(['a'])
    expect(w.ckpt(3).store.get('cfg')!.handles).to.have.keys('1/h1', '2/x')
    w.ok(2, 'close', { name: 'cfg', handleId: 'x' })
    expect(w.ckpt(1).store.get('cfg')!.handles).to.have.keys('1/h1')
    w.ok(3, 'unlink', { name: 'cfg' })
    for (const id of [1, 2, 3]) expect(w.call(id, 'read', { name: 'cfg', section: 'a' }).code).to.equal('ERR_NOT_EXIST')
    expect(w.call(1, 'write', { name: 'cfg', handleId: 'h1', section: 'a', data: bytes(1, 1) }).code).to.equal('ERR_NOT_EXIST')
    expect(w.eventsOf(1, 'unlinked')).to.deep.equal([{ type: 'unlinked', name: 'cfg' }])
    expect(w.call(1, 'close', { name: 'cfg', handleId: 'h1' }).ok).to.equal(true)
    expect(w.call(2, 'open', { name: 'cfg', handleId: 'y', create: false }).code).to.equal('ERR_NOT_EXIST')
  })

  it('a version counts every write and delete (even of a missing section), and survives unlink and re-creation', () => {
    const w = world()
    w.ok(1, 'open', { name: 'v', handleId: 'h', create: true })
    const v0 = w.ckpt(2).store.get('v')!.version
    w.ok(1, 'write', { name: 'v', handleId: 'h', section: 's', data: bytes(1, 1) })
    w.ok(1, 'delete', { name: 'v', handleId: 'h', section: 'nothing' })
    w.ok(1, 'delete', { name: 'v', handleId: 'h', section: 's' })
    expect(w.ckpt(2).store.get('v')!.version).to.equal(v0 + 3)
    expect(w.ckpt(2).store.get('v')!.sections.size).to.equal(0)
    w.ok(1, 'unlink', { name: 'v' })
    expect(w.ckpt(3).store.tombstones.get('v')!.version).to.equal(v0 + 4)
    w.ok(2, 'open', { name: 'v', handleId: 'h2', create: true })
    expect(w.ckpt(3).store.get('v')!.version).to.equal(v0 + 5)
    expect(w.ckpt(3).store.tombstones.has('v')).to.equal(false)
  })

  it('opening with create an existing checkpoint keeps its limits; opening a missing one without create fails', () => {
    const w = world()
    expect(w.call(1, 'open', { name: 'none', handleId: 'h', create: false }).code).to.equal('ERR_NOT_EXIST')
    expect(w.ckpt(1).outstanding).to.equal(0)
    w.ok(1, 'open', { name: 'lim', handleId: 'h', create: true, maxSections: 2, maxSectionSize: 100 })
    w.ok(2, 'open', { name: 'lim', handleId: 'h', create: true, maxSections: 50, maxSectionSize: 5000 })
    expect(w.ckpt(2).store.get('lim')!.attributes).to.deep.equal({ retentionMs: 0, maxSections: 2, maxSectionSize: 100 })
    expect(w.call(2, 'write', { name: 'lim', handleId: 'h', section: 'a', data: bytes(1, 101) }).code).to.equal('ERR_MESSAGE_TOO_LARGE')
    w.ok(2, 'write', { name: 'lim', handleId: 'h', section: 'a', data: bytes(1, 100) })
    w.ok(1, 'write', { name: 'lim', handleId: 'h', section: 'b', data: bytes(1, 0) })
    expect(w.call(1, 'write', { name: 'lim', handleId: 'h', section: 'c', data: bytes(1, 1) }).code).to.equal('ERR_NO_SPACE')
    w.ok(1, 'write', { name: 'lim', handleId: 'h', section: 'a', data: bytes(3, 5) })
    expect(w.ok(3, 'sections', { name: 'lim' })).to.deep.equal(['a', 'b'])
    expect(Buffer.from(w.ok(3, 'read', { name: 'lim', section: 'b' }) as Uint8Array).length).to.equal(0)
  })

  it('refuses malformed requests before sending anything', () => {
    const w = world()
    const long = 'x'.repeat(257)
    expect(w.call(1, 'open', { name: '', handleId: 'h', create: true }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'open', { name: long, handleId: 'h', create: true }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'open', { name: 'n', handleId: 'h', create: true, maxSectionSize: 2 * 1024 * 1024 }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'open', { name: 'n', handleId: 'h', create: true, retentionMs: -1 }).code).to.equal('ERR_INVALID_ARGUMENT')
    w.ok(1, 'open', { name: 'n', handleId: 'h', create: true })
    expect(w.call(1, 'open', { name: 'n', handleId: 'h', create: true }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'write', { name: 'n', handleId: 'h', section: '', data: bytes(1, 1) }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'write', { name: 'n', handleId: 'h', section: long, data: bytes(1, 1) }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'write', { name: 'n', handleId: 'h', section: 's', data: 'text' }).code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.call(1, 'write', { name: 'n', handleId: 'other', section: 's', data: bytes(1, 1) }).code).to.equal('ERR_NOT_EXIST')
    expect(w.call(2, 'write', { name: 'n', handleId: 'h', section: 's', data: bytes(1, 1) }).code).to.equal('ERR_NOT_EXIST')
    expect(w.call(1, 'frobnicate', { name: 'n' }).code).to.equal('ERR_INVALID_ARGUMENT')
  })

  it('tells every node with the checkpoint open about each change', () => {
    const w = world()
    w.ok(1, 'open', { name: 'e', handleId: 'a', create: true })
    w.ok(2, 'open', { name: 'e', handleId: 'b', create: false })
    w.ok(1, 'write', { name: 'e', handleId: 'a', section: 's1', data: bytes(1, 4) })
    w.ok(1, 'delete', { name: 'e', handleId: 'a', section: 's1' })
    w.ok(1, 'delete', { name: 'e', handleId: 'a', section: 's1' })
    const expected = [
      { type: 'section', name: 'e', section: 's1', present: true },
      { type: 'section', name: 'e', section: 's1', present: false },
    ]
    expect(w.eventsOf(1, 'section')).to.deep.equal(expected)
    expect(w.eventsOf(2, 'section')).to.deep.equal(expected)
    expect(w.eventsOf(3)).to.deep.equal([])
    w.ok(3, 'unlink', { name: 'e' })
    expect(w.eventsOf(2, 'unlinked')).to.deep.equal([{ type: 'unlinked', name: 'e' }])
    expect(w.eventsOf(3)).to.deep.equal([])
  })

  it('keeps an unopened checkpoint for its retention time, then removes it everywhere', () => {
    const w = world()
    w.ok(2, 'open', { name: 'r', handleId: 'h', create: true, retentionMs: 2000 })
    w.ok(2, 'write', { name: 'r', handleId: 'h', section: 's', data: bytes(1, 8) })
    w.ok(2, 'close', { name: 'r', handleId: 'h' })
    const closed = w.sim.now
    w.run(1500)
    for (const id of [1, 2, 3]) expect(w.ckpt(id).store.get('r'), `node ${id} at +1.5 s`).to.not.equal(undefined)
    const gone = w.runUntil(() => [1, 2, 3].every((id) => w.ckpt(id).store.get('r') === undefined), 5000, 'expiry')
    expect(w.sim.now - closed).to.be.within(2000, 2100)
    expect(gone).to.be.greaterThan(0)
    expect(w.trace.filter((e) => e.kind === 'expire').map((e) => e.node).sort()).to.deep.equal([1, 2, 3])
    expect(w.ckpt(3).store.tombstones.has('r')).to.equal(true)
  })

  it('a reopen within the retention time keeps the checkpoint; retention 0 removes it at once', () => {
    const w = world()
    w.ok(1, 'open', { name: 'k', handleId: 'h', create: true, retentionMs: 1000 })
    w.ok(1, 'close', { name: 'k', handleId: 'h' })
    w.run(500)
    w.ok(3, 'open', { name: 'k', handleId: 'h3', create: false })
    w.run(3000)
    expect(w.ckpt(2).store.get('k')).to.not.equal(undefined)
    w.ok(1, 'open', { name: 'z', handleId: 'hz', create: true })
    w.ok(1, 'close', { name: 'z', handleId: 'hz' })
    w.runUntil(() => [1, 2, 3].every((id) => w.ckpt(id).store.get('z') === undefined), 200, 'immediate expiry')
  })

  it('retention CKPT_RETAIN_FOREVER (the facade default) arms no expiry: the checkpoint stays until unlinked', () => {
    const w = world()
    w.ok(1, 'open', { name: 'f', handleId: 'h', create: true, retentionMs: CKPT_RETAIN_FOREVER })
    w.ok(1, 'write', { name: 'f', handleId: 'h', section: 's', data: bytes(1, 8) })
    w.ok(1, 'close', { name: 'f', handleId: 'h' })
    w.run(60_000)
    for (const id of [1, 2, 3]) expect(w.ckpt(id).store.get('f'), `node ${id}`).to.not.equal(undefined)
    w.ok(2, 'unlink', { name: 'f' })
    w.runUntil(() => [1, 2, 3].every((id) => w.ckpt(id).store.get('f') === undefined), 2000, 'the unlink')
  })

  it('closes the handles of a node that leaves the configuration, and of a client that goes away', () => {
    const w = world()
    w.ok(1, 'open', { name: 'd', handleId: 'h1', create: true, retentionMs: 100_000 })
    w.ok(3, 'open', { name: 'd', handleId: 'h3', create: false })
    w.ok(1, 'close', { name: 'd', handleId: 'h1' })
    expect(w.ckpt(2).store.get('d')!.handles).to.have.keys('3/h3')
    w.sim.crash(3)
    w.waitRing([1, 2])
    expect(w.ckpt(1).store.get('d')!.handles.size).to.equal(0)
    expect(w.ckpt(2).store.get('d')!.handles.size).to.equal(0)
    w.ok(2, 'open', { name: 'd', handleId: 'h2', create: false })
    w.host(2).clientGone(w.sim.now, 'c')
    w.sim.flush(w.sim.node(2))
    w.runUntil(() => w.ckpt(1).store.get('d')!.handles.size === 0, 1000, 'client handles closed')
    expect(w.ckpt(2).outstanding).to.equal(0)
  })

  it('answers ERR_QUEUE_FULL when the send queue is full, and sends again once writable', () => {
    const w = world()
    w.ok(1, 'open', { name: 'q', handleId: 'h', create: true, maxSections: 100 })
    const keys = Array.from({ length: 12 }, (_, i) => w.request(1, 'write', { name: 'q', handleId: 'h', section: `s${i}`, data: bytes(i, 1024 * 1024) }))
    const refused = keys.filter((k) => w.answer(k)?.code === 'ERR_QUEUE_FULL')
    expect(refused.length).to.be.greaterThan(0)
    w.runUntil(() => w.events.length >= 0 && w.host(1).engine.queuedBytes < 4 * 1024 * 1024, 10_000, 'queue drains')
    w.ok(1, 'write', { name: 'q', handleId: 'h', section: 'late', data: bytes(99, 1024 * 1024) })
    w.runUntil(() => keys.every((k) => w.answer(k) !== undefined), 20_000, 'all answered')
    expect(w.ckpt(3).store.get('q')!.sections.size).to.equal(keys.length - refused.length + 1)
  })

  it('counts malformed messages instead of throwing', () => {
    const w = world()
    const garbage = [new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array([0x1a, 0x02, 0x0a, 0x00]), new Uint8Array([0x4a, 0x03, 0x12, 0x01, 0x07])]
    for (const g of garbage) w.host(1).engine.mcast(envelope.wrap(20, g))
    w.sim.flush(w.sim.node(1))
    w.runUntil(() => [1, 2, 3].every((id) => w.ckpt(id).dropped === garbage.length), 2000, 'drops counted')
    w.ok(1, 'open', { name: 'still-works', handleId: 'h', create: true })
  })

  it('ignores well-formed messages that make no sense here', () => {
    const w = world()
    w.ok(1, 'open', { name: 'x', handleId: 'h', create: true })
    w.ok(1, 'write', { name: 'x', handleId: 'h', section: 's', data: bytes(1, 100) })
    const before = [1, 2, 3].map((id) => `${w.ckpt(id).store.get('x')!.version}/${w.ckpt(id).digest('x')}`)
    const bogus: CkptMessage[] = [
      { kind: 'chunk', name: 'x', plan: 999, pieces: [{ section: 's', version: 99, offset: 5, total: 3, data: bytes(2, 10) }] },
      { kind: 'index', name: 'x', plan: 999, version: 1, sections: [{ section: 'ghost', version: 1, length: 1 }], last: true },
      { kind: 'done', name: 'x', plan: 999, version: 1 },
      { kind: 'done', name: 'nobody', plan: 1, version: 1 },
      { kind: 'catalog', ring: { rep: 9, seq: 9 }, entries: [] },
      { kind: 'expire', name: 'x', closeSeq: 77 },
      { kind: 'close', name: 'x', handleId: 'not-open', request: 5 },
      { kind: 'write', name: 'x', handleId: 'forged', section: 's', data: bytes(3, 1), request: 0 },
      { kind: 'delete', name: 'x', handleId: 'forged', section: 's', request: 0 },
    ]
    for (const m of bogus) w.host(2).engine.mcast(envelope.wrap(20, codec.encode(m)))
    w.sim.flush(w.sim.node(2))
    w.run(500)
    expect([1, 2, 3].map((id) => `${w.ckpt(id).store.get('x')!.version}/${w.ckpt(id).digest('x')}`)).to.deep.equal(before)
    expect([1, 2, 3].map((id) => w.ckpt(id).dropped)).to.deep.equal([0, 0, 0])
    expect(w.ok(3, 'sections', { name: 'x' })).to.deep.equal(['s'])
  })
})

const envelope = new ServiceCodec()
const codec = new CkptCodec()
