import { expect } from 'chai'
import type { RingId } from '../../lib/totem/ring-id.js'
import { seqAdd } from '../../lib/totem/seq.js'
import { SortQueue } from '../../lib/totem/srp/sort-queue.js'
import { AssertionError } from '../../lib/util/assert.js'
import { mcastBody } from './harness.js'

/*
 * The receive window (corosync sq.h): slots indexed by seq relative to the
 * oldest unreleased seq, with per-slot miss counts for delayed retransmit
 * requests. Everything must hold across the u32 wrap.
 */

const RING: RingId = { rep: 1, seq: 4 }
const msg = (seq: number) => mcastBody(RING, seq, 1)

describe('totem/sort-queue', () => {
  it('refuses a size that is not a power of two', () => {
    expect(() => new SortQueue(1000, 1)).to.throw(AssertionError)
    expect(() => new SortQueue(0, 1)).to.throw(AssertionError)
    expect(new SortQueue(1024, 1).size).to.equal(1024)
  })

  it('inRange covers exactly base .. base + size − 1', () => {
    const q = new SortQueue(16, 100)
    expect(q.inRange(99)).to.equal(false)
    expect(q.inRange(100)).to.equal(true)
    expect(q.inRange(115)).to.equal(true)
    expect(q.inRange(116)).to.equal(false)
  })

  it('add stores a message that has/get then return', () => {
    const q = new SortQueue(16, 1)
    expect(q.has(3)).to.equal(false)
    expect(q.get(3)).to.equal(undefined)
    const m = msg(3)
    expect(q.add(3, m)).to.equal(true)
    expect(q.has(3)).to.equal(true)
    expect(q.get(3)).to.equal(m)
    expect(q.count()).to.equal(1)
  })

  it('a duplicate add returns false and keeps the first copy', () => {
    const q = new SortQueue(16, 1)
    const first = msg(2)
    q.add(2, first)
    expect(q.add(2, msg(2))).to.equal(false)
    expect(q.get(2)).to.equal(first)
    expect(q.count()).to.equal(1)
  })

  it('add outside the window asserts (the caller must check inRange)', () => {
    const q = new SortQueue(16, 1)
    expect(() => q.add(0, msg(0))).to.throw(AssertionError)
    expect(() => q.add(17, msg(17))).to.throw(AssertionError)
  })

  it('has/get outside the window answer nothing even when the slot it would alias is full', () => {
    const q = new SortQueue(16, 1)
    q.add(1, msg(1))
    expect(q.has(17)).to.equal(false)
    expect(q.get(17)).to.equal(undefined)
  })

  it('miss counts one per call, restart after add, and after release', () => {
    const q = new SortQueue(16, 1)
    expect(q.miss(4)).to.equal(1)
    expect(q.miss(4)).to.equal(2)
    expect(q.miss(4)).to.equal(3)
    q.add(4, msg(4))
    q.releaseTo(4)
    expect(q.miss(20)).to.equal(1) // same slot as 4, a new message
    expect(q.miss(5)).to.equal(1)
  })

  it('a message added after being missed has its count reset', () => {
    const q = new SortQueue(16, 1)
    q.miss(6)
    q.miss(6)
    q.add(6, msg(6))
    expect(q.miss(6)).to.equal(1)
  })

  it('releaseTo frees every slot up to seq and moves the base past it', () => {
    const q = new SortQueue(16, 1)
    for (let s = 1; s <= 5; s++) q.add(s, msg(s))
    q.releaseTo(3)
    expect(q.base).to.equal(4)
    expect(q.has(3)).to.equal(false)
    expect(q.has(4)).to.equal(true)
    expect(q.count()).to.equal(2)
    expect(q.inRange(19)).to.equal(true)
    expect(q.inRange(20)).to.equal(false)
  })

  it('releaseTo below the base is a no-op', () => {
    const q = new SortQueue(16, 10)
    q.add(10, msg(10))
    q.releaseTo(9)
    q.releaseTo(2)
    expect(q.base).to.equal(10)
    expect(q.has(10)).to.equal(true)
  })

  it('releaseTo of exactly the whole window is allowed, beyond it asserts', () => {
    const q = new SortQueue(16, 1)
    q.releaseTo(16)
    expect(q.base).to.equal(17)
    expect(() => q.releaseTo(17 + 16)).to.throw(AssertionError, /exceeds the window/)
    expect(q.base).to.equal(17)
  })

  it('the window slides across the u32 wrap near 0xfffffe00', () => {
    const base = 0xfffffe00
    const q = new SortQueue(1024, base)
    expect(q.inRange(base)).to.equal(true)
    expect(q.inRange(0xffffffff)).to.equal(true)
    expect(q.inRange(0)).to.equal(true)
    expect(q.inRange(0x1ff)).to.equal(true) // base + 1023, wrapped
    expect(q.inRange(0x200)).to.equal(false)
    expect(q.inRange(base - 1)).to.equal(false)
    for (const s of [0xfffffffe, 0xffffffff, 0, 1]) expect(q.add(s, msg(s)), `add ${s}`).to.equal(true)
    expect(q.get(0)?.seq).to.equal(0)
    expect(q.get(0xffffffff)?.seq).to.equal(0xffffffff)
    q.releaseTo(0xffffffff)
    expect(q.base).to.equal(0)
    expect(q.has(0xffffffff)).to.equal(false)
    expect(q.has(0)).to.equal(true)
    expect(q.has(1)).to.equal(true)
    expect(q.inRange(0x3ff)).to.equal(true)
    expect(q.inRange(0x400)).to.equal(false)
    q.releaseTo(1)
    expect(q.base).to.equal(2)
    expect(q.count()).to.equal(0)
  })

  it('a release that crosses the wrap frees slots on both sides', () => {
    const q = new SortQueue(8, 0xfffffffc)
    for (let i = 0; i < 8; i++) q.add(seqAdd(0xfffffffc, i), msg(seqAdd(0xfffffffc, i)))
    q.releaseTo(2)
    expect(q.base).to.equal(3)
    expect(q.count()).to.equal(1)
    expect(q.has(3)).to.equal(true)
    expect(q.add(10, msg(10))).to.equal(true)
  })

  it('releasing beyond the window across the wrap asserts too', () => {
    const q = new SortQueue(16, 0xfffffff8)
    expect(() => q.releaseTo(0x10)).to.throw(AssertionError)
  })

  it('reinit drops everything and restarts the window', () => {
    const q = new SortQueue(16, 1)
    q.add(1, msg(1))
    q.add(2, msg(2))
    q.miss(3)
    q.reinit(0xfffffff0)
    expect(q.base).to.equal(0xfffffff0)
    expect(q.count()).to.equal(0)
    expect(q.has(1)).to.equal(false)
    expect(q.inRange(0xffffffff)).to.equal(true)
    expect(q.miss(0xfffffff3)).to.equal(1) // slot 3 again: its miss count was cleared
  })
})
