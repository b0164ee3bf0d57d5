import { expect } from 'chai'
import { ServiceCodec } from '../../lib/services/envelope.js'
import { LCK_SERVICE_ID } from '../../lib/services/lck/types.js'
import { type Grant, LckWorld } from './harness.js'

/** The LCK service on simulated nodes over real Totem: grant order, modes, try, timeout, cancel, release. */
describe('lck/service', () => {
  function world(ids = [1, 2, 3]): LckWorld {
    const w = new LckWorld(ids, { quorum: true })
    w.startAll()
    w.waitSettled()
    return w
  }

  it('grants an exclusive lock in FIFO order with strictly increasing fencing tokens', () => {
    const w = world()
    const g1 = w.granted(w.acquire(1, 'a'))
    const p2 = w.acquire(2, 'a')
    w.run(200)
    const p3 = w.acquire(3, 'a')
    w.run(200)
    expect(p2.answer, 'second waits').to.equal(undefined)
    expect(p3.answer, 'third waits').to.equal(undefined)
    expect(w.lck(1).lock('a')!.waiters.map((x) => x.node)).to.deep.equal([2, 3])
    w.answered(w.release(1, g1.holderId))
    const g2 = w.granted(p2)
    expect(p3.answer, 'third still waits').to.equal(undefined)
    expect(g2.fencingToken > g1.fencingToken).to.equal(true)
    w.answered(w.release(2, g2.holderId))
    const g3 = w.granted(p3)
    expect(g3.fencingToken > g2.fencingToken).to.equal(true)
    w.answered(w.release(3, g3.holderId))
    w.run(200)
    for (const id of w.ids) {
      const lock = w.lck(id).lock('a')!
      expect(lock.holders).to.deep.equal([])
      expect(lock.lastToken, 'the last token outlives the holders').to.equal(g3.fencingToken)
    }
  })

  it('shares shared locks, excludes exclusive ones, and keeps strict FIFO behind a waiting exclusive', () => {
    const w = world()
    const s1 = w.granted(w.acquire(1, 'r', { mode: 'shared' }))
    const s2 = w.granted(w.acquire(2, 'r', { mode: 'shared' }))
    expect(s2.fencingToken > s1.fencingToken).to.equal(true)
    const x3 = w.acquire(3, 'r')
    w.run(200)
    const s1b = w.acquire(1, 'r', { mode: 'shared' })
    w.run(300)
    expect(x3.answer, 'exclusive waits for the shared holders').to.equal(undefined)
    expect(s1b.answer, 'shared behind a waiting exclusive waits too').to.equal(undefined)
    w.answered(w.release(1, s1.holderId))
    w.run(200)
    expect(x3.answer).to.equal(undefined)
    w.answered(w.release(2, s2.holderId))
    const gx = w.granted(x3)
    w.run(200)
    expect(s1b.answer, 'shared waits for the exclusive holder').to.equal(undefined)
    w.answered(w.release(3, gx.holderId))
    expect(w.granted(s1b).fencingToken > gx.fencingToken).to.equal(true)
  })

  it('tryAcquire grants a free lock and answers null when held or when someone waits', () => {
    const w = world()
    const g = w.granted(w.acquire(1, 't', { try: true }))
    expect(w.answered(w.acquire(2, 't', { try: true })).value).to.equal(null)
    expect(w.answered(w.acquire(2, 't', { try: true, mode: 'shared' })).value).to.equal(null)
    const waiting = w.acquire(3, 't')
    w.run(200)
    w.answered(w.release(1, g.holderId))
    const g3 = w.granted(waiting)
    const shared = w.answered(w.acquire(1, 'u', { mode: 'shared', try: true }))
    expect((shared.value as Grant).holderId).to.be.a('string')
    expect(w.answered(w.acquire(2, 'u', { mode: 'shared', try: true })).value).to.not.equal(null)
    expect(g3.fencingToken > g.fencingToken).to.equal(true)
    for (const id of w.ids) expect(w.lck(id).lock('t')!.waiters).to.deep.equal([])
  })

  it('times out a waiter with ERR_LOCK_TIMEOUT and removes it from every replica', () => {
    const w = world()
    const g = w.granted(w.acquire(1, 'a'))
    const start = w.sim.now
    const p = w.acquire(2, 'a', { timeoutMs: 400 })
    const a = w.answered(p, 5000)
    expect(a.ok).to.equal(false)
    expect(a.code).to.equal('ERR_LOCK_TIMEOUT')
    expect(w.sim.now - start).to.be.at.least(400)
    w.run(200)
    for (const id of w.ids) expect(w.lck(id).lock('a')!.waiters).to.deep.equal([])
    expect(w.lck(1).lock('a')!.holders.map((h) => h.id)).to.deep.equal([g.holderId])
  })

  it('cancel aborts a waiting acquire with ERR_ABORTED; a cancel after the grant changes nothing', () => {
    const w = world()
    const g = w.granted(w.acquire(1, 'a'))
    const p = w.acquire(2, 'a')
    w.run(200)
    expect(w.cancel(p).answer?.ok, 'cancel answers at once').to.equal(true)
    const a = w.answered(p)
    expect(a.code).to.equal('ERR_ABORTED')
    const late = w.cancel({ ...p })
    expect(late.answer?.ok).to.equal(true)
    w.run(200)
    for (const id of w.ids) expect(w.lck(id).lock('a')!.waiters).to.deep.equal([])
    w.answered(w.release(1, g.holderId))
    w.granted(w.acquire(3, 'a'))
  })

  it('refuses bad names and modes with ERR_INVALID_ARGUMENT, unknown ops too', () => {
    const w = world()
    expect(w.acquire(1, '').answer?.code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.acquire(1, 'x'.repeat(257)).answer?.code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.acquire(1, 'é'.repeat(129)).answer?.code, '258 UTF-8 bytes').to.equal('ERR_INVALID_ARGUMENT')
    expect(w.request(1, 'acquire', { name: 'a', mode: 'x', waiterId: 'q' }).answer?.code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.request(1, 'acquire', { name: 'a', waiterId: 'q', timeoutMs: -1 }).answer?.code).to.equal('ERR_INVALID_ARGUMENT')
    expect(w.request(1, 'upgrade', {}).answer?.code).to.equal('ERR_INVALID_ARGUMENT')
    w.granted(w.acquire(1, 'x'.repeat(256)))
  })

  it('release is idempotent and answers at once for unknown handles', () => {
    const w = world()
    const g = w.granted(w.acquire(1, 'a'))
    const r1 = w.release(1, g.holderId)
    const r2 = w.release(1, g.holderId)
    expect(r1.answer, 'answered when delivered, not at once').to.equal(undefined)
    expect(w.answered(r1).ok).to.equal(true)
    expect(w.answered(r2).ok).to.equal(true)
    expect(w.release(1, g.holderId).answer?.ok).to.equal(true)
    expect(w.release(2, 'nobody').answer?.ok).to.equal(true)
  })

  it('a client that goes away releases its holds and cancels its waits', () => {
    const w = world()
    w.granted(w.acquire(1, 'a'))
    const other = w.granted(w.acquire(2, 'b'))
    w.acquire(1, 'b')
    const p = w.acquire(3, 'a')
    w.run(200)
    w.host(1).clientGone(w.sim.now, 'app')
    w.sim.flush(w.sim.node(1))
    w.granted(p)
    w.run(300)
    for (const id of w.ids) {
      expect(w.lck(id).lock('b')!.holders.map((h) => h.id)).to.deep.equal([other.holderId])
      expect(w.lck(id).lock('b')!.waiters).to.deep.equal([])
    }
    expect(w.lck(1).localCount).to.equal(0)
  })

  it('counts and ignores malformed messages on every node', () => {
    const w = world()
    const codec = new ServiceCodec()
    expect(w.host(2).engine.mcast(codec.wrap(LCK_SERVICE_ID, Uint8Array.from([0xff, 0xff, 0x01, 0x02])))).to.equal('ok')
    expect(w.host(2).engine.mcast(codec.wrap(LCK_SERVICE_ID, Uint8Array.from([0x0a, 0x00])))).to.equal('ok')
    w.sim.flush(w.sim.node(2))
    w.run(500)
    for (const id of w.ids) expect(w.lck(id).dropped, `n${id}`).to.equal(2)
    w.granted(w.acquire(1, 'a'))
  })

  it('splits a big table into several sync chunks and a restarted node gets all of it', () => {
    const w = world()
    for (let i = 0; i < 600; i++) w.acquire(1 + (i % 2), `lock-with-a-longish-name-${i}`)
    w.run(3000)
    for (let i = 0; i < 40; i++) w.acquire(1 + (i % 3), `lock-with-a-longish-name-${i}`, { mode: 'shared' })
    w.run(1000)
    expect(w.lck(1).table.filter((l) => l.holders.length === 1)).to.have.length(600)
    w.sim.crash(3)
    w.waitSettled([1, 2])
    w.sim.start(3)
    w.waitSettled()
    const expected = JSON.stringify(w.lck(1).table, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)
    expect(expected.length, 'more than one 32 KiB chunk').to.be.greaterThan(70_000)
    for (const id of [2, 3]) expect(JSON.stringify(w.lck(id).table, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v), `n${id}`).to.equal(expected)
  })
})

describe('lck/service under a small Totem message size and send queue', () => {
  it('cuts sync chunks smaller, and internal messages refused with queue-full go out when there is room', () => {
    const w = new LckWorld([1, 2, 3], { quorum: true, totem: { messageSizeMax: 1024, sendQueueBytesMax: 2048 } })
    w.startAll()
    w.waitSettled()
    const holder = w.granted(w.acquire(2, 'hot'))
    const waiters = []
    let refused = 0
    while (waiters.length < 150) {
      const p = w.acquire(1, 'hot', { timeoutMs: 3000 - (w.sim.now % 1000) })
      if (p.answer?.code === 'ERR_QUEUE_FULL') {
        refused++
        w.run(5)
      } else {
        waiters.push(p)
      }
    }
    expect(refused, 'the small queue refused some acquires').to.be.greaterThan(0)
    for (let i = 0; i < 200; i++) w.acquire(2, `name-${i}-${'n'.repeat(100)}`)
    w.run(2000)
    w.sim.crash(3)
    w.waitSettled([1, 2])
    w.sim.start(3)
    w.waitSettled()
    const table = JSON.stringify(w.lck(1).table, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)
    expect(JSON.stringify(w.lck(3).table, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)).to.equal(table)
    for (const p of waiters) expect(w.answered(p, 10_000).code).to.equal('ERR_LOCK_TIMEOUT')
    w.run(500)
    for (const id of w.ids) expect(w.lck(id).lock('hot')!.waiters, `n${id}`).to.deep.equal([])
    expect(w.lck(1).lock('hot')!.holders.map((h) => h.id)).to.deep.equal([holder.holderId])
  })
})
