import { expect } from 'chai'
import { LckCodec } from '../../lib/services/lck/messages.js'
import { LckSync } from '../../lib/services/lck/sync.js'
import { LockTable } from '../../lib/services/lck/table.js'
import { type Announcement, tokenFloor, type LockRecord } from '../../lib/services/lck/types.js'
import type { ServiceContext } from '../../lib/services/service.js'
import type { McastResult } from '../../lib/totem/events.js'
import type { NodeId, RingId } from '../../lib/totem/ring-id.js'

const RING: RingId = { rep: 1, seq: 40 }

/** A context that only records sync multicasts (refusing the first `full` with queue-full). */
function syncContext(self: NodeId, sent: Uint8Array[], full = 0): ServiceContext {
  let refuse = full
  return {
    self, now: 0, ringId: RING, members: [1, 2, 3], quorate: true,
    mcast: () => 'ok', syncMcast: (body): McastResult => {
      if (refuse > 0) {
        refuse--
        return 'queue-full'
      }
      sent.push(body)
      return 'ok'
    },
    setTimer: () => {}, cancelTimer: () => {}, emit: () => {}, log: () => {},
  }
}

/** Runs one sync round of several members through the codec and returns the merge (same on every member). */
function round(announcements: Map<NodeId, Announcement>, delay = false, members: readonly NodeId[] = [1, 2, 3]): LockRecord[] {
  const codec = new LckCodec()
  const syncs = members.map(() => new LckSync(codec))
  syncs.forEach((s) => { s.init(members, RING) })
  members.forEach((id) => {
    const sender = new LckSync(codec)
    sender.init(members, RING)
    const sent: Uint8Array[] = []
    const ctx = syncContext(id, sent, 1)
    expect(sender.process(ctx, () => announcements.get(id)!), 'queue full: called again').to.equal(false)
    expect(sender.process(ctx, () => announcements.get(id)!)).to.equal(true)
    for (const body of sent) {
      const m = codec.decode(body)
      if (m?.kind !== 'state') throw new Error('not a state chunk')
      for (const s of syncs) expect(s.onState(id, m)).to.equal(true)
    }
  })
  const results = syncs.map((s) => s.merge(delay).records)
  for (const r of results) expect(big(r)).to.equal(big(results[0]))
  return results[0]!
}

const big = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))

function rec(name: string, lastToken: bigint, holders: [string, NodeId][], waiters: [string, NodeId][] = [], delayed = false): LockRecord {
  return {
    name, lastToken, delayed, holders: holders.map(([id, node], i) => ({ id, node, mode: 'exclusive', token: lastToken - BigInt(holders.length - 1 - i) })),
    waiters: waiters.map(([id, node]) => ({ id, node, mode: 'shared' })),
  }
}

describe('lck/state', () => {
  it('grants strictly FIFO and draws tokens above the ring floor', () => {
    const t = new LockTable()
    t.enqueue('a', { id: 's1', node: 1, mode: 'shared' })
    t.enqueue('a', { id: 'x2', node: 2, mode: 'exclusive' })
    t.enqueue('a', { id: 's3', node: 3, mode: 'shared' })
    const first = t.grant('a', 7)
    expect(first.map((h) => [h.id, h.token])).to.deep.equal([['s1', tokenFloor(7)]])
    expect(t.grantNow('a', { id: 's4', node: 1, mode: 'shared' }, 7), 'someone waits').to.equal(undefined)
    t.removeHolder('s1')
    expect(t.grant('a', 9).map((h) => [h.id, h.token])).to.deep.equal([['x2', tokenFloor(9)]])
    t.removeHolder('x2')
    expect(t.grant('a', 9).map((h) => [h.id, h.token])).to.deep.equal([['s3', tokenFloor(9) + 1n]])
    expect(t.grantNow('a', { id: 's5', node: 2, mode: 'shared' }, 9)?.token).to.equal(tokenFloor(9) + 2n)
    expect(t.get('a')!.lastToken).to.equal(tokenFloor(9) + 2n)
  })

  it('encodes tokens beyond 2^53 exactly and rejects malformed bodies', () => {
    const codec = new LckCodec()
    const token = (1n << 62n) + 12345n
    const m = codec.decode(codec.encode({ kind: 'state', ring: RING, epoch: 39, index: 0, last: true, records: [rec('big', token, [['h', 2]])], live: ['h'] }))
    expect(m?.kind === 'state' && m.records[0]!.lastToken).to.equal(token)
    expect(m?.kind === 'state' && m.records[0]!.holders[0]!.token).to.equal(token)
    expect(codec.decode(Uint8Array.from([0x0a, 0x02, 0x0a, 0x00])), 'acquire without id').to.equal(undefined)
    expect(codec.decode(codec.encode({ kind: 'acquire', id: 'i', name: 'n', mode: 'shared', try: true }))).to.deep.equal({ kind: 'acquire', id: 'i', name: 'n', mode: 'shared', try: true })
  })

  it('merges from the highest epoch (ties to the lowest node), last tokens from everyone, live entries only', () => {
    const merged = round(new Map<NodeId, Announcement>([
      [1, { epoch: 30, records: [rec('a', 5n, [['old', 1]])], live: ['w1'] }],
      [2, { epoch: 38, records: [rec('a', 9n, [['h3', 3]], [['w1', 1], ['gone', 2], ['w4', 4]]), rec('b', 2n, [])], live: [] }],
      [3, { epoch: 38, records: [rec('a', 8n, []), rec('c', 11n, [])], live: ['h3'] }],
    ]))
    expect(merged.map((r) => r.name)).to.deep.equal(['a', 'b', 'c'])
    expect(merged[0]!.holders.map((h) => h.id)).to.deep.equal(['h3'])
    expect(merged[0]!.waiters.map((w) => w.id), 'not live, not a member').to.deep.equal(['w1'])
    expect(merged.map((r) => r.lastToken)).to.deep.equal([9n, 2n, 11n])
  })

  it('delays locks whose holders left when a lock delay is configured, not when they are only released', () => {
    const merged = round(new Map<NodeId, Announcement>([
      [1, { epoch: 38, records: [rec('a', 5n, [['h4', 4]]), rec('b', 3n, [['h2', 2]])], live: [] }],
      [2, { epoch: 38, records: [], live: [] }],
      [3, { epoch: 12, records: [], live: [] }],
    ]), true)
    expect(merged.map((r) => [r.name, r.delayed, r.holders.length])).to.deep.equal([['a', true, 0], ['b', false, 0]])
  })

  it('splits big announcements into chunks and reassembles them', () => {
    const many = Array.from({ length: 700 }, (_, i) => ({ id: `w${i}`, node: 2, mode: 'exclusive' as const }))
    const big700: LockRecord = { name: 'q', lastToken: 3n, delayed: false, holders: [], waiters: many }
    const locks = Array.from({ length: 400 }, (_, i) => rec(`lock-${String(i).padStart(4, '0')}-${'x'.repeat(60)}`, BigInt(i + 1), [[`h${i}`, 1]]))
    const sent: Uint8Array[] = []
    const s = new LckSync(new LckCodec())
    s.init([1, 2], RING)
    const a: Announcement = { epoch: 38, records: [...locks, big700], live: [...locks.map((_, i) => `h${i}`), ...many.map((w) => w.id)] }
    expect(s.process(syncContext(1, sent), () => a)).to.equal(true)
    expect(sent.length).to.be.greaterThan(1)
    const merged = round(new Map<NodeId, Announcement>([[1, a], [2, { epoch: 1, records: [], live: many.map((w) => w.id) }]]), false, [1, 2])
    expect(merged.find((r) => r.name === 'q')!.waiters.map((w) => w.id)).to.deep.equal(many.map((w) => w.id))
    expect(merged.filter((r) => r.holders.length === 1)).to.have.length(400)
  })
})
