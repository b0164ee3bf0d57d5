import { expect } from 'chai'
import type { CmapChange } from '../../lib/services/cmap-types.js'
import { CmapStore, DEFAULT_READ_ONLY } from '../../lib/services/cmap/store.js'
import { clusterError } from './helpers.js'

/** A store whose tracker errors are collected instead of rethrown. */
function recording(): { store: CmapStore; changes: CmapChange[]; errors: unknown[] } {
  const errors: unknown[] = []
  const store = new CmapStore({ onTrackerError: (error) => errors.push(error) })
  const changes: CmapChange[] = []
  store.track('', { prefix: true }, (c) => changes.push(c))
  return { store, changes, errors }
}

describe('cmap/store', () => {
  describe('get, set, delete, iteration', () => {
    it('stores typed entries and returns undefined for missing keys', () => {
      const store = new CmapStore()
      expect(store.set('a.b.c', 'x')).to.equal(true)
      expect(store.get('a.b.c')).to.deep.equal({ type: 'string', value: 'x' })
      expect(store.getValue('a.b.c')).to.equal('x')
      expect(store.get('nope.key')).to.equal(undefined)
      expect(store.getValue('nope.key')).to.equal(undefined)
      expect(store.has('a.b.c')).to.equal(true)
    })

    it('delete removes the key; a missing key is ERR_NOT_EXIST', () => {
      const store = new CmapStore()
      store.set('a.b.c', 1)
      store.delete('a.b.c')
      expect(store.has('a.b.c')).to.equal(false)
      clusterError(() => store.delete('a.b.c'), 'ERR_NOT_EXIST')
    })

    it('keys and entries are filtered by prefix and sorted', () => {
      const store = new CmapStore()
      for (const k of ['totem.token', 'logging.debug', 'totem.join', 'totem.consensus', 'totemx.y']) store.set(k, 1)
      expect(store.keys()).to.deep.equal(['logging.debug', 'totem.consensus', 'totem.join', 'totem.token', 'totemx.y'])
      expect(store.keys('totem.')).to.deep.equal(['totem.consensus', 'totem.join', 'totem.token'])
      expect(store.entries('totem.j')).to.deep.equal([['totem.join', { type: 'uint32', value: 1 }]])
      expect(store.keys('none.')).to.deep.equal([])
    })
  })

  describe('notifications', () => {
    it('identical set is a no-op with no notification', () => {
      const { store, changes } = recording()
      store.set('key.s', 'v')
      store.set('key.b', new Uint8Array([1, 2]))
      store.set('key.n', 5n, 'uint64')
      changes.length = 0
      expect(store.set('key.s', 'v')).to.equal(false)
      expect(store.set('key.b', new Uint8Array([1, 2]))).to.equal(false)
      expect(store.set('key.n', 5, 'uint64')).to.equal(false)
      expect(store.set('key.n', 5)).to.equal(false)
      expect(changes).to.deep.equal([])
    })

    it('same value with another type is a modification', () => {
      const { store, changes } = recording()
      store.set('key.n', 5, 'uint8')
      expect(store.set('key.n', 5, 'uint32')).to.equal(true)
      expect(changes[1]).to.deep.equal({
        kind: 'modify', key: 'key.n', value: { type: 'uint32', value: 5 }, old: { type: 'uint8', value: 5 },
      })
    })

    it('reports add, modify and delete with new and old values', () => {
      const { store, changes } = recording()
      store.set('key.x', 'one')
      store.set('key.x', 'two')
      store.delete('key.x')
      expect(changes).to.deep.equal([
        { kind: 'add', key: 'key.x', value: { type: 'string', value: 'one' }, old: undefined },
        { kind: 'modify', key: 'key.x', value: { type: 'string', value: 'two' }, old: { type: 'string', value: 'one' } },
        { kind: 'delete', key: 'key.x', value: undefined, old: { type: 'string', value: 'two' } },
      ])
    })

    it('callbacks run synchronously, after the change is applied', () => {
      const store = new CmapStore()
      let seen: unknown
      store.track('key.x', {}, () => {
        seen = store.getValue('key.x')
      })
      store.set('key.x', 7)
      expect(seen).to.equal(7)
    })

    it('exact tracking ignores other keys, including longer keys with the same start', () => {
      const store = new CmapStore()
      const got: string[] = []
      store.track('totem.token', {}, (c) => got.push(c.key))
      store.set('totem.token', 1)
      store.set('totem.token_retransmit', 1)
      store.set('totem.join', 1)
      expect(got).to.deep.equal(['totem.token'])
    })

    it('prefix tracking sees every key under the prefix', () => {
      const store = new CmapStore()
      const got: string[] = []
      store.track('totem.', { prefix: true }, (c) => got.push(c.key))
      store.set('totem.token', 1)
      store.set('totem.join', 1)
      store.set('quorum.provider', 'x')
      expect(got).to.deep.equal(['totem.token', 'totem.join'])
    })

    it('event filters select the kinds reported', () => {
      const store = new CmapStore()
      const got: string[] = []
      store.track('key.x', { events: ['delete'] }, (c) => got.push(`d:${c.key}`))
      store.track('key.', { prefix: true, events: ['add', 'modify'] }, (c) => got.push(`${c.kind}:${c.key}`))
      store.set('key.x', 1)
      store.set('key.x', 2)
      store.delete('key.x')
      expect(got).to.deep.equal(['add:key.x', 'modify:key.x', 'd:key.x'])
    })

    it('untrack stops notifications and is idempotent', () => {
      const store = new CmapStore()
      let n = 0
      const untrack = store.track('key.x', {}, () => n++)
      store.set('key.x', 1)
      untrack()
      untrack()
      store.set('key.x', 2)
      expect(n).to.equal(1)
    })

    it('calls exact and prefix trackers in registration order', () => {
      const store = new CmapStore()
      const got: string[] = []
      store.track('key.', { prefix: true }, () => got.push('p1'))
      store.track('key.x', {}, () => got.push('e1'))
      store.track('', { prefix: true }, () => got.push('p2'))
      store.track('key.x', {}, () => got.push('e2'))
      store.set('key.x', 1)
      expect(got).to.deep.equal(['p1', 'e1', 'p2', 'e2'])
    })

    it('a tracker removed by an earlier callback of the same change is not called', () => {
      const store = new CmapStore()
      const got: string[] = []
      let untrackSecond = (): void => {}
      store.track('key.x', {}, () => {
        got.push('first')
        untrackSecond()
      })
      untrackSecond = store.track('key.x', {}, () => got.push('second'))
      store.set('key.x', 1)
      expect(got).to.deep.equal(['first'])
    })

    it('a throwing tracker does not stop the others nor the write', () => {
      const { store, errors } = recording()
      const got: string[] = []
      store.track('key.x', {}, () => {
        throw new Error('boom')
      })
      store.track('key.x', {}, (c) => got.push(c.kind))
      expect(store.set('key.x', 1)).to.equal(true)
      expect(store.getValue('key.x')).to.equal(1)
      expect(got).to.deep.equal(['add'])
      expect(errors).to.have.length(1)
      expect((errors[0] as Error).message).to.equal('boom')
    })

    it('by default a tracker error is rethrown asynchronously', async () => {
      const store = new CmapStore()
      store.track('key.x', {}, () => {
        throw new Error('late boom')
      })
      const listeners = process.listeners('uncaughtException')
      process.removeAllListeners('uncaughtException')
      try {
        const caught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve))
        expect(() => store.set('key.x', 1)).not.to.throw()
        expect(((await caught) as Error).message).to.equal('late boom')
      } finally {
        for (const l of listeners) process.on('uncaughtException', l)
      }
    })

    it('validates track arguments', () => {
      const store = new CmapStore()
      clusterError(() => store.track('ab', {}, () => {}))
      clusterError(() => store.track('bad prefix', { prefix: true }, () => {}))
      clusterError(() => store.track('key.x', { events: [] }, () => {}))
      clusterError(() => store.track('key.x', { events: ['change' as never] }, () => {}))
      store.track('ab', { prefix: true }, () => {})
    })
  })

  describe('read-only keys', () => {
    it('client writes to read-only keys and prefixes are refused, internal writes allowed', () => {
      const store = new CmapStore()
      for (const key of ['totem.cluster_name', 'quorum.wait_for_all', 'runtime.totem.stats.srp.mcast_tx', 'nodelist.node.0.nodeid']) {
        expect(clusterError(() => store.set(key, 1, 'uint32', { client: true })).message).to.contain('read-only')
        expect(store.set(key, 1, 'uint32')).to.equal(true)
        expect(store.set(key, 2, 'uint32', { client: false })).to.equal(true)
        clusterError(() => store.delete(key, { client: true }))
        clusterError(() => store.adjust(key, 1, { client: true }))
        expect(store.getValue(key)).to.equal(2)
      }
      store.set('totem.token', 5000, 'uint32', { client: true })
      store.set('logging.debug', 'on', 'string', { client: true })
      store.delete('logging.debug', { client: true })
    })

    it('has corosync defaults and accepts replacement rules', () => {
      const store = new CmapStore()
      expect(store.isReadOnly('system.qb_ipc_type')).to.equal(true)
      expect(store.isReadOnly('totem.token')).to.equal(false)
      expect(DEFAULT_READ_ONLY.keys).to.include('totem.nodeid')
      const custom = new CmapStore({ readOnly: { prefixes: ['app.'], keys: ['other.key'] } })
      expect(custom.isReadOnly('app.x')).to.equal(true)
      expect(custom.isReadOnly('other.key')).to.equal(true)
      expect(custom.isReadOnly('system.x')).to.equal(false)
    })

    it('setReadOnly adds and removes rules at runtime', () => {
      const store = new CmapStore()
      store.setReadOnly('app.lock', false)
      clusterError(() => store.set('app.lock', 1, undefined, { client: true }))
      store.setReadOnly('app.lock', false, false)
      store.set('app.lock', 1, undefined, { client: true })
      store.setReadOnly('app.', true)
      expect(store.isReadOnly('app.other')).to.equal(true)
    })
  })

  describe('adjust', () => {
    it('increments and decrements integer keys and notifies', () => {
      const { store, changes } = recording()
      store.set('key.n', 10, 'int32')
      expect(store.adjust('key.n', 1)).to.equal(11)
      expect(store.adjust('key.n', -5)).to.equal(6)
      expect(store.get('key.n')).to.deep.equal({ type: 'int32', value: 6 })
      expect(changes.map((c) => c.kind)).to.deep.equal(['add', 'modify', 'modify'])
    })

    it('wraps at the type width like C arithmetic', () => {
      const store = new CmapStore()
      store.set('key.u8', 255, 'uint8')
      expect(store.adjust('key.u8', 1)).to.equal(0)
      store.set('key.i8', 127, 'int8')
      expect(store.adjust('key.i8', 1)).to.equal(-128)
      store.set('key.u64', 0, 'uint64')
      expect(store.adjust('key.u64', -1)).to.equal(2n ** 64n - 1n)
      expect(store.adjust('key.u64', 1n)).to.equal(0)
    })

    it('refuses missing keys, non-integer keys and non-integer steps', () => {
      const store = new CmapStore()
      clusterError(() => store.adjust('key.none', 1), 'ERR_NOT_EXIST')
      store.set('key.d', 1.5)
      clusterError(() => store.adjust('key.d', 1))
      store.set('key.s', 's')
      clusterError(() => store.adjust('key.s', 1))
      store.set('key.n', 1)
      clusterError(() => store.adjust('key.n', 0.5))
    })
  })

  describe('bounds', () => {
    it('refuses new keys beyond maxKeys but still allows updates', () => {
      const store = new CmapStore({ maxKeys: 2 })
      store.set('key.a', 1)
      store.set('key.b', 1)
      expect(clusterError(() => store.set('key.c', 1)).message).to.contain('full')
      store.set('key.a', 2)
      store.delete('key.b')
      store.set('key.c', 1)
    })

    it('refuses values larger than maxValueBytes (strings as UTF-8)', () => {
      const store = new CmapStore({ maxValueBytes: 4 })
      store.set('key.s', 'abcd')
      clusterError(() => store.set('key.s', 'abcde'))
      clusterError(() => store.set('key.s', 'ééé'))
      clusterError(() => store.set('key.b', new Uint8Array(5)))
      expect(store.getValue('key.s')).to.equal('abcd')
    })

    it('defaults to 1 MiB values', () => {
      const store = new CmapStore()
      store.set('key.b', new Uint8Array(1024 * 1024))
      clusterError(() => store.set('key.b', new Uint8Array(1024 * 1024 + 1)))
    })

    it('validates its own options', () => {
      clusterError(() => new CmapStore({ maxKeys: 0 }))
      clusterError(() => new CmapStore({ maxValueBytes: 1.5 }))
    })
  })
})
