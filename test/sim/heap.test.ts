import { expect } from 'chai'
import { EventHeap } from '../../lib/sim/heap.js'
import { Prng } from '../../lib/sim/prng.js'

function drain<T>(heap: EventHeap<T>): T[] {
  const out: T[] = []
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(e.value)
  return out
}

describe('sim/heap', () => {
  it('pops in time order', () => {
    const heap = new EventHeap<number>()
    for (const at of [50, 10, 40, 20, 30, 0]) heap.push(at, at)
    expect(heap.size).to.equal(6)
    expect(heap.peek()?.at).to.equal(0)
    expect(drain(heap)).to.deep.equal([0, 10, 20, 30, 40, 50])
    expect(heap.size).to.equal(0)
    expect(heap.pop()).to.equal(undefined)
    expect(heap.peek()).to.equal(undefined)
  })

  it('breaks ties by insertion order', () => {
    const heap = new EventHeap<string>()
    heap.push(5, 'a')
    heap.push(1, 'x')
    heap.push(5, 'b')
    heap.push(5, 'c')
    heap.push(1, 'y')
    heap.push(5, 'd')
    expect(drain(heap)).to.deep.equal(['x', 'y', 'a', 'b', 'c', 'd'])
  })

  it('keeps insertion order for many equal times interleaved with pops', () => {
    const heap = new EventHeap<number>()
    for (let i = 0; i < 100; i++) heap.push(7, i)
    const popped: number[] = []
    for (let i = 0; i < 30; i++) popped.push(heap.pop()?.value ?? -1)
    for (let i = 100; i < 150; i++) heap.push(7, i)
    popped.push(...drain(heap))
    expect(popped).to.deep.equal(Array.from({ length: 150 }, (_, i) => i))
  })

  it('cancels pending events, and only pending ones', () => {
    const heap = new EventHeap<string>()
    const a = heap.push(1, 'a')
    const b = heap.push(2, 'b')
    const c = heap.push(3, 'c')
    expect(heap.cancel(a)).to.equal(true)
    expect(heap.cancel(a)).to.equal(false)
    expect(heap.has(a)).to.equal(false)
    expect(heap.has(b)).to.equal(true)
    expect(heap.size).to.equal(2)
    expect(heap.peek()?.value).to.equal('b')
    expect(heap.pop()?.value).to.equal('b')
    expect(heap.cancel(b)).to.equal(false)
    expect(heap.cancel(12345)).to.equal(false)
    expect(heap.cancel(c)).to.equal(true)
    expect(heap.size).to.equal(0)
    expect(heap.peek()).to.equal(undefined)
  })

  it('clear() empties the heap and invalidates old ids', () => {
    const heap = new EventHeap<string>()
    const a = heap.push(1, 'a')
    heap.push(2, 'b')
    heap.clear()
    expect(heap.size).to.equal(0)
    const c = heap.push(1, 'c')
    expect(c).to.not.equal(a)
    expect(heap.cancel(a)).to.equal(false)
    expect(drain(heap)).to.deep.equal(['c'])
  })

  it('enforces its capacity and rejects non-finite times', () => {
    const heap = new EventHeap<number>(2)
    heap.push(1, 1)
    heap.push(2, 2)
    expect(() => heap.push(3, 3)).to.throw(/full/)
    heap.pop()
    expect(() => heap.push(3, 3)).to.not.throw()
    expect(() => new EventHeap<number>().push(Number.NaN, 0)).to.throw()
    expect(() => new EventHeap<number>().push(Infinity, 0)).to.throw()
    expect(() => new EventHeap<number>(0)).to.throw()
  })

  it('matches a sorted-array reference under random push, pop and cancel', () => {
    for (let seed = 0; seed < 20; seed++) {
      const prng = new Prng(seed)
      const heap = new EventHeap<number>()
      type Ref = { at: number; seq: number; id: number }
      let reference: Ref[] = []
      let seq = 0
      for (let step = 0; step < 3000; step++) {
        const op = prng.int(10)
        if (op < 5) {
          // Few distinct times so that ties are common.
          const at = prng.int(20)
          const id = heap.push(at, seq)
          reference.push({ at, seq, id })
          seq++
        } else if (op < 8) {
          reference.sort((x, y) => x.at - y.at || x.seq - y.seq)
          const expected = reference.shift()
          const got = heap.pop()
          expect(got?.value).to.equal(expected?.seq)
          expect(got?.at).to.equal(expected?.at)
        } else if (reference.length > 0) {
          const victim = prng.pick(reference)
          expect(heap.cancel(victim.id)).to.equal(true)
          reference = reference.filter((r) => r !== victim)
        }
        expect(heap.size).to.equal(reference.length)
        const min = [...reference].sort((x, y) => x.at - y.at || x.seq - y.seq)[0]
        expect(heap.peek()?.value).to.equal(min?.seq)
      }
    }
  })
})
