import { expect } from 'chai'
import { Assembler } from '../../lib/totem/pg/assembler.js'
import { Packer, type Lane, type PulledPacket } from '../../lib/totem/pg/packer.js'
import { decodePgPacket, pgPacketSize } from '../../lib/totem/pg/pg-codec.js'
import type { Guarantee } from '../../lib/wire/frames.js'

const MiB = 1024 * 1024

/** mulberry32: a tiny seeded generator, so that every failure replays. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Sent {
  readonly payload: Uint8Array
  readonly guarantee: Guarantee
  readonly lane: Lane
}

/**
 * Messages that can never be confused across lanes: from 4 bytes on they carry a
 * unique id; shorter ones are filled with a lane marker, and only the normal
 * lane sends empty messages. The checker can then attribute every message.
 */
function makeMessage(random: () => number, id: number, lane: Lane, size: number): Uint8Array {
  const length = lane === 'sync' ? Math.max(1, size) : size
  const payload = new Uint8Array(length).fill(lane === 'sync' ? 0xaa : 0x55)
  if (length >= 4) {
    new DataView(payload.buffer).setUint32(0, id)
    // A few random bytes spread over the message catch misplaced fragments.
    for (let i = 4; i < length; i += 97) payload[i] = (random() * 256) | 0
  }
  return payload
}

function sizeOf(random: () => number, packetSizeMax: number): number {
  const r = random()
  // Up to 1 MiB, but not tens of thousands of packets per message on tiny packet sizes.
  if (r < 0.01) return (random() * Math.min(MiB, 1000 * packetSizeMax)) | 0
  if (r < 0.05) return 0
  if (r < 0.6) return (random() * 100) | 0
  return (random() * 3 * packetSizeMax) | 0
}

/** Receives and checks: per-lane FIFO order, exact bytes, safe packets, sync-only pulls. */
class Receiver {
  readonly assembler = new Assembler({ messageSizeMax: MiB })
  readonly #expected: Record<Lane, Sent[]> = { sync: [], normal: [], bulk: [] }
  readonly #next: Record<Lane, number> = { sync: 0, normal: 0, bulk: 0 }
  received = 0

  expect(sent: Sent): void {
    this.#expected[sent.lane].push(sent)
  }

  deliver(pulled: PulledPacket, packetSizeMax: number, syncOnly: boolean): void {
    expect(pulled.payload.length).to.be.at.most(packetSizeMax)
    const decoded = decodePgPacket(pulled.payload)
    if (!decoded.ok) throw new Error(decoded.detail)
    expect(pgPacketSize(decoded.packet)).to.equal(pulled.payload.length)
    for (const message of this.assembler.packet(1, pulled.payload)) {
      const sent = this.#match(message.payload)
      if (syncOnly) expect(sent.lane).to.equal('sync')
      if (sent.guarantee === 'safe') expect(pulled.guarantee).to.equal('safe')
      this.received++
    }
  }

  #match(payload: Uint8Array): Sent {
    for (const lane of ['sync', 'normal', 'bulk'] as const) {
      const sent = this.#expected[lane][this.#next[lane]]
      if (sent !== undefined && Buffer.from(sent.payload).equals(payload)) {
        this.#next[lane]++
        return sent
      }
    }
    throw new Error(`message #${this.received} (${payload.length} bytes) is not the next one of any lane`)
  }

  assertAllReceived(): void {
    expect(this.#next.sync).to.equal(this.#expected.sync.length)
    expect(this.#next.normal).to.equal(this.#expected.normal.length)
    expect(this.#next.bulk).to.equal(this.#expected.bulk.length)
    // Rewinds under syncOnly legitimately abandon assemblies, but on a lossless
    // stream a continuation must never fail to match.
    expect(this.assembler.stats.discardedChunks).to.equal(0)
  }
}

function runScenario(seed: number, packetSizeMax: number, messages: number): { packets: number; received: number } {
  const random = mulberry32(seed)
  const packer = new Packer({ packetSizeMax, messageSizeMax: MiB, queueBytesMax: 256 * MiB })
  const receiver = new Receiver()
  let packets = 0
  const pull = (max: number, syncOnly: boolean): number => {
    const batch = packer.pull(max, syncOnly)
    for (const pulled of batch) receiver.deliver(pulled, packetSizeMax, syncOnly)
    packets += batch.length
    return batch.length
  }
  for (let id = 0; id < messages; id++) {
    const r = random()
    const lane: Lane = r < 0.2 ? 'sync' : r < 0.35 ? 'bulk' : 'normal'
    const sent: Sent = {
      payload: makeMessage(random, id, lane, sizeOf(random, packetSizeMax)),
      guarantee: random() < 0.3 ? 'safe' : 'agreed',
      lane,
    }
    expect(packer.enqueue(sent.payload, sent.guarantee, lane)).to.equal('ok')
    receiver.expect(sent)
    if (random() < 0.3) pull(1 + ((random() * 20) | 0), random() < 0.2)
  }
  while (pull(1 + ((random() * 50) | 0), false) > 0);
  receiver.assertAllReceived()
  expect(receiver.received).to.equal(messages)
  expect(packer.queuedBytes).to.equal(0)
  expect(packer.backlog(false)).to.equal(0)
  return { packets, received: receiver.received }
}

describe('pg round trip (Packer → Assembler)', () => {
  for (const packetSizeMax of [64, 300, 1400, 9000]) {
    it(`reassembles random mixes exactly, in order (packetSizeMax ${packetSizeMax})`, () => {
      for (let seed = 1; seed <= 8; seed++) runScenario(seed * 7919 + packetSizeMax, packetSizeMax, 400)
    })
  }

  it('yields a message exactly once after restartPartial and reset at a configuration change', () => {
    for (let cut = 1; cut <= 4; cut++) {
      const packer = new Packer({ packetSizeMax: 1000, messageSizeMax: MiB, queueBytesMax: MiB })
      const assembler = new Assembler({ messageSizeMax: MiB })
      const big = new Uint8Array(4500).map((_, i) => i * 31)
      packer.enqueue(big, 'agreed', 'normal')
      packer.enqueue(Uint8Array.of(1, 2, 3), 'agreed', 'normal')
      const got: Uint8Array[] = []
      for (const pulled of packer.pull(cut, false)) got.push(...assembler.packet(9, pulled.payload).map((m) => m.payload))
      // Configuration change: the sender restarts, every receiver resets.
      packer.restartPartial()
      assembler.reset()
      packer.enqueue(Uint8Array.of(7), 'agreed', 'sync')
      for (const pulled of packer.pull(100, false)) got.push(...assembler.packet(9, pulled.payload).map((m) => m.payload))
      expect(got.map((m) => m.length)).to.deep.equal([1, 4500, 3])
      expect(Buffer.from(got[1]!).equals(big)).to.equal(true)
    }
  })

  it('delivers the restarted message once even to a receiver that kept its assembly', () => {
    const packer = new Packer({ packetSizeMax: 1000, messageSizeMax: MiB, queueBytesMax: MiB })
    const assembler = new Assembler({ messageSizeMax: MiB })
    packer.enqueue(new Uint8Array(2500).fill(4), 'agreed', 'normal')
    const got: number[] = []
    for (const pulled of packer.pull(2, false)) got.push(...assembler.packet(9, pulled.payload).map((m) => m.payload.length))
    packer.restartPartial()
    for (const pulled of packer.pull(100, false)) got.push(...assembler.packet(9, pulled.payload).map((m) => m.payload.length))
    expect(got).to.deep.equal([2500])
  })

  describe('loss of one packet (seen by this receiver only)', () => {
    function sendAndLose(sizes: number[], lose: number): { got: number[]; lostPacket: ReturnType<typeof decodePgPacket> } {
      const packer = new Packer({ packetSizeMax: 1400, messageSizeMax: MiB, queueBytesMax: MiB })
      sizes.forEach((size, i) => packer.enqueue(new Uint8Array(size).fill(i + 1), 'agreed', 'normal'))
      const assembler = new Assembler({ messageSizeMax: MiB })
      const packets = packer.pull(1000, false)
      const got: number[] = []
      packets.forEach((pulled, i) => {
        if (i !== lose) got.push(...assembler.packet(3, pulled.payload).map((m) => m.payload[0] ?? 0))
      })
      return { got, lostPacket: decodePgPacket(packets[lose]!.payload) }
    }

    it('drops the message that lost a middle fragment and delivers the later ones', () => {
      const { got, lostPacket } = sendAndLose([10, 5000, 20, 30], 1)
      expect(lostPacket.ok && lostPacket.packet.firstOffset > 0 && lostPacket.packet.lastPartial).to.equal(true)
      expect(got).to.deep.equal([1, 3, 4])
    })

    it('does not glue B onto A when the lost packet held the end of A and the start of B', () => {
      const { got, lostPacket } = sendAndLose([2000, 3000, 20], 1)
      expect(lostPacket.ok).to.equal(true)
      if (!lostPacket.ok) return
      expect(lostPacket.packet.firstOffset).to.be.greaterThan(0)
      expect(lostPacket.packet.lastPartial).to.equal(true)
      expect(lostPacket.packet.chunks.length).to.equal(2)
      expect(got).to.deep.equal([3])
    })
  })

  it('sends only the sync lane while syncOnly', () => {
    const packer = new Packer({ packetSizeMax: 500, messageSizeMax: MiB, queueBytesMax: MiB })
    const receiver = new Receiver()
    const random = mulberry32(42)
    for (let id = 0; id < 300; id++) {
      const lane: Lane = id % 3 === 0 ? 'sync' : 'normal'
      const sent: Sent = { payload: makeMessage(random, id, lane, (random() * 1500) | 0), guarantee: 'agreed', lane }
      packer.enqueue(sent.payload, sent.guarantee, lane)
      receiver.expect(sent)
      if (id % 7 === 0) for (const pulled of packer.pull(2, false)) receiver.deliver(pulled, 500, false)
    }
    let pulled: PulledPacket[]
    while ((pulled = packer.pull(3, true)).length > 0) for (const p of pulled) receiver.deliver(p, 500, true)
    expect(packer.backlog(true)).to.equal(0)
    expect(packer.backlog(false)).to.be.greaterThan(0)
    while ((pulled = packer.pull(3, false)).length > 0) for (const p of pulled) receiver.deliver(p, 500, false)
    receiver.assertAllReceived()
  })
})
