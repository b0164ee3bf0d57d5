import { expect } from 'chai'
import { CkptWorld, bytes } from './harness.js'

/*
 * Failures: what a write's acknowledgement promises, minority partitions,
 * the merge after healing, and copies nobody holds complete any more.
 */

const KiB = 1024

function read(w: CkptWorld, node: number, name: string, section: string): Buffer | undefined {
  const v = w.ok(node, 'read', { name, section }) as Uint8Array | undefined
  return v === undefined ? undefined : Buffer.from(v)
}

describe('ckpt/failures', function () {
  this.timeout(120_000)

  it('an acknowledged write survives the crash of its writer the moment it is answered', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3] })
    w.startAll()
    w.ok(1, 'open', { name: 'a', handleId: 'h', create: true, retentionMs: 60_000 })
    w.ok(1, 'write', { name: 'a', handleId: 'h', section: 's', data: bytes(1, 2000) })
    // Nobody else receives node 1's messages for a while: its write must not be acknowledged meanwhile.
    let cut = true
    w.sim.filter = (from, _to, frame) => !(cut && from === 1 && frame.body.kind === 'mcast')
    let ackedAt: number | undefined
    w.onAnswer = (node, a) => {
      if (node !== 1 || !a.ok) return
      ackedAt = w.sim.now
      w.sim.crash(1)
    }
    const key = w.request(1, 'write', { name: 'a', handleId: 'h', section: 's', data: bytes(2, 2000) })
    w.run(300)
    expect(w.answer(key), 'answered while the others lack the write').to.equal(undefined)
    cut = false
    w.runUntil(() => ackedAt !== undefined, 5000, 'ack')
    w.waitRing([2, 3])
    for (const id of [2, 3]) expect(read(w, id, 'a', 's'), `node ${id}`).to.deep.equal(Buffer.from(bytes(2, 2000)))
  })

  it('a write delivered while the ring re-forms is confirmed once the quorate merge keeps it', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3] })
    w.startAll()
    w.ok(1, 'open', { name: 't', handleId: 'h', create: true, retentionMs: 60_000 })
    // Node 3 never gets node 1's messages: the safe write cannot complete in this ring.
    w.sim.filter = (from, to, frame) => !(from === 1 && to === 3 && frame.body.kind === 'mcast')
    const key = w.request(1, 'write', { name: 't', handleId: 'h', section: 's', data: bytes(5, 100) })
    w.run(100)
    expect(w.answer(key)).to.equal(undefined)
    w.sim.crash(3)
    w.sim.filter = undefined
    w.waitRing([1, 2])
    expect(w.answer(key)?.ok).to.equal(true)
    const acked = w.trace.filter((e) => e.kind === 'acked' && e.node === 1 && e.section === 's')
    expect(acked.map((e) => e.detail)).to.deep.equal(['confirmed at activation'])
    expect(read(w, 2, 't', 's')).to.deep.equal(Buffer.from(bytes(5, 100)))
  })

  it('a write delivered only on the minority side while the ring breaks is not confirmed, and does not survive', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3] })
    w.startAll()
    w.ok(3, 'open', { name: 'u', handleId: 'h', create: true, retentionMs: 60_000 })
    w.sim.filter = (from, _to, frame) => !(from === 3 && frame.body.kind === 'mcast')
    const key = w.request(3, 'write', { name: 'u', handleId: 'h', section: 's', data: bytes(6, 100) })
    w.run(100)
    w.sim.network.partition([[1, 2], [3]])
    w.waitRing([1, 2])
    w.waitRing([3])
    expect(w.answer(key)?.code).to.equal('ERR_TRY_AGAIN')
    expect(read(w, 3, 'u', 's'), 'applied on the minority side meanwhile').to.deep.equal(Buffer.from(bytes(6, 100)))
    w.sim.filter = undefined
    w.sim.network.unpartition()
    w.waitRing([1, 2, 3])
    w.waitIdle([1, 2, 3])
    for (const id of [1, 2, 3]) expect(read(w, id, 'u', 's'), `node ${id}`).to.equal(undefined)
  })

  it('a minority partition reads but never changes anything; healing brings it the majority copy', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3] })
    w.startAll()
    w.ok(1, 'open', { name: 'p', handleId: 'h1', create: true })
    w.ok(2, 'open', { name: 'p', handleId: 'h2', create: false })
    w.ok(1, 'write', { name: 'p', handleId: 'h1', section: 's', data: bytes(1, 10) })
    w.ok(1, 'open', { name: 'gone', handleId: 'g1', create: true, retentionMs: 60_000 })
    w.sim.network.partition([[1], [2, 3]])
    w.waitRing([2, 3])
    w.waitRing([1])
    expect(w.host(1).quorate).to.equal(false)
    expect(w.call(1, 'write', { name: 'p', handleId: 'h1', section: 's', data: bytes(9, 10) }).code).to.equal('ERR_NO_QUORUM')
    expect(w.call(1, 'delete', { name: 'p', handleId: 'h1', section: 's' }).code).to.equal('ERR_NO_QUORUM')
    expect(w.call(1, 'unlink', { name: 'p' }).code).to.equal('ERR_NO_QUORUM')
    expect(w.call(1, 'open', { name: 'new', handleId: 'n', create: true }).code).to.equal('ERR_NO_QUORUM')
    expect(read(w, 1, 'p', 's')).to.deep.equal(Buffer.from(bytes(1, 10)))
    const before = w.trace.length
    w.ok(2, 'write', { name: 'p', handleId: 'h2', section: 's', data: bytes(2, 10) })
    w.ok(2, 'write', { name: 'p', handleId: 'h2', section: 't', data: bytes(3, 10) })
    w.ok(3, 'unlink', { name: 'gone' })
    expect(w.trace.slice(before).filter((e) => e.node === 1 && ['write', 'delete', 'create', 'unlink'].includes(e.kind))).to.deep.equal([])
    // Node 1 keeps its (stale) copy and the handle on it until the partition heals.
    expect(w.ckpt(1).store.get('gone')).to.not.equal(undefined)
    w.sim.network.unpartition()
    w.waitRing([1, 2, 3])
    w.waitIdle([1, 2, 3])
    for (const id of [1, 2, 3]) {
      expect(read(w, id, 'p', 's'), `node ${id}`).to.deep.equal(Buffer.from(bytes(2, 10)))
      expect(read(w, id, 'p', 't')).to.deep.equal(Buffer.from(bytes(3, 10)))
      expect(w.ckpt(id).store.get('gone'), `unlinked on ${id}`).to.equal(undefined)
    }
    expect(new Set([1, 2, 3].map((id) => w.ckpt(id).digest('p'))).size).to.equal(1)
    expect(w.eventsOf(1, 'unlinked')).to.deep.equal([{ type: 'unlinked', name: 'gone' }])
    // Its handle on p heard the sections the majority copy has and its own lacked.
    expect(w.eventsOf(1, 'section')).to.deep.include({ type: 'section', name: 'p', section: 't', present: true })
    // Node 1's handle on p still works: it is the same incarnation.
    w.ok(1, 'write', { name: 'p', handleId: 'h1', section: 'u', data: bytes(4, 1) })
    expect(w.ckpt(3).store.get('p')!.handles).to.have.keys('1/h1', '2/h2')
  })

  it('never goes back to an older complete copy while a newer one may still exist', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3], chunkBytes: 2 * KiB })
    w.startAll()
    w.ok(2, 'open', { name: 'n', handleId: 'h', create: true, retentionMs: 600_000 })
    for (let i = 0; i < 10; i++) w.ok(2, 'write', { name: 'n', handleId: 'h', section: `s${i}`, data: bytes(i, 10 * KiB) })
    w.sim.network.partition([[1], [2, 3]])
    w.waitRing([2, 3])
    w.ok(2, 'write', { name: 'n', handleId: 'h', section: 's0', data: bytes(50, 10) })
    // Node 2 restarts empty and starts receiving from 3; node 3 dies mid-transfer.
    w.sim.crash(2)
    w.waitRing([3])
    w.sim.start(2)
    w.waitRing([2, 3])
    w.runUntil(() => (w.ckpt(2).store.get('n')?.sections.size ?? 0) >= 2, 10_000, 'transfer under way')
    w.sim.crash(3)
    w.sim.network.unpartition()
    w.waitRing([1, 2])
    // Node 1's complete copy is older than node 2's unfinished one: neither may win.
    for (const id of [1, 2]) {
      expect(w.ckpt(id).store.get('n')!.available, `node ${id}`).to.equal(false)
      expect(w.ckpt(id).complete('n')).to.equal(false)
    }
    const waiting = w.request(1, 'read', { name: 'n', section: 's0' })
    w.run(2000)
    expect(w.answer(waiting), 'reads wait').to.equal(undefined)
    w.ok(1, 'open', { name: 'n', handleId: 'h1', create: false })
    expect(w.call(1, 'write', { name: 'n', handleId: 'h1', section: 's0', data: bytes(1, 1) }).code).to.equal('ERR_TRY_AGAIN')
    // Without the node list the service cannot know node 3 held the only copy: unlink is the way out.
    w.sim.start(3)
    w.waitRing([1, 2, 3])
    expect(w.ckpt(3).store.get('n')).to.equal(undefined)
    expect(w.ckpt(1).store.get('n')!.available).to.equal(false)
    w.ok(3, 'unlink', { name: 'n' })
    expect(w.answer(waiting)!.code).to.equal('ERR_NOT_EXIST')
    for (const id of [1, 2, 3]) expect(w.ckpt(id).store.tombstones.get('n'), `tombstone on ${id}`).to.not.equal(undefined)
    w.ok(3, 'open', { name: 'n', handleId: 'again', create: true })
    expect(new Set([1, 2, 3].map((id) => `${w.ckpt(id).store.get('n')!.version}/${w.ckpt(id).digest('n')}`)).size).to.equal(1)
  })

  it('with the node list, the best unfinished copy is made whole once every node is back', () => {
    const w = new CkptWorld({ nodes: [1, 2, 3], chunkBytes: 2 * KiB, nodeList: true })
    w.startAll()
    w.ok(1, 'open', { name: 'm', handleId: 'h', create: true, retentionMs: 600_000 })
    for (let i = 0; i < 10; i++) w.ok(1, 'write', { name: 'm', handleId: 'h', section: `s${i}`, data: bytes(i, 10 * KiB) })
    w.sim.crash(3)
    w.waitRing([1, 2])
    w.sim.start(3)
    w.waitRing([1, 2, 3])
    w.runUntil(() => (w.ckpt(3).store.get('m')?.sections.size ?? 0) >= 4, 10_000, 'transfer under way')
    const arrived = [...w.ckpt(3).store.get('m')!.sections.keys()].sort()
    const reading = w.request(3, 'read', { name: 'm', section: 's9' })
    // Every complete copy is lost.
    w.sim.crash(1)
    w.sim.crash(2)
    w.waitRing([3])
    expect(w.ckpt(3).store.get('m')!.available).to.equal(false)
    w.sim.start(1)
    w.waitRing([1, 3])
    expect(w.ckpt(3).store.get('m')!.available, 'node 2 may still hold it').to.equal(false)
    w.sim.start(2)
    w.waitRing([1, 2, 3])
    w.waitIdle([1, 2, 3])
    for (const id of [1, 2, 3]) {
      expect(w.ckpt(id).complete('m')).to.equal(true)
      expect(w.ok(id, 'sections', { name: 'm' })).to.deep.equal(arrived)
    }
    expect(new Set([1, 2, 3].map((id) => w.ckpt(id).digest('m'))).size).to.equal(1)
    expect(w.trace.filter((e) => e.kind === 'promote').map((e) => e.node)).to.deep.equal([3])
    expect(w.answer(reading)!.ok).to.equal(true)
    expect(w.answer(reading)!.value).to.equal(undefined)
    expect(read(w, 2, 'm', arrived[0]!)).to.deep.equal(Buffer.from(bytes(Number(arrived[0]!.slice(1)), 10 * KiB)))
  })
})
