import { expect } from 'chai'
import type { NodeId, RingId } from '../../lib/totem/ring-id.js'
import { MCAST_FRAME_OVERHEAD_MAX } from '../../lib/totem/engine.js'
import { FrameCodec, NODES_MAX, RTR_ENTRIES_MAX, clusterHash, withChecksum, type DecodeResult } from '../../lib/wire/codec.js'
import type {
  CommitEntry, CommitToken, Frame, FrameBody, Mcast, MembJoin, OrfToken, RtrItem,
} from '../../lib/wire/frames.js'
import { PROTOCOL_VERSION } from '../../lib/wire/frames.js'
import { loadProto } from '../../lib/wire/proto-files.js'

const CLUSTER = 'alpha'
const NODES: readonly NodeId[] = [1, 2, 3, 7, 0xffffffff]
/** Default netmtu 1500 minus IPv4 (20) and UDP (8) headers. */
const DATAGRAM = 1472
const U32_MAX = 0xffffffff
/** Ring seqs travel as uint64 but the codec only accepts values a JS number holds exactly. */
const RING_SEQ_MAX = Number.MAX_SAFE_INTEGER

const codec = new FrameCodec({ clusterName: CLUSTER, nodes: NODES, frameSizeMax: DATAGRAM })
/** Without the checksum (secauth mode): what the body checks face from a sender that forges valid frames. */
const plainBody = new FrameCodec({ clusterName: CLUSTER, nodes: NODES, frameSizeMax: DATAGRAM, checksum: false })

/** mulberry32: tiny, seeded, so that a failing fuzz case replays identically. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function ring(rep: NodeId, seq: number): RingId {
  return { rep, seq }
}

function token(rtrCount: number, over: Partial<OrfToken> = {}): OrfToken {
  const rtr: RtrItem[] = []
  for (let i = 0; i < rtrCount; i++) rtr.push({ ringId: ring(i % 2 === 0 ? 1 : 3, 8 + 4 * (i % 3)), seq: 100 + i })
  return {
    kind: 'token', ringId: ring(1, 12), tokenSeq: 41, seq: 99, aru: 95, aruAddr: 3,
    backlog: 4, fcc: 17, retransFlg: true, rtr, ...over,
  }
}

function mcast(over: Partial<Mcast> = {}): Mcast {
  return {
    kind: 'mcast', ringId: ring(1, 12), seq: 7, origin: 2, guarantee: 'agreed',
    payload: new Uint8Array([0, 1, 2, 250, 255]), recovered: undefined, ...over,
  }
}

function join(over: Partial<MembJoin> = {}): MembJoin {
  return { kind: 'join', procList: [1, 2, 3], failedList: [7], ringSeq: 16, leave: false, ...over }
}

function entry(ringId: RingId, aru: number): CommitEntry {
  return { ringId, aru, highDelivered: (aru + 3) >>> 0, receivedFlg: aru % 2 === 0, safeUpTo: (aru + 1) >>> 0 }
}

function commit(over: Partial<CommitToken> = {}): CommitToken {
  return {
    kind: 'commit', ringId: ring(1, 20), tokenSeq: 2, members: [1, 2, 3, 7],
    entries: [entry(ring(1, 16), 40), entry(ring(0, 0), 0)], membIndex: 2, ...over,
  }
}

function frame(body: FrameBody, sender: NodeId = 2): Frame {
  return { sender, body }
}

function roundTrip(f: Frame, c: FrameCodec = codec): Frame {
  const result = c.decode(c.encode(f))
  if (!result.ok) expect.fail(`expected ${f.body.kind} to decode, dropped as ${result.reason}: ${result.detail}`)
  return result.frame
}

function dropped(result: DecodeResult): { reason: string; detail: string } {
  if (result.ok) expect.fail(`expected a drop, decoded ${JSON.stringify(result.frame.body.kind)}`)
  return result
}

/** A codec that accepts anything, used to put frames on the wire that the real codec must refuse. */
function permissive(extraNodes: readonly NodeId[], clusterName = CLUSTER): FrameCodec {
  return new FrameCodec({ clusterName, nodes: [...NODES, ...extraNodes], frameSizeMax: 1 << 20 })
}

// Reflection over proto/ (toObject, fromObject), independent of the generated code the codec uses.
const frameType = loadProto('totem.proto').lookupType('tsha.totem.v1.Frame')

describe('wire/codec', () => {
  describe('clusterHash', () => {
    it('is FNV-1a 32 over the UTF-8 bytes', () => {
      // Reference values of FNV-1a 32; a change here would split every running cluster.
      expect(clusterHash('')).to.equal(0x811c9dc5)
      expect(clusterHash('a')).to.equal(0xe40c292c)
      expect(clusterHash('foobar')).to.equal(0xbf9cf968)
    })

    it('is unsigned and distinguishes names that differ only in non-ASCII bytes', () => {
      const a = clusterHash('clüster')
      const b = clusterHash('clúster')
      expect(a).to.be.at.least(0).and.at.most(U32_MAX)
      expect(Number.isInteger(a)).to.equal(true)
      expect(a).to.not.equal(b)
    })
  })

  describe('round trip', () => {
    it('token without retransmit requests', () => {
      const f = frame(token(0))
      expect(roundTrip(f)).to.deep.equal(f)
    })

    it(`token with ${RTR_ENTRIES_MAX} retransmit requests`, () => {
      const f = frame(token(RTR_ENTRIES_MAX))
      const back = roundTrip(f)
      expect(back).to.deep.equal(f)
      expect((back.body as OrfToken).rtr).to.have.length(RTR_ENTRIES_MAX)
    })

    it('token with aru_addr 0 (nobody behind) and retrans_flg false', () => {
      const f = frame(token(1, { aruAddr: 0, retransFlg: false, backlog: 0, fcc: 0 }))
      expect(roundTrip(f)).to.deep.equal(f)
    })

    it('mcast with agreed and safe guarantees', () => {
      for (const guarantee of ['agreed', 'safe'] as const) {
        const f = frame(mcast({ guarantee }))
        expect(roundTrip(f)).to.deep.equal(f)
      }
    })

    it('mcast with an empty payload', () => {
      const f = frame(mcast({ payload: new Uint8Array(0) }))
      const back = roundTrip(f).body as Mcast
      // protobufjs leaves an empty bytes field off the wire and decodes its absence as a plain [].
      expect(back.payload).to.be.an.instanceOf(Uint8Array)
      expect(back.payload).to.have.length(0)
      expect(back.recovered).to.equal(undefined)
    })

    it('mcast carrying a recovered old-ring message', () => {
      const inner = mcast({ ringId: ring(3, 8), seq: 1234, origin: 7, guarantee: 'safe' })
      const f = frame(mcast({ ringId: ring(1, 12), seq: 1, origin: 2, payload: new Uint8Array(0), recovered: inner }))
      const back = roundTrip(f)
      expect(back).to.deep.equal(f)
      expect((back.body as Mcast).recovered?.origin).to.equal(7)
    })

    it('join and leave', () => {
      for (const f of [frame(join()), frame(join({ leave: true, procList: [2], failedList: [] }))]) {
        expect(roundTrip(f)).to.deep.equal(f)
      }
    })

    it('join with empty lists', () => {
      const f = frame(join({ procList: [], failedList: [] }))
      expect(roundTrip(f)).to.deep.equal(f)
    })

    it('commit token with entries, including a member that never had a ring (rep 0)', () => {
      const f = frame(commit())
      const back = roundTrip(f)
      expect(back).to.deep.equal(f)
      expect((back.body as CommitToken).entries[1]?.ringId).to.deep.equal({ rep: 0, seq: 0 })
    })

    it('commit token at the start (no entries) and after the full rotation', () => {
      const start = frame(commit({ entries: [], membIndex: 0 }))
      const members = [1, 2, 3, 7]
      const full = frame(commit({ members, membIndex: 4, entries: members.map((id, i) => entry(ring(id, 4 * i), 10 + i)) }))
      expect(roundTrip(start)).to.deep.equal(start)
      expect(roundTrip(full)).to.deep.equal(full)
    })

    it('merge-detect and hold-cancel', () => {
      for (const f of [frame({ kind: 'merge-detect', ringId: ring(2, 44) }), frame({ kind: 'hold-cancel', ringId: ring(1, 48) })]) {
        expect(roundTrip(f)).to.deep.equal(f)
      }
    })

    it('keeps 64-bit ring seqs above 2^32 exact', () => {
      const seqs = [2 ** 32, 2 ** 32 + 4, 2 ** 40 + 1, RING_SEQ_MAX]
      for (const seq of seqs) {
        const bodies: FrameBody[] = [
          token(2, { ringId: ring(1, seq), rtr: [{ ringId: ring(3, seq - 4), seq: 1 }] }),
          mcast({ ringId: ring(1, seq), recovered: mcast({ ringId: ring(2, seq - 4) }) }),
          join({ ringSeq: seq }),
          commit({ ringId: ring(1, seq), entries: [entry(ring(2, seq - 4), 3), entry(ring(3, seq - 8), 5)] }),
          { kind: 'merge-detect', ringId: ring(7, seq) },
          { kind: 'hold-cancel', ringId: ring(7, seq) },
        ]
        for (const body of bodies) expect(roundTrip(frame(body))).to.deep.equal(frame(body))
      }
    })

    it('keeps 32-bit seqs at 0xffffffff (the wrap point)', () => {
      const t = frame(token(1, { tokenSeq: U32_MAX, seq: U32_MAX, aru: U32_MAX, backlog: U32_MAX, fcc: U32_MAX, rtr: [{ ringId: ring(1, 8), seq: U32_MAX }] }))
      const m = frame(mcast({ seq: U32_MAX, recovered: mcast({ seq: U32_MAX }) }))
      const c = frame(commit({ tokenSeq: U32_MAX, entries: [entry(ring(1, 8), U32_MAX), entry(ring(2, 8), 0)] }))
      for (const f of [t, m, c]) expect(roundTrip(f)).to.deep.equal(f)
    })

    it('puts the protocol version and cluster hash of the encoder on the wire', () => {
      const raw = frameType.decode(codec.encode(frame(join(), 3))) as unknown as Record<string, unknown>
      expect(raw['version']).to.equal(PROTOCOL_VERSION)
      expect(raw['cluster']).to.equal(clusterHash(CLUSTER))
      expect(raw['sender']).to.equal(3)
    })
  })

  describe('drops', () => {
    it('a datagram of another protocol version, with a checksum or without one (version 1 had none)', () => {
      for (const version of [0, 1, PROTOCOL_VERSION + 100]) {
        const bytes = frameType.encode({ version, cluster: clusterHash(CLUSTER), sender: 1, mergeDetect: { ringId: { rep: 1, seq: 4 } } }).finish()
        expect(dropped(codec.decode(bytes)).reason, `v${version} plain`).to.equal('version')
        expect(dropped(codec.decode(withChecksum(bytes))).reason, `v${version} with checksum`).to.equal('version')
      }
    })

    it('checks the version before the cluster (a future header may move the hash)', () => {
      const bytes = frameType.encode({ version: 1, cluster: clusterHash('other'), sender: 1 }).finish()
      expect(dropped(codec.decode(withChecksum(bytes))).reason).to.equal('version')
    })

    it('a frame of another cluster sharing the port', () => {
      const foreign = new FrameCodec({ clusterName: 'beta', nodes: NODES, frameSizeMax: DATAGRAM })
      const result = dropped(codec.decode(foreign.encode(frame(mcast()))))
      expect(result.reason).to.equal('cluster')
      // The same bytes are fine for their own cluster: only the hash differs.
      expect(foreign.decode(foreign.encode(frame(mcast()))).ok).to.equal(true)
    })

    it('a frame from a node outside the nodelist', () => {
      for (const sender of [0, 4, 0xfffffffe]) {
        const result = dropped(codec.decode(permissive([sender]).encode(frame(join(), sender))))
        expect(result.reason).to.equal('sender')
        expect(result.detail).to.contain(String(sender))
      }
    })

    it('an oversize datagram, and accepts one of exactly frameSizeMax bytes', () => {
      const small = new FrameCodec({ clusterName: CLUSTER, nodes: NODES, frameSizeMax: 100 })
      // Measured with one payload byte: protobufjs leaves an empty bytes field off the wire entirely.
      const overhead = small.encode(frame(mcast({ payload: new Uint8Array(1) }))).length - 1
      // Payloads under 128 bytes keep a 1-byte length prefix, so overhead + payload is exact.
      const fits = small.encode(frame(mcast({ payload: new Uint8Array(100 - overhead) })))
      expect(fits.length).to.equal(100)
      expect(small.decode(fits).ok).to.equal(true)
      const over = small.encode(frame(mcast({ payload: new Uint8Array(101 - overhead) })))
      expect(over.length).to.equal(101)
      expect(dropped(small.decode(over)).reason).to.equal('oversize')
    })

    it('a frame without a body', () => {
      const bytes = frameType.encode({ version: PROTOCOL_VERSION, cluster: clusterHash(CLUSTER), sender: 1 }).finish()
      expect(dropped(codec.decode(withChecksum(bytes))).reason).to.equal('malformed')
    })

    it('bodies that name nodes outside the nodelist', () => {
      const wide = permissive([5, 9])
      const cases: Array<[string, FrameBody]> = [
        ['token ring rep', token(0, { ringId: ring(5, 12) })],
        ['token aru_addr', token(0, { aruAddr: 9 })],
        ['rtr ring rep', token(2, { rtr: [{ ringId: ring(1, 8), seq: 1 }, { ringId: ring(9, 8), seq: 2 }] })],
        ['mcast ring rep', mcast({ ringId: ring(9, 12) })],
        ['mcast origin', mcast({ origin: 5 })],
        ['recovered origin', mcast({ recovered: mcast({ origin: 9 }) })],
        ['recovered ring rep', mcast({ recovered: mcast({ ringId: ring(5, 8) }) })],
        ['join proc list', join({ procList: [1, 2, 9] })],
        ['join failed list', join({ failedList: [5] })],
        ['commit members', commit({ members: [1, 2, 5], entries: [], membIndex: 0 })],
        ['commit ring rep', commit({ ringId: ring(9, 20) })],
        ['commit entry ring rep', commit({ entries: [entry(ring(5, 16), 1), entry(ring(1, 16), 1)] })],
        ['merge-detect ring rep', { kind: 'merge-detect', ringId: ring(9, 4) }],
        ['hold-cancel ring rep', { kind: 'hold-cancel', ringId: ring(5, 4) }],
      ]
      for (const [what, body] of cases) {
        const bytes = wide.encode(frame(body))
        // The permissive codec proves the frame itself is well formed.
        expect(wide.decode(bytes).ok, what).to.equal(true)
        expect(dropped(codec.decode(bytes)).reason, what).to.equal('malformed')
      }
    })

    it('a commit entry whose ring seq is not a safe integer, even for a node that never had a ring', () => {
      const raw = frameType.toObject(frameType.decode(plainBody.encode(frame(commit()))), { longs: String }) as {
        commit: { entries: Array<{ ringId: { rep: number; seq: string } }> }
      }
      for (const rep of [1, 0]) {
        const target = raw.commit.entries[0]!
        target.ringId = { rep, seq: '18446744073709551615' }
        const bytes = frameType.encode(frameType.fromObject(raw)).finish()
        expect(dropped(codec.decode(withChecksum(bytes))).reason, `rep ${rep}`).to.equal('malformed')
      }
    })

    it('a mcast recovered twice over (recovery never nests)', () => {
      const nested = mcast({ recovered: mcast({ recovered: mcast() }) })
      expect(dropped(codec.decode(codec.encode(frame(nested)))).reason).to.equal('malformed')
    })

    it(`a token with more than ${RTR_ENTRIES_MAX} retransmit requests`, () => {
      expect(codec.decode(codec.encode(frame(token(RTR_ENTRIES_MAX)))).ok).to.equal(true)
      const result = dropped(codec.decode(codec.encode(frame(token(RTR_ENTRIES_MAX + 1)))))
      expect(result.reason).to.equal('malformed')
      expect(result.detail).to.contain('retransmit')
    })

    it(`node lists longer than NODES_MAX (${NODES_MAX})`, () => {
      const many = Array.from({ length: NODES_MAX + 1 }, (_, i) => i + 1)
      const wide = new FrameCodec({ clusterName: CLUSTER, nodes: many, frameSizeMax: 1 << 20 })
      const ok = wide.decode(wide.encode(frame(join({ procList: many.slice(0, NODES_MAX), failedList: [] }), 1)))
      expect(ok.ok).to.equal(true)
      expect(dropped(wide.decode(wide.encode(frame(join({ procList: many, failedList: [] }), 1)))).reason).to.equal('malformed')
      expect(dropped(wide.decode(wide.encode(frame(join({ procList: [], failedList: many }), 1)))).reason).to.equal('malformed')
    })
  })

  describe('commit token structure', () => {
    function rejects(body: CommitToken, because: string): void {
      const result = dropped(codec.decode(codec.encode(frame(body))))
      expect(result.reason).to.equal('malformed')
      expect(result.detail).to.contain(because)
    }

    it('entries must match memb_index', () => {
      rejects(commit({ membIndex: 1 }), 'memb_index')
      rejects(commit({ membIndex: 3 }), 'memb_index')
      rejects(commit({ entries: [], membIndex: 1 }), 'memb_index')
    })

    it('memb_index may not run past the member list', () => {
      const entries = [1, 2, 3, 7, 1].map((id) => entry(ring(id, 4), 1))
      rejects(commit({ entries, membIndex: 5 }), 'memb_index')
    })

    it('members must be strictly ascending', () => {
      rejects(commit({ members: [1, 3, 2, 7] }), 'ascending')
      rejects(commit({ members: [1, 2, 2, 7] }), 'ascending')
    })

    it('members must not be empty', () => {
      rejects(commit({ members: [], entries: [], membIndex: 0 }), 'without members')
    })
  })

  describe('malformed input never throws (body checks, as secauth mode or a forger meets them)', () => {
    const samples = (): Frame[] => [
      frame(token(3)), frame(token(0, { aruAddr: 0 })), frame(mcast()), frame(mcast({ recovered: mcast({ origin: 3 }) })),
      frame(join()), frame(join({ leave: true })), frame(commit()), frame(commit({ entries: [], membIndex: 0 })),
      frame({ kind: 'merge-detect', ringId: ring(1, 4) }), frame({ kind: 'hold-cancel', ringId: ring(2, 2 ** 33) }),
    ]

    function accept(bytes: Uint8Array, counts: Record<string, number>): void {
      let result: DecodeResult
      try {
        result = plainBody.decode(bytes)
      } catch (error) {
        expect.fail(`decode threw on ${Buffer.from(bytes).toString('hex')}: ${String(error)}`)
      }
      const key = result.ok ? 'ok' : result.reason
      counts[key] = (counts[key] ?? 0) + 1
      if (result.ok) expectValidFrame(result.frame, bytes)
    }

    it('10k random garbage datagrams are dropped or decode to a valid frame', () => {
      const rnd = prng(0xc0ffee)
      const counts: Record<string, number> = {}
      for (let i = 0; i < 10_000; i++) {
        const bytes = new Uint8Array(Math.floor(rnd() * 200))
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256)
        accept(bytes, counts)
      }
      expect(counts['malformed'] ?? 0, JSON.stringify(counts)).to.be.greaterThan(1000)
    })

    it('10k garbage bodies behind a valid header reach the body checks without throwing', () => {
      const rnd = prng(7)
      const header = frameType.encode({ version: PROTOCOL_VERSION, cluster: clusterHash(CLUSTER), sender: 2 }).finish()
      const counts: Record<string, number> = {}
      for (let i = 0; i < 10_000; i++) {
        const body = new Uint8Array(Math.floor(rnd() * 120))
        // Start with a valid body tag (fields 10..15, length-delimited) so protobufjs gets past the header.
        body[0] = ((10 + Math.floor(rnd() * 6)) << 3) | 2
        body[1] = Math.max(0, body.length - 2)
        for (let j = 2; j < body.length; j++) body[j] = Math.floor(rnd() * 256)
        accept(Buffer.concat([header, body]), counts)
      }
      // The garbage sits inside one length-delimited body field, so the header always passes.
      expect(Object.keys(counts).sort(), JSON.stringify(counts)).to.deep.equal(['malformed', 'ok'])
      expect(counts['malformed'], JSON.stringify(counts)).to.be.greaterThan(5_000)
    })

    it('10k mutations of valid frames (bit flips, truncation, splices) never throw', () => {
      const rnd = prng(42)
      const encoded = samples().map((f) => plainBody.encode(f))
      const counts: Record<string, number> = {}
      for (let i = 0; i < 10_000; i++) {
        const base = encoded[Math.floor(rnd() * encoded.length)]!
        const bytes = Uint8Array.from(base)
        const mode = Math.floor(rnd() * 3)
        if (mode === 0) {
          for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
            const at = Math.floor(rnd() * bytes.length)
            bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(rnd() * 8))
          }
          accept(bytes, counts)
        } else if (mode === 1) {
          accept(bytes.subarray(0, Math.floor(rnd() * bytes.length)), counts)
        } else {
          const at = Math.floor(rnd() * bytes.length)
          const junk = Uint8Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256))
          accept(Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]), counts)
        }
      }
      // Both outcomes must be exercised, or the fuzzer is not testing the body validation.
      expect(counts['ok'] ?? 0, JSON.stringify(counts)).to.be.greaterThan(100)
      expect(counts['malformed'] ?? 0, JSON.stringify(counts)).to.be.greaterThan(100)
    })
  })

  describe('worst-case encoded sizes', () => {
    const top = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => U32_MAX - n + 1 + i)
    const maxRing = ring(U32_MAX, RING_SEQ_MAX)

    function maxToken(): Frame {
      const rtr = Array.from({ length: RTR_ENTRIES_MAX }, () => ({ ringId: maxRing, seq: U32_MAX }))
      return frame(token(0, {
        ringId: maxRing, tokenSeq: U32_MAX, seq: U32_MAX, aru: U32_MAX, aruAddr: U32_MAX,
        backlog: U32_MAX, fcc: U32_MAX, retransFlg: true, rtr,
      }), U32_MAX)
    }

    function maxCommit(n: number): Frame {
      const entries = Array.from({ length: n }, () => ({ ringId: maxRing, aru: U32_MAX, highDelivered: U32_MAX, receivedFlg: true, safeUpTo: U32_MAX }))
      return frame({ kind: 'commit', ringId: maxRing, tokenSeq: U32_MAX, members: top(n), entries, membIndex: n }, U32_MAX)
    }

    function maxJoin(n: number): Frame {
      return frame({ kind: 'join', procList: top(n), failedList: top(n), ringSeq: RING_SEQ_MAX, leave: true }, U32_MAX)
    }

    function maxMcast(payload: number, recovered?: Mcast): Frame {
      return frame({
        kind: 'mcast', ringId: maxRing, seq: U32_MAX, origin: U32_MAX, guarantee: 'safe',
        payload: new Uint8Array(payload), recovered,
      }, U32_MAX)
    }

    const size = (f: Frame): number => codec.encode(f).length

    /** Envelope bytes around a payload of each length a datagram can carry; the length prefixes grow at 128 bytes. */
    function overhead(wrap: (payload: number) => Frame): { min: number; max: number } {
      let min = Infinity
      let max = 0
      for (let len = 0; len <= DATAGRAM; len++) {
        const o = size(wrap(len)) - len
        min = Math.min(min, o)
        max = Math.max(max, o)
      }
      return { min, max }
    }

    const inner = (len: number): Mcast => maxMcast(len).body as Mcast
    const recoveredFrame = (len: number): Frame => maxMcast(0, inner(len))

    const measure = () => ({
      token30: size(maxToken()),
      commit32: size(maxCommit(32)),
      commitMax: size(maxCommit(NODES_MAX)),
      join32: size(maxJoin(32)),
      joinMax: size(maxJoin(NODES_MAX)),
      mergeDetect: size(frame({ kind: 'merge-detect', ringId: maxRing }, U32_MAX)),
      mcastOverhead: overhead((len) => maxMcast(len)),
      recoveredOverhead: overhead(recoveredFrame),
      encapsulation: (() => {
        let max = 0
        for (let len = 0; len <= DATAGRAM; len++) max = Math.max(max, size(recoveredFrame(len)) - size(maxMcast(len)))
        return max
      })(),
    })

    let sizes: ReturnType<typeof measure>
    before(() => {
      sizes = measure()
      console.log(`      frame-size bounds (bytes): ${JSON.stringify(sizes)}`)
    })

    it('the max-value frames are themselves valid (the bound is reachable)', () => {
      const wide = new FrameCodec({ clusterName: CLUSTER, nodes: top(NODES_MAX), frameSizeMax: 1 << 20 })
      for (const f of [maxToken(), maxCommit(32), maxCommit(NODES_MAX), maxJoin(NODES_MAX), maxMcast(10, inner(10))]) {
        const result = wide.decode(wide.encode(f))
        expect(result.ok, f.body.kind).to.equal(true)
        if (result.ok) expect(result.frame).to.deep.equal(f)
      }
    })

    it('tokens, joins and commit tokens for up to 32 nodes fit one 1472-byte datagram', () => {
      expect(sizes.token30).to.be.at.most(DATAGRAM)
      expect(sizes.commit32).to.be.at.most(DATAGRAM)
      expect(sizes.join32).to.be.at.most(DATAGRAM)
      expect(sizes.joinMax).to.be.at.most(DATAGRAM)
      expect(sizes.mergeDetect).to.be.at.most(DATAGRAM)
    })

    it('a re-originated mcast, checksum included, stays within the MCAST_FRAME_OVERHEAD_MAX the packer budgets for', () => {
      expect(sizes.recoveredOverhead.max).to.be.at.most(MCAST_FRAME_OVERHEAD_MAX)
    })

    it('grows linearly in the node count, as the per-entry arithmetic says', () => {
      // Per commit entry: ring id (2 + 5 + 1 + 8) + aru (6) + high_delivered (6) + safe_up_to (6) + flag (2) + tag/len (2); per member 5.
      expect(size(maxCommit(2)) - size(maxCommit(1))).to.equal(39 + 5)
      // Per node in each join list: one 5-byte varint in a packed field.
      expect(size(maxJoin(5)) - size(maxJoin(4))).to.equal(10)
      // NODES_MAX is chosen so that the largest commit token still fits one 1500-byte MTU datagram.
      expect(sizes.commitMax).to.be.at.most(1472)
    })

    it('random frames never exceed the computed bounds', () => {
      const rnd = prng(1234)
      const u32 = (): number => Math.floor(rnd() * 2 ** 32)
      const anyRing = (): RingId => ring(1 + Math.floor(rnd() * U32_MAX), Math.floor(rnd() * RING_SEQ_MAX))
      for (let i = 0; i < 500; i++) {
        const rtr = Array.from({ length: Math.floor(rnd() * (RTR_ENTRIES_MAX + 1)) }, () => ({ ringId: anyRing(), seq: u32() }))
        const t = token(0, { ringId: anyRing(), tokenSeq: u32(), seq: u32(), aru: u32(), aruAddr: u32(), backlog: u32(), fcc: u32(), retransFlg: rnd() < 0.5, rtr })
        expect(size(frame(t, u32()))).to.be.at.most(sizes.token30)
        const n = 1 + Math.floor(rnd() * NODES_MAX)
        const members = [...new Set(Array.from({ length: n }, u32))].sort((a, b) => a - b)
        const entries = members.map(() => ({ ringId: anyRing(), aru: u32(), highDelivered: u32(), receivedFlg: rnd() < 0.5, safeUpTo: u32() }))
        expect(size(frame(commit({ ringId: anyRing(), tokenSeq: u32(), members, entries, membIndex: entries.length }), u32()))).to.be.at.most(sizes.commitMax)
        expect(size(frame(join({ procList: members, failedList: members, ringSeq: anyRing().seq, leave: rnd() < 0.5 }), u32()))).to.be.at.most(sizes.joinMax)
        const len = Math.floor(rnd() * DATAGRAM)
        const m = mcast({ ringId: anyRing(), seq: u32(), origin: u32(), guarantee: rnd() < 0.5 ? 'safe' : 'agreed', payload: new Uint8Array(len) })
        expect(size(frame(m, u32())) - len).to.be.at.most(sizes.mcastOverhead.max)
        const r = mcast({ ringId: anyRing(), seq: u32(), origin: u32(), payload: new Uint8Array(0), recovered: m })
        expect(size(frame(r, u32())) - len).to.be.at.most(sizes.recoveredOverhead.max)
      }
    })
  })
})

/** Everything the protocol core may assume about a frame the codec let through. */
function expectValidFrame(f: Frame, bytes: Uint8Array): void {
  const where = Buffer.from(bytes).toString('hex')
  const listed = (id: number): boolean => NODES.includes(id)
  const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= U32_MAX
  const ringOk = (r: RingId, allowNone = false): boolean =>
    (listed(r.rep) || (allowNone && r.rep === 0)) && Number.isSafeInteger(r.seq) && r.seq >= 0
  const ok = (cond: boolean, what: string): void => {
    if (!cond) expect.fail(`accepted an invalid frame (${what}): ${where}`)
  }
  ok(listed(f.sender), 'sender')
  const b = f.body
  switch (b.kind) {
    case 'token':
      ok(ringOk(b.ringId) && b.rtr.length <= RTR_ENTRIES_MAX && b.rtr.every((r) => ringOk(r.ringId) && u32(r.seq)), 'token rings')
      ok([b.tokenSeq, b.seq, b.aru, b.backlog, b.fcc].every(u32) && (b.aruAddr === 0 || listed(b.aruAddr)), 'token fields')
      break
    case 'mcast':
      ok(ringOk(b.ringId) && listed(b.origin) && u32(b.seq) && b.payload instanceof Uint8Array, 'mcast')
      ok(b.recovered === undefined || (ringOk(b.recovered.ringId) && listed(b.recovered.origin) && b.recovered.recovered === undefined), 'recovered')
      break
    case 'join':
      ok([...b.procList, ...b.failedList].every(listed) && Number.isSafeInteger(b.ringSeq), 'join')
      break
    case 'commit':
      ok(ringOk(b.ringId) && b.members.length > 0 && b.members.every(listed), 'commit members')
      ok(b.members.every((id, i) => i === 0 || b.members[i - 1]! < id), 'commit order')
      ok(b.entries.length === b.membIndex && b.membIndex <= b.members.length, 'commit index')
      ok(b.entries.every((e) => ringOk(e.ringId, true) && u32(e.aru) && u32(e.highDelivered)), 'commit entries')
      break
    case 'merge-detect':
    case 'hold-cancel':
      ok(ringOk(b.ringId), b.kind)
      break
  }
  // Whatever was accepted must survive our own encoder unchanged.
  const again = codec.decode(codec.encode(f))
  ok(again.ok, 're-encode')
  if (again.ok) expect(again.frame, `re-encode round trip of ${where}`).to.deep.equal(f)
}
