import { expect } from 'chai'
import type { CmapType } from '../../lib/services/cmap-types.js'
import { CmapStore } from '../../lib/services/cmap/store.js'
import { inferType, toValidKeyPart, validateKeyName } from '../../lib/services/cmap/values.js'
import { clusterError } from './helpers.js'

function label(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

describe('cmap/values', () => {
  describe('key names', () => {
    it('accepts 3..255 characters of [a-zA-Z0-9._/:-]', () => {
      for (const key of ['abc', 'a.b', 'totem.token', 'A-Z_0/9:x.y', 'x'.repeat(255)]) validateKeyName(key)
    })

    it('refuses names that are too short', () => {
      expect(clusterError(() => validateKeyName('ab')).message).to.match(/3\.\.255 characters, got 2/)
      clusterError(() => validateKeyName(''))
    })

    it('refuses names that are too long', () => {
      expect(clusterError(() => validateKeyName('x'.repeat(256))).message).to.match(/got 256/)
    })

    it('refuses bad characters and names the character', () => {
      for (const key of ['a b c', 'key=1', 'ké.y', 'a\nbc', 'abc*', 'a,bc']) clusterError(() => validateKeyName(key))
      expect(clusterError(() => validateKeyName('totem token')).message).to.contain('" "')
    })

    it('set refuses invalid names for new keys', () => {
      const store = new CmapStore()
      clusterError(() => store.set('ab', 1))
      clusterError(() => store.set('bad key', 1))
      expect(store.size).to.equal(0)
    })

    it('toValidKeyPart maps invalid characters to _', () => {
      expect(toValidKeyPart('wrong cluster/é')).to.equal('wrong_cluster/_')
    })
  })

  describe('type inference', () => {
    const cases: Array<[unknown, CmapType]> = [
      [0, 'uint32'], [42, 'uint32'], [2 ** 32 - 1, 'uint32'], [2 ** 32, 'int64'], [-1, 'int64'],
      [Number.MAX_SAFE_INTEGER, 'int64'], [1.5, 'double'], [NaN, 'double'], [Infinity, 'double'],
      ['x', 'string'], ['', 'string'], [new Uint8Array([1]), 'binary'], [5n, 'uint64'], [0n, 'uint64'], [-5n, 'int64'],
    ]
    for (const [value, type] of cases) {
      it(`${label(value)} → ${type}`, () => {
        expect(inferType(value as never)).to.equal(type)
        const store = new CmapStore()
        store.set('key.x', value as never)
        expect(store.get('key.x')?.type).to.equal(type)
      })
    }

    it('refuses unsupported JavaScript values', () => {
      const store = new CmapStore()
      clusterError(() => store.set('key.x', true as never))
      clusterError(() => store.set('key.x', {} as never))
    })
  })

  describe('explicit types and ranges', () => {
    const bounds: Array<[CmapType, bigint, bigint]> = [
      ['int8', -128n, 127n], ['uint8', 0n, 255n], ['int16', -32768n, 32767n], ['uint16', 0n, 65535n],
      ['int32', -2147483648n, 2147483647n], ['uint32', 0n, 4294967295n],
      ['int64', -(2n ** 63n), 2n ** 63n - 1n], ['uint64', 0n, 2n ** 64n - 1n],
    ]
    for (const [type, min, max] of bounds) {
      it(`${type}: accepts ${min}..${max}, refuses one beyond either end`, () => {
        const store = new CmapStore()
        for (const v of [min, max]) {
          store.set('key.v', v, type)
          const stored = store.getValue('key.v')
          expect(BigInt(stored as number | bigint)).to.equal(v)
          // Safe integers are normalised to number, the rest stay bigint: one representation per value.
          expect(typeof stored).to.equal(Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? 'number' : 'bigint')
        }
        const low = clusterError(() => store.set('key.v', min - 1n, type))
        expect(low.message).to.contain("'key.v'").and.to.contain(type).and.to.contain(`${min}..${max}`)
        clusterError(() => store.set('key.v', max + 1n, type))
      })
    }

    it('uint8 300 names key, type and range', () => {
      const err = clusterError(() => new CmapStore().set('my.key', 300, 'uint8'))
      expect(err.message).to.equal("cmap key 'my.key' (uint8): 300 is out of range 0..255")
    })

    it('integer types refuse fractions and strings', () => {
      const store = new CmapStore()
      clusterError(() => store.set('key.v', 1.5, 'int32'))
      clusterError(() => store.set('key.v', '1', 'uint32'))
    })

    it('float is rounded to single precision and range-checked; double keeps full precision', () => {
      const store = new CmapStore()
      store.set('key.f', 0.1, 'float')
      expect(store.getValue('key.f')).to.equal(Math.fround(0.1)).and.not.equal(0.1)
      store.set('key.d', 0.1, 'double')
      expect(store.getValue('key.d')).to.equal(0.1)
      clusterError(() => store.set('key.f', 1e39, 'float'))
      store.set('key.d', 1e39, 'double')
      store.set('key.f', Infinity, 'float')
      clusterError(() => store.set('key.f', 1n, 'float'))
    })

    it('string and binary values are type-checked', () => {
      const store = new CmapStore()
      clusterError(() => store.set('key.s', 1, 'string'))
      clusterError(() => store.set('key.s', 'a\0b', 'string'))
      clusterError(() => store.set('key.b', 'abc', 'binary'))
      clusterError(() => store.set('key.t', 1, 'bool' as never))
    })

    it('binary values are copied in and out', () => {
      const store = new CmapStore()
      const bytes = new Uint8Array([1, 2, 3])
      store.set('key.b', bytes)
      bytes[0] = 9
      const out = store.getValue('key.b') as Uint8Array
      expect([...out]).to.deep.equal([1, 2, 3])
      out[1] = 9
      expect([...(store.getValue('key.b') as Uint8Array)]).to.deep.equal([1, 2, 3])
    })

    it('an existing key keeps its type unless a type is given', () => {
      const store = new CmapStore()
      store.set('key.v', 5, 'uint8')
      store.set('key.v', 6)
      expect(store.get('key.v')).to.deep.equal({ type: 'uint8', value: 6 })
      expect(clusterError(() => store.set('key.v', 300)).message).to.contain('explicit type')
      expect(clusterError(() => store.set('key.v', 'text')).message).to.contain('explicit type')
      store.set('key.v', 'text', 'string')
      expect(store.get('key.v')).to.deep.equal({ type: 'string', value: 'text' })
    })
  })
})
