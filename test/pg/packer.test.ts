import { expect } from 'chai'
import { Packer, MESSAGE_CHARGE_MIN, type PulledPacket } from '../../lib/totem/pg/packer.js'
import { PG_PACKET_SIZE_MIN, decodePgPacket, pgPacketSize } from '../../lib/totem/pg/pg-codec.js'
import type { PgPacket } from '../../lib/wire/frames.js'

const MiB = 1024 * 1024

function packer(packetSizeMax = 1400, queueBytesMax = 64 * MiB, messageSizeMax = MiB): Packer {
  return new Packer({ packetSizeMax, messageSizeMax, queueBytesMax })
}

function decode(pulled: PulledPacket): PgPacket {
  const result = decodePgPacket(pulled.payload)
  if (!result.ok) throw new Error(`packer produced an undecodable packet: ${result.detail}`)
  return result.packet
}

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill)
}

function drain(p: Packer, syncOnly = false): PulledPacket[] {
  const out: PulledPacket[] = []
  for (;;) {
    const batch = p.pull(100, syncOnly)
    if (batch.length === 0) return out
    out.push(...batch)
  }
}

describe('pg/Packer', () => {
  it('refuses messages above messageSizeMax and accepts one of exactly that size', () => {
    const p = packer(1400, 64 * MiB, 5000)
    expect(p.enqueue(bytes(5001, 1), 'agreed', 'normal')).to.equal('too-big')
    expect(p.queuedMessages).to.equal(0)
    expect(p.enqueue(bytes(5000, 1), 'agreed', 'normal')).to.equal('ok')
  })

  it('copies the payload on enqueue', () => {
    const p = packer()
    const payload = bytes(10, 7)
    p.enqueue(payload, 'agreed', 'normal')
    payload.fill(0)
    const [packet] = drain(p)
    expect(Array.from(decode(packet!).chunks[0]!)).to.deep.equal(new Array(10).fill(7))
  })

  it('packs at least 18 messages of 64 bytes into a 1400-byte packet, planning sizes exactly', () => {
    const p = packer(1400)
    for (let i = 0; i < 2000; i++) p.enqueue(bytes(64, i & 0xff), 'agreed', 'normal')
    const packets = drain(p)
    for (const pulled of packets) {
      expect(pulled.payload.length).to.be.at.most(1400)
      expect(pgPacketSize(decode(pulled))).to.equal(pulled.payload.length)
    }
    const full = packets.slice(0, -1).map((pk) => decode(pk).chunks.length)
    expect(Math.min(...full)).to.be.at.least(18)
    expect(full.reduce((a, b) => a + b, 0) + decode(packets.at(-1)!).chunks.length).to.equal(2000)
  })

  it('numbers messages consecutively across packets', () => {
    const p = packer(200, 64 * MiB, MiB)
    for (let i = 0; i < 50; i++) p.enqueue(bytes(i * 7, i), 'agreed', 'normal')
    let expectedNo = 0
    for (const pulled of drain(p)) {
      const pk = decode(pulled)
      if (pk.firstOffset > 0) expectedNo = (expectedNo - 1) >>> 0 // continues the last message of the previous packet
      expect(pk.firstNo).to.equal(expectedNo)
      expectedNo = (pk.firstNo + pk.chunks.length) >>> 0
    }
    expect(expectedNo).to.equal(50)
  })

  it('wraps message numbers at 2^32', () => {
    const p = new Packer({ packetSizeMax: 1400, messageSizeMax: MiB, queueBytesMax: MiB, firstMessageNo: 0xfffffffe })
    for (let i = 0; i < 4; i++) p.enqueue(bytes(1, i), 'agreed', 'normal')
    const [packet] = drain(p)
    expect(decode(packet!).firstNo).to.equal(0xfffffffe)
    p.enqueue(bytes(1, 9), 'agreed', 'normal')
    expect(decode(drain(p)[0]!).firstNo).to.equal(2)
  })

  it('marks a packet safe exactly when it carries a chunk of a safe message', () => {
    const p = packer(1000)
    p.enqueue(bytes(10, 1), 'agreed', 'normal')
    p.enqueue(bytes(10, 2), 'safe', 'normal')
    expect(drain(p).map((pk) => pk.guarantee)).to.deep.equal(['safe'])
    p.enqueue(bytes(3000, 3), 'safe', 'normal')
    expect(drain(p).map((pk) => pk.guarantee)).to.deep.equal(['safe', 'safe', 'safe', 'safe'])
    p.enqueue(bytes(900, 4), 'agreed', 'normal')
    expect(drain(p).map((pk) => pk.guarantee)).to.deep.equal(['agreed'])
  })

  describe('packing rule', () => {
    it('closes the packet when little room is left and the next message fits a fresh packet', () => {
      const p = packer(1000)
      p.enqueue(bytes(900, 1), 'agreed', 'normal')
      p.enqueue(bytes(500, 2), 'agreed', 'normal')
      const packets = drain(p).map(decode)
      expect(packets.map((pk) => pk.chunks.map((c) => c.length))).to.deep.equal([[900], [500]])
    })

    it('starts a fragment when at least a quarter of the packet is left', () => {
      const p = packer(1000)
      p.enqueue(bytes(600, 1), 'agreed', 'normal')
      p.enqueue(bytes(500, 2), 'agreed', 'normal')
      const [first, second] = drain(p).map(decode)
      expect(first!.lastPartial).to.equal(true)
      expect(first!.chunks.length).to.equal(2)
      expect(second!.firstOffset).to.equal(first!.chunks[1]!.length)
      expect(first!.chunks[1]!.length + second!.chunks[0]!.length).to.equal(500)
    })

    it('starts a message that cannot fit any packet whole in whatever room is left', () => {
      const p = packer(1000)
      p.enqueue(bytes(900, 1), 'agreed', 'normal')
      p.enqueue(bytes(5000, 2), 'agreed', 'normal')
      const [first] = drain(p).map(decode)
      expect(first!.chunks.length).to.equal(2)
      expect(first!.lastPartial).to.equal(true)
    })

    it('sends zero-length messages', () => {
      const p = packer()
      for (let i = 0; i < 3; i++) p.enqueue(new Uint8Array(0), 'agreed', 'normal')
      const [packet] = drain(p).map(decode)
      expect(packet!.chunks.map((c) => c.length)).to.deep.equal([0, 0, 0])
    })
  })

  describe('lanes', () => {
    it('sends the sync lane first and only the sync lane when syncOnly', () => {
      const p = packer(1000)
      p.enqueue(bytes(10, 1), 'agreed', 'normal')
      p.enqueue(bytes(10, 2), 'agreed', 'sync')
      const syncOnly = drain(p, true).map(decode)
      expect(syncOnly.map((pk) => pk.chunks.map((c) => c[0]))).to.deep.equal([[2]])
      expect(p.backlog(true)).to.equal(0)
      expect(p.backlog(false)).to.equal(1)
      p.enqueue(bytes(10, 3), 'agreed', 'sync')
      expect(drain(p).map(decode).map((pk) => pk.chunks.map((c) => c[0]))).to.deep.equal([[3, 1]])
    })

    it('continues a partially sent message before a sync message enqueued meanwhile', () => {
      const p = packer(1000)
      p.enqueue(bytes(3000, 1), 'agreed', 'normal')
      expect(p.pull(1, false).length).to.equal(1)
      p.enqueue(bytes(10, 2), 'agreed', 'sync')
      const rest = drain(p).map(decode)
      expect(rest[0]!.firstOffset).to.be.greaterThan(0)
      const last = rest.at(-1)!
      expect(last.chunks.at(-1)![0]).to.equal(2)
    })

    it('neither continues nor rewinds a partial normal message under syncOnly when no sync message waits', () => {
      const p = packer(1000)
      p.enqueue(bytes(3000, 1), 'agreed', 'normal')
      p.pull(1, false)
      expect(p.pull(5, true)).to.deep.equal([])
      expect(decode(p.pull(1, false)[0]!).firstOffset).to.be.greaterThan(0)
    })

    it('rewinds a partial normal message when asked for sync messages only', () => {
      const p = packer(1000)
      p.enqueue(bytes(3000, 1), 'agreed', 'normal')
      p.pull(1, false)
      p.enqueue(bytes(10, 2), 'agreed', 'sync')
      const sync = drain(p, true).map(decode)
      expect(sync.length).to.equal(1)
      expect(sync[0]!.firstOffset).to.equal(0)
      expect(sync[0]!.chunks.map((c) => c.length)).to.deep.equal([10])
      const normal = drain(p).map(decode)
      expect(normal[0]!.firstOffset).to.equal(0)
      expect(normal.reduce((n, pk) => n + pk.chunks[0]!.length, 0)).to.equal(3000)
    })
  })

  describe('bulk lane', () => {
    it('goes only when the normal lane is empty, so later normal messages overtake earlier bulk ones', () => {
      const p = packer(1000)
      p.enqueue(bytes(10, 1), 'agreed', 'bulk')
      p.enqueue(bytes(10, 2), 'agreed', 'normal')
      p.enqueue(bytes(10, 3), 'agreed', 'bulk')
      p.enqueue(bytes(10, 4), 'agreed', 'sync')
      expect(drain(p).map(decode).map((pk) => pk.chunks.map((c) => c[0]))).to.deep.equal([[4, 2, 1, 3]])
    })

    it('finishes a partially sent bulk message before a normal one (fragments stay consecutive), then yields', () => {
      const p = packer(1000)
      p.enqueue(bytes(3000, 1), 'agreed', 'bulk')
      p.enqueue(bytes(3000, 5), 'agreed', 'bulk')
      p.pull(1, false)
      p.enqueue(bytes(10, 2), 'agreed', 'normal')
      const firsts = drain(p).map(decode).flatMap((pk) => pk.chunks.map((c) => c[0]))
      const normalAt = firsts.indexOf(2)
      expect(firsts.slice(0, normalAt).every((b) => b === 1), 'rest of the first bulk message first').to.equal(true)
      expect(firsts.slice(normalAt + 1).every((b) => b === 5), 'then the normal message, then the next bulk one').to.equal(true)
    })

    it('is held under syncOnly, rewound if partial when a sync message must go, and bounded on its own', () => {
      const p = packer(1000, 4096)
      p.enqueue(bytes(3000, 1), 'agreed', 'bulk')
      p.pull(1, false)
      expect(p.pull(5, true)).to.deep.equal([])
      p.enqueue(bytes(10, 2), 'agreed', 'sync')
      expect(drain(p, true).map(decode)[0]!.chunks.map((c) => c[0])).to.deep.equal([2])
      expect(decode(drain(p)[0]!).firstOffset).to.equal(0)
      expect(p.enqueue(bytes(3000, 6), 'agreed', 'bulk')).to.equal('ok')
      expect(p.enqueue(bytes(3000, 7), 'agreed', 'bulk')).to.equal('queue-full')
      expect(p.enqueue(bytes(3000, 8), 'agreed', 'normal')).to.equal('ok')
      expect(p.queuedBytesIn('bulk')).to.be.greaterThan(0)
    })
  })

  describe('restartPartial', () => {
    it('resends the partial message from its first byte under a new number', () => {
      const p = packer(1000)
      p.enqueue(bytes(3000, 1), 'agreed', 'normal')
      const [first] = p.pull(1, false).map(decode)
      const unsentBefore = p.backlog(false)
      p.restartPartial()
      expect(p.backlog(false)).to.be.at.least(unsentBefore)
      const again = drain(p).map(decode)
      expect(again[0]!.firstOffset).to.equal(0)
      expect(again[0]!.firstNo).to.equal((first!.firstNo + 1) >>> 0)
      expect(again.reduce((n, pk) => n + pk.chunks[0]!.length, 0)).to.equal(3000)
    })

    it('is a no-op without a partial message', () => {
      const p = packer(1000)
      p.enqueue(bytes(10, 1), 'agreed', 'normal')
      p.restartPartial()
      expect(drain(p).length).to.equal(1)
    })
  })

  describe('backpressure', () => {
    it('refuses at the bound and accepts again once pulls drain the queue', () => {
      const p = packer(1400, 10_000)
      let accepted = 0
      while (p.enqueue(bytes(1000, 1), 'agreed', 'normal') === 'ok') accepted++
      expect(accepted).to.equal(10)
      expect(p.queuedBytes).to.equal(10_000)
      expect(p.enqueue(bytes(1, 1), 'agreed', 'normal')).to.equal('queue-full')
      p.pull(1, false)
      expect(p.queuedBytes).to.equal(9_000)
      expect(p.enqueue(bytes(1000, 1), 'agreed', 'normal')).to.equal('ok')
      expect(p.enqueue(bytes(1000, 1), 'agreed', 'normal')).to.equal('queue-full')
      drain(p)
      expect(p.queuedBytes).to.equal(0)
      expect(p.enqueue(bytes(1000, 1), 'agreed', 'normal')).to.equal('ok')
    })

    it('keeps a partially pulled message charged until its last byte is pulled', () => {
      const p = packer(1000, 5000)
      expect(p.enqueue(bytes(5000, 1), 'agreed', 'normal')).to.equal('ok')
      p.pull(2, false)
      expect(p.queuedBytes).to.equal(5000)
      expect(p.enqueue(bytes(100, 1), 'agreed', 'normal')).to.equal('queue-full')
      p.restartPartial()
      expect(p.queuedBytes).to.equal(5000)
      drain(p)
      expect(p.queuedBytes).to.equal(0)
    })

    it('bounds each lane separately, so sync messages get through a full normal lane', () => {
      const p = packer(1400, 2000)
      while (p.enqueue(bytes(500, 1), 'agreed', 'normal') === 'ok');
      expect(p.enqueue(bytes(500, 2), 'agreed', 'sync')).to.equal('ok')
      expect(p.queuedBytesIn('sync')).to.equal(500)
      expect(p.queuedBytesIn('normal')).to.equal(2000)
    })

    it('charges tiny messages a minimum, and an empty lane always accepts one message', () => {
      const p = packer(1400, 10, 100)
      expect(p.enqueue(new Uint8Array(0), 'agreed', 'normal')).to.equal('ok')
      expect(p.queuedBytes).to.equal(MESSAGE_CHARGE_MIN)
      expect(p.enqueue(new Uint8Array(0), 'agreed', 'normal')).to.equal('queue-full')
      const q = packer(1400, 100 * MESSAGE_CHARGE_MIN)
      let n = 0
      while (q.enqueue(new Uint8Array(1), 'agreed', 'normal') === 'ok') n++
      expect(n).to.equal(100)
    })
  })

  describe('backlog', () => {
    it('is 0 when empty and close to the real packet count', () => {
      const p = packer(1400)
      expect(p.backlog(false)).to.equal(0)
      for (let i = 0; i < 1000; i++) p.enqueue(bytes(64, 1), 'agreed', 'normal')
      const estimate = p.backlog(false)
      const actual = drain(p).length
      expect(Math.abs(estimate - actual)).to.be.at.most(2)
      expect(p.backlog(false)).to.equal(0)
    })

    it('counts a zero-length message as one packet', () => {
      const p = packer(1400)
      p.enqueue(new Uint8Array(0), 'agreed', 'sync')
      expect(p.backlog(true)).to.equal(1)
    })

    it('follows partial pulls of a large message', () => {
      const p = packer(1400)
      p.enqueue(bytes(MiB, 1), 'agreed', 'normal')
      const before = p.backlog(false)
      p.pull(100, false)
      expect(p.backlog(false)).to.be.within(before - 101, before - 99)
    })
  })

  it('makes progress at the smallest packet size with worst-case headers', () => {
    const p = new Packer({
      packetSizeMax: PG_PACKET_SIZE_MIN, messageSizeMax: MiB, queueBytesMax: 2 * MiB, firstMessageNo: 0xfffffff0,
    })
    p.enqueue(bytes(300_000, 1), 'agreed', 'normal')
    p.enqueue(bytes(3, 2), 'agreed', 'normal')
    let total = 0
    for (const pulled of drain(p)) {
      expect(pulled.payload.length).to.be.at.most(PG_PACKET_SIZE_MIN)
      total += decode(pulled).chunks.reduce((n, c) => n + c.length, 0)
    }
    expect(total).to.equal(300_003)
  })

  it('returns nothing for max <= 0 or an empty queue', () => {
    const p = packer()
    expect(p.pull(5, false)).to.deep.equal([])
    p.enqueue(bytes(1, 1), 'agreed', 'normal')
    expect(p.pull(0, false)).to.deep.equal([])
    expect(p.pull(-1, false)).to.deep.equal([])
    expect(p.pull(1, false).length).to.equal(1)
  })
})
