import { expect } from 'chai'
import { Prng, seedFrom, type Ratio } from '../../lib/sim/prng.js'

function draws(prng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => prng.next32())
}

describe('sim/prng', () => {
  describe('determinism', () => {
    const seeds = [0, 1, -1, 42, 2 ** 32, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]

    it('same seed gives an identical stream', () => {
      for (const seed of seeds) expect(draws(new Prng(seed), 1000)).to.deep.equal(draws(new Prng(seed), 1000))
    })

    it('different seeds give different streams, including seeds differing only above 2^32 or in sign', () => {
      const firsts = seeds.map((seed) => draws(new Prng(seed), 4).join(','))
      expect(new Set(firsts).size).to.equal(seeds.length)
    })

    it('yields uint32 values', () => {
      const prng = new Prng(0)
      for (let i = 0; i < 10_000; i++) {
        const x = prng.next32()
        expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).to.equal(true)
      }
    })

    it('rejects seeds that are not safe integers', () => {
      expect(() => new Prng(1.5)).to.throw()
      expect(() => new Prng(2 ** 53)).to.throw()
      expect(() => new Prng(Number.NaN)).to.throw()
    })
  })

  describe('fork', () => {
    it('advances the parent by a fixed amount regardless of what the child does', () => {
      const a = new Prng(7)
      const b = new Prng(7)
      const childA = a.fork()
      b.fork()
      draws(childA, 500)
      expect(draws(a, 100)).to.deep.equal(draws(b, 100))
    })

    it('produces streams that are reproducible and distinct from the parent and siblings', () => {
      const parent = new Prng(99)
      const first = parent.fork()
      const second = parent.fork()
      const again = new Prng(99).fork()
      const s1 = draws(first, 64)
      expect(draws(again, 64)).to.deep.equal(s1)
      const s2 = draws(second, 64)
      const sp = draws(parent, 64)
      expect(s1).to.not.deep.equal(s2)
      expect(s1).to.not.deep.equal(sp)
      expect(s2).to.not.deep.equal(sp)
    })
  })

  describe('distributions', () => {
    const N = 100_000

    it('int() is uniform within tolerance', () => {
      const prng = new Prng(1234)
      const buckets = new Array<number>(10).fill(0)
      for (let i = 0; i < N; i++) {
        const x = prng.int(10)
        buckets[x] = (buckets[x] ?? 0) + 1
      }
      // Expected 10_000 per bucket with σ ≈ 95; ±5% is over 5σ.
      for (const count of buckets) expect(count).to.be.within(9_500, 10_500)
    })

    it('int() accepts 1 and 2^32 and rejects bounds outside 1..2^32', () => {
      const prng = new Prng(5)
      for (let i = 0; i < 100; i++) expect(prng.int(1)).to.equal(0)
      for (let i = 0; i < 100; i++) expect(prng.int(2 ** 32)).to.be.within(0, 2 ** 32 - 1)
      expect(() => prng.int(0)).to.throw()
      expect(() => prng.int(2 ** 32 + 1)).to.throw()
      expect(() => prng.int(2.5)).to.throw()
    })

    it('range() is inclusive on both ends', () => {
      const prng = new Prng(6)
      const seen = new Set<number>()
      for (let i = 0; i < 10_000; i++) {
        const x = prng.range(-3, 3)
        expect(x).to.be.within(-3, 3)
        seen.add(x)
      }
      expect(seen.size).to.equal(7)
      expect(prng.range(4, 4)).to.equal(4)
      expect(() => prng.range(5, 4)).to.throw()
    })

    it('float() stays in [0, 1) with mean near 1/2', () => {
      const prng = new Prng(8)
      let sum = 0
      let outside = 0
      for (let i = 0; i < N; i++) {
        const x = prng.float()
        if (!(x >= 0 && x < 1)) outside++
        sum += x
      }
      expect(outside).to.equal(0)
      expect(sum / N).to.be.closeTo(0.5, 0.01)
    })

    it('ratio() hits at the requested frequency and is exact at the extremes', () => {
      const prng = new Prng(9)
      const cases: Ratio[] = [[1, 3], [1, 100], [7, 8]]
      for (const r of cases) {
        let hits = 0
        for (let i = 0; i < N; i++) if (prng.ratio(r)) hits++
        const p = r[0] / r[1]
        expect(hits / N).to.be.closeTo(p, 5 * Math.sqrt((p * (1 - p)) / N) + 1e-4)
      }
      for (let i = 0; i < 1000; i++) {
        expect(prng.ratio([0, 5])).to.equal(false)
        expect(prng.ratio([5, 5])).to.equal(true)
      }
      expect(() => prng.ratio([3, 2])).to.throw()
      expect(() => prng.ratio([1, 0])).to.throw()
      expect(() => prng.ratio([-1, 2])).to.throw()
    })

    it('chance() hits at the requested frequency', () => {
      const prng = new Prng(10)
      let hits = 0
      for (let i = 0; i < N; i++) if (prng.chance(0.25)) hits++
      expect(hits / N).to.be.closeTo(0.25, 0.01)
      expect(() => prng.chance(1.5)).to.throw()
    })

    it('exponential() has the requested mean within 5% and is never negative', () => {
      const prng = new Prng(11)
      for (const mean of [1, 50, 1000]) {
        let sum = 0
        let min = Infinity
        for (let i = 0; i < N; i++) {
          const x = prng.exponential(mean)
          min = Math.min(min, x)
          sum += x
        }
        expect(min).to.be.at.least(0)
        expect(sum / N).to.be.closeTo(mean, mean * 0.05)
      }
      expect(prng.exponential(0)).to.equal(0)
      expect(() => prng.exponential(-1)).to.throw()
    })

    it('pick() reaches every element and rejects an empty list', () => {
      const prng = new Prng(12)
      const items = ['a', 'b', 'c', 'd'] as const
      const seen = new Set<string>()
      for (let i = 0; i < 1000; i++) seen.add(prng.pick(items))
      expect(seen.size).to.equal(4)
      expect(() => prng.pick([])).to.throw()
    })

    it('shuffle() permutes in place, deterministically', () => {
      const items = Array.from({ length: 50 }, (_, i) => i)
      const a = new Prng(13).shuffle([...items])
      const b = new Prng(13).shuffle([...items])
      expect(a).to.deep.equal(b)
      expect(a).to.not.deep.equal(items)
      expect([...a].sort((x, y) => x - y)).to.deep.equal(items)
      const same = [1, 2, 3]
      expect(new Prng(1).shuffle(same)).to.equal(same)
      expect(new Prng(1).shuffle([])).to.deep.equal([])
    })

    it('shuffle() puts each element in each position about equally often', () => {
      const prng = new Prng(14)
      const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0))
      const rounds = 40_000
      for (let i = 0; i < rounds; i++) {
        prng.shuffle([0, 1, 2, 3]).forEach((value, position) => {
          const row = counts[value] as number[]
          row[position] = (row[position] ?? 0) + 1
        })
      }
      for (const row of counts) for (const c of row) expect(c).to.be.within(rounds / 4 - 600, rounds / 4 + 600)
    })
  })

  describe('seedFrom', () => {
    it('is deterministic and yields a non-negative safe integer', () => {
      const s = seedFrom(42, 'network', 3)
      expect(seedFrom(42, 'network', 3)).to.equal(s)
      expect(Number.isSafeInteger(s) && s >= 0).to.equal(true)
      expect(() => new Prng(s)).to.not.throw()
    })

    it('distinguishes order, grouping, types and large values', () => {
      const variants = [
        seedFrom(),
        seedFrom(1, 2),
        seedFrom(2, 1),
        seedFrom('ab'),
        seedFrom('a', 'b'),
        seedFrom(1),
        seedFrom('1'),
        seedFrom(0),
        seedFrom(2 ** 40),
        seedFrom(-(2 ** 40)),
        seedFrom(''),
      ]
      expect(new Set(variants).size).to.equal(variants.length)
    })

    it('spreads consecutive inputs', () => {
      const seeds = new Set<number>()
      for (let i = 0; i < 10_000; i++) seeds.add(seedFrom(7, i))
      expect(seeds.size).to.equal(10_000)
    })
  })
})
