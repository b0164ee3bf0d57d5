import { expect } from 'chai'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { crc32c } from '../../lib/wire/crc32c.js'
import { FRAME_CHECKSUM_BYTES, FrameCodec } from '../../lib/wire/codec.js'
import type { Frame } from '../../lib/wire/frames.js'
import { Prng } from '../../lib/sim/prng.js'

/**
 * Plain-mode integrity: every frame ends with a CRC-32C, verified before
 * anything else is looked at. Damage the simulator and the real-process test
 * inject (bit flips, truncations, splices of two frames, garbage) must never
 * get through; these tests enumerate the small cases exhaustively.
 */

const NODES: readonly NodeId[] = [1, 2, 3]
const codec = new FrameCodec({ clusterName: 'crc', nodes: NODES, frameSizeMax: 1472 })

function samples(): Frame[] {
  const ringId = { rep: 1, seq: 40 }
  return [
    { sender: 2, body: { kind: 'token', ringId, tokenSeq: 7, seq: 99, aru: 98, aruAddr: 3, backlog: 2, fcc: 5, retransFlg: false, rtr: [{ ringId, seq: 97 }] } },
    { sender: 3, body: { kind: 'mcast', ringId, seq: 12, origin: 3, guarantee: 'agreed', payload: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), recovered: undefined } },
    { sender: 1, body: { kind: 'join', procList: [1, 2, 3], failedList: [], ringSeq: 40, leave: false } },
    { sender: 1, body: { kind: 'commit', ringId, tokenSeq: 1, members: [1, 2, 3], entries: [], membIndex: 0 } },
    { sender: 1, body: { kind: 'merge-detect', ringId } },
  ]
}

function reason(bytes: Uint8Array): string {
  const r = codec.decode(bytes)
  return r.ok ? 'ok' : r.reason
}

/** The simulator's seeded generator, so a failing case replays. */
function prng(seed: number): () => number {
  const p = new Prng(seed)
  return () => p.float()
}

describe('wire/checksum', () => {
  it('CRC-32C matches the published check values (RFC 3720 B.4 and the "123456789" check)', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283)
    expect(crc32c(new Uint8Array(32))).to.equal(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).to.equal(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).to.equal(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).to.equal(0x113fdb5c)
    // A sub-range equals the CRC of a copy of it (the codec checksums a prefix in place).
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) & 0xff)
    expect(crc32c(data, 3, 91)).to.equal(crc32c(data.slice(3, 91)))
  })

  it('adds 5 bytes to every frame, and a frame without them is not accepted as current', () => {
    const plain = new FrameCodec({ clusterName: 'crc', nodes: NODES, frameSizeMax: 1472, checksum: false })
    for (const f of samples()) {
      const sealed = codec.encode(f)
      const bare = plain.encode(f)
      expect(sealed.length).to.equal(bare.length + FRAME_CHECKSUM_BYTES)
      expect(Buffer.from(sealed.subarray(0, bare.length)).equals(Buffer.from(bare))).to.equal(true)
      expect(codec.decode(sealed)).to.deep.include({ ok: true })
      expect(reason(bare), f.body.kind).to.equal('checksum')
    }
  })

  it('every single-bit flip of every sample frame is dropped as a checksum failure', () => {
    let flips = 0
    for (const f of samples()) {
      const bytes = codec.encode(f)
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const copy = Uint8Array.from(bytes)
        copy[bit >> 3]! ^= 1 << (bit & 7)
        expect(reason(copy), `${f.body.kind} bit ${bit}`).to.equal('checksum')
        flips++
      }
    }
    expect(flips).to.be.greaterThan(3000)
  })

  it('every 2-bit and 20k 3-bit errors in the first 64 bytes of a token are dropped (CRC-32C: Hamming distance 6 there)', () => {
    const bytes = codec.encode(samples()[0]!)
    const bits = Math.min(64 * 8, bytes.length * 8)
    const flip = (copy: Uint8Array, bit: number): void => { copy[bit >> 3]! ^= 1 << (bit & 7) }
    let checked = 0
    for (let a = 0; a < bits; a++) {
      for (let b = a + 1; b < bits; b++) {
        const copy = Uint8Array.from(bytes)
        flip(copy, a)
        flip(copy, b)
        // Damage to the checksum tag itself may be counted as another version; never accepted.
        if (reason(copy) === 'ok') expect.fail(`bits ${a},${b} got through`)
        checked++
      }
    }
    const rnd = prng(3)
    for (let i = 0; i < 20_000; i++) {
      const picks = new Set<number>()
      while (picks.size < 3) picks.add(Math.floor(rnd() * bits))
      const copy = Uint8Array.from(bytes)
      for (const bit of picks) flip(copy, bit)
      if (reason(copy) === 'ok') expect.fail(`bits ${[...picks].join(',')} got through`)
      checked++
    }
    expect(checked).to.be.greaterThan(50_000)
  })

  it('every truncation, every splice of two frames and every byte burst is dropped', () => {
    const encoded = samples().map((f) => codec.encode(f))
    let checked = 0
    for (const bytes of encoded) {
      for (let len = 0; len < bytes.length; len++) {
        expect(reason(bytes.subarray(0, len)), `truncated to ${len}`).to.not.equal('ok')
        checked++
      }
    }
    for (const a of encoded) {
      for (const b of encoded) {
        if (a === b) continue
        // The head of one frame glued to the tail of another, at every cut point.
        for (let cut = 1; cut < Math.min(a.length, b.length); cut++) {
          const spliced = Buffer.concat([a.subarray(0, cut), b.subarray(cut)])
          if (Buffer.from(spliced).equals(Buffer.from(b))) continue
          expect(reason(spliced), `splice at ${cut}`).to.not.equal('ok')
          checked++
        }
      }
    }
    const rnd = prng(11)
    for (let i = 0; i < 20_000; i++) {
      const base = encoded[Math.floor(rnd() * encoded.length)]!
      const copy = Uint8Array.from(base)
      // A burst of up to 4 random bytes (32 bits): CRC-32 detects every burst that short.
      const at = Math.floor(rnd() * (copy.length - 4))
      for (let k = 0; k < 4; k++) copy[at + k] = Math.floor(rnd() * 256)
      if (Buffer.from(copy).equals(Buffer.from(base))) continue
      expect(reason(copy)).to.not.equal('ok')
      checked++
    }
    expect(checked).to.be.greaterThan(20_000)
  })

  it('100k random garbage datagrams: none decodes', () => {
    const rnd = prng(5)
    const counts: Record<string, number> = {}
    for (let i = 0; i < 100_000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))
      const r = reason(bytes)
      counts[r] = (counts[r] ?? 0) + 1
    }
    expect(counts['ok'] ?? 0, JSON.stringify(counts)).to.equal(0)
  })
})
