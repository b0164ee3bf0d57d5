import { expect } from 'chai'
import { isSubset, setEqual, setHas, setIntersect, setMinus, setUnion, sortedSet } from '../../lib/totem/node-set.js'
import { SEQ_START, seqAdd, seqDiff, seqLt, seqLte, seqMax, seqMin } from '../../lib/totem/seq.js'

/*
 * Totem seq and aru are u32 and wrap (digest §3.1): every comparison must be
 * serial arithmetic, or a long-lived ring stops delivering at 2^32.
 */

const MAX = 0xffffffff

describe('totem/seq: serial arithmetic', () => {
  it('seqAdd wraps modulo 2^32 and always yields a uint32', () => {
    expect(seqAdd(MAX, 1)).to.equal(0)
    expect(seqAdd(0xfffffffe, 5)).to.equal(3)
    expect(seqAdd(0, -1)).to.equal(MAX)
    expect(seqAdd(7, 0)).to.equal(7)
    expect(seqAdd(SEQ_START, 1)).to.equal(1)
  })

  it('seqDiff is the signed distance across the wrap', () => {
    expect(seqDiff(0, MAX)).to.equal(1)
    expect(seqDiff(MAX, 0)).to.equal(-1)
    expect(seqDiff(5, 0xfffffffb)).to.equal(10)
    expect(seqDiff(0xfffffffb, 5)).to.equal(-10)
    expect(seqDiff(100, 100)).to.equal(0)
    expect(seqDiff(seqAdd(MAX, 16384), MAX)).to.equal(16384)
  })

  it('seqLt: 0xffffffff precedes 0, and 0 does not precede 0xffffffff', () => {
    expect(seqLt(MAX, 0)).to.equal(true)
    expect(seqLt(0, MAX)).to.equal(false)
    expect(seqLt(0xfffffe00, 0x1ff)).to.equal(true)
    expect(seqLt(0x1ff, 0xfffffe00)).to.equal(false)
  })

  it('seqLt is strict and seqLte is not', () => {
    expect(seqLt(MAX, MAX)).to.equal(false)
    expect(seqLte(MAX, MAX)).to.equal(true)
    expect(seqLte(MAX, 0)).to.equal(true)
    expect(seqLte(0, MAX)).to.equal(false)
  })

  it('ordinary values compare as numbers', () => {
    expect(seqLt(1, 2)).to.equal(true)
    expect(seqLt(2, 1)).to.equal(false)
    expect(seqLte(0x7ffffffe, 0x7fffffff)).to.equal(true)
  })

  it('values just under 2^31 apart still compare in the short direction', () => {
    const a = 10
    const b = seqAdd(a, 0x7fffffff)
    expect(seqLt(a, b)).to.equal(true)
    expect(seqLt(b, a)).to.equal(false)
  })

  it('seqMin and seqMax pick by serial order, not by numeric value', () => {
    expect(seqMax(0xfffffff0, 0x10)).to.equal(0x10)
    expect(seqMin(0xfffffff0, 0x10)).to.equal(0xfffffff0)
    expect(seqMax(3, 4)).to.equal(4)
    expect(seqMin(3, 4)).to.equal(3)
  })

  it('an aru walked one by one across the wrap stays monotonic', () => {
    let aru = 0xfffffffd
    for (let i = 0; i < 6; i++) {
      const next = seqAdd(aru, 1)
      expect(seqLt(aru, next), `${aru} < ${next}`).to.equal(true)
      expect(seqDiff(next, aru)).to.equal(1)
      aru = next
    }
    expect(aru).to.equal(3)
  })
})

describe('totem/node-set: membership arithmetic', () => {
  it('sortedSet sorts numerically and removes duplicates', () => {
    expect(sortedSet([10, 2, 2, 1, 10])).to.deep.equal([1, 2, 10])
    expect(sortedSet([0xffffffff, 3])).to.deep.equal([3, 0xffffffff])
    expect(sortedSet([])).to.deep.equal([])
  })

  it('setEqual compares sorted lists position by position', () => {
    expect(setEqual([1, 2, 3], [1, 2, 3])).to.equal(true)
    expect(setEqual([1, 2], [1, 2, 3])).to.equal(false)
    expect(setEqual([1, 3, 2], [1, 2, 3])).to.equal(false)
    expect(setEqual([], [])).to.equal(true)
  })

  it('setHas and isSubset', () => {
    expect(setHas([1, 5], 5)).to.equal(true)
    expect(setHas([1, 5], 4)).to.equal(false)
    expect(isSubset([], [1])).to.equal(true)
    expect(isSubset([1, 3], [1, 2, 3])).to.equal(true)
    expect(isSubset([1, 4], [1, 2, 3])).to.equal(false)
  })

  it('setUnion is sorted and duplicate-free', () => {
    expect(setUnion([3, 1], [2, 3])).to.deep.equal([1, 2, 3])
    expect(setUnion([], [])).to.deep.equal([])
  })

  it('setMinus and setIntersect keep the order of the first list', () => {
    expect(setMinus([1, 2, 3, 4], [2, 4, 9])).to.deep.equal([1, 3])
    expect(setMinus([1, 2], [])).to.deep.equal([1, 2])
    expect(setIntersect([1, 2, 3, 4], [4, 2, 9])).to.deep.equal([2, 4])
    expect(setIntersect([1], [])).to.deep.equal([])
  })
})
