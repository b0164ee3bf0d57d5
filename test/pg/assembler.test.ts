import { expect } from 'chai'
import { Assembler } from '../../lib/totem/pg/assembler.js'
import { encodePgPacket } from '../../lib/totem/pg/pg-codec.js'

const MiB = 1024 * 1024

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill)
}

function packet(firstNo: number, firstOffset: number, lastPartial: boolean, ...chunks: Uint8Array[]): Uint8Array {
  return encodePgPacket({ firstNo, firstOffset, lastPartial, chunks })
}

function contents(messages: readonly { payload: Uint8Array; index: number }[]): [number, number, number][] {
  return messages.map((m) => [m.index, m.payload.length, m.payload[0] ?? -1])
}

describe('pg/Assembler', () => {
  it('returns every complete message of a packet with its chunk index, without copying', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    const wire = packet(7, 0, false, bytes(3, 1), bytes(0, 0), bytes(5, 2))
    const out = a.packet(1, wire)
    expect(contents(out)).to.deep.equal([[0, 3, 1], [1, 0, -1], [2, 5, 2]])
    expect(out[0]!.payload.buffer).to.equal(wire.buffer)
    expect(a.stats.messages).to.equal(3)
  })

  it('reassembles a fragmented message across packets and returns it at the completing chunk', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    expect(a.packet(1, packet(0, 0, true, bytes(100, 1)))).to.deep.equal([])
    expect(a.packet(1, packet(0, 100, true, bytes(100, 2)))).to.deep.equal([])
    expect(a.pending).to.equal(1)
    const out = a.packet(1, packet(0, 200, false, bytes(50, 3), bytes(4, 4)))
    expect(contents(out)).to.deep.equal([[0, 250, 1], [1, 4, 4]])
    const whole = out[0]!.payload
    expect(whole[99]).to.equal(1)
    expect(whole[100]).to.equal(2)
    expect(whole[249]).to.equal(3)
    expect(a.stats.reassembled).to.equal(1)
    expect(a.pending).to.equal(0)
  })

  it('keeps one assembly per origin', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    a.packet(1, packet(10, 0, true, bytes(10, 1)))
    a.packet(2, packet(10, 0, true, bytes(20, 2)))
    expect(contents(a.packet(2, packet(10, 20, false, bytes(5, 2))))).to.deep.equal([[0, 25, 2]])
    expect(contents(a.packet(1, packet(10, 10, false, bytes(5, 1))))).to.deep.equal([[0, 15, 1]])
    expect(a.stats.discardedAssemblies).to.equal(0)
  })

  it('handles message numbers wrapping at 2^32', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    expect(contents(a.packet(1, packet(0xffffffff, 0, true, bytes(1, 1), bytes(10, 2))))).to.deep.equal([[0, 1, 1]])
    expect(contents(a.packet(1, packet(0, 10, false, bytes(10, 2))))).to.deep.equal([[0, 20, 2]])
  })

  describe('damage', () => {
    it('drops a message whose middle fragment is missing and keeps later messages', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      a.packet(1, packet(0, 0, true, bytes(100, 1)))
      // packet(0, 100, true, …) lost
      const out = a.packet(1, packet(0, 200, false, bytes(50, 1), bytes(3, 9)))
      expect(contents(out)).to.deep.equal([[1, 3, 9]])
      expect(a.stats.discardedChunks).to.equal(1)
      expect(a.stats.discardedAssemblies).to.equal(1)
    })

    it('does not glue the continuation of B onto A when the packet with A’s end and B’s start is lost', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      a.packet(1, packet(5, 0, true, bytes(100, 0xa)))
      // Lost: packet(5, 100, true, A tail (50 bytes), B head (100 bytes)). B's continuation
      // then starts at offset 100, exactly A's assembled length: only the number tells them apart.
      const out = a.packet(1, packet(6, 100, false, bytes(30, 0xb), bytes(10, 0xc)))
      expect(contents(out)).to.deep.equal([[1, 10, 0xc]])
      expect(a.stats.discardedChunks).to.equal(1)
    })

    it('drops a continuation with the right number but the wrong offset', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      a.packet(1, packet(5, 0, true, bytes(100, 1)))
      expect(a.packet(1, packet(5, 101, false, bytes(30, 1)))).to.deep.equal([])
      expect(a.packet(1, packet(5, 131, false, bytes(30, 1)))).to.deep.equal([])
      expect(a.stats.discardedChunks).to.equal(2)
    })

    it('drops a continuation that arrives with no assembly at all', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      expect(contents(a.packet(1, packet(5, 100, false, bytes(30, 1), bytes(1, 2))))).to.deep.equal([[1, 1, 2]])
      expect(a.stats.discardedChunks).to.equal(1)
    })

    it('discards a partial assembly when its origin starts a new message', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      a.packet(1, packet(5, 0, true, bytes(100, 1)))
      expect(contents(a.packet(1, packet(6, 0, false, bytes(7, 2))))).to.deep.equal([[0, 7, 2]])
      expect(a.stats.discardedAssemblies).to.equal(1)
      expect(a.packet(1, packet(5, 100, false, bytes(7, 1)))).to.deep.equal([])
    })
  })

  it('reset() discards every partial assembly', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    a.packet(1, packet(0, 0, true, bytes(10, 1)))
    a.packet(2, packet(0, 0, true, bytes(10, 1)))
    a.reset()
    expect(a.pending).to.equal(0)
    expect(a.stats.discardedAssemblies).to.equal(2)
    expect(a.packet(1, packet(0, 10, false, bytes(10, 1)))).to.deep.equal([])
  })

  it('forget() discards the partial assembly of one origin', () => {
    const a = new Assembler({ messageSizeMax: MiB })
    a.packet(1, packet(0, 0, true, bytes(10, 1)))
    a.packet(2, packet(0, 0, true, bytes(10, 2)))
    a.forget(1)
    expect(a.packet(1, packet(0, 10, false, bytes(10, 1)))).to.deep.equal([])
    expect(contents(a.packet(2, packet(0, 10, false, bytes(10, 2))))).to.deep.equal([[0, 20, 2]])
  })

  describe('memory bound', () => {
    it('drops an assembly that would exceed messageSizeMax', () => {
      const a = new Assembler({ messageSizeMax: 150 })
      a.packet(1, packet(0, 0, true, bytes(100, 1)))
      expect(a.packet(1, packet(0, 100, false, bytes(51, 1)))).to.deep.equal([])
      expect(a.stats.oversize).to.equal(1)
      expect(a.pending).to.equal(0)
    })

    it('accepts a message of exactly messageSizeMax and drops a longer whole chunk', () => {
      const a = new Assembler({ messageSizeMax: 150 })
      a.packet(1, packet(0, 0, true, bytes(100, 1)))
      expect(contents(a.packet(1, packet(0, 100, false, bytes(50, 1))))).to.deep.equal([[0, 150, 1]])
      expect(contents(a.packet(1, packet(1, 0, false, bytes(151, 2), bytes(1, 3))))).to.deep.equal([[1, 1, 3]])
      expect(a.stats.oversize).to.equal(1)
    })
  })

  describe('malformed input', () => {
    it('counts undecodable and inconsistent packets and never throws', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      const cases: Uint8Array[] = [
        Uint8Array.of(0xff),
        Uint8Array.of(0x22, 0x05, 1, 2), // chunk longer than the packet
        Uint8Array.of(0x0f), // invalid wire type
        new Uint8Array(0), // decodes to a packet without chunks
        packet(0, 0, true), // last_partial without chunks
        packet(0, 5, false, new Uint8Array(0)), // empty continuation
        packet(0, 0, true, bytes(3, 1), new Uint8Array(0)), // empty leading fragment
      ]
      for (const wire of cases) expect(a.packet(1, wire)).to.deep.equal([])
      expect(a.stats.malformed + a.stats.inconsistent).to.equal(cases.length)
      expect(a.stats.inconsistent).to.be.at.least(4)
    })

    it('survives random garbage', () => {
      const a = new Assembler({ messageSizeMax: 4096 })
      let state = 12345
      const next = (): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0
        return state >>> 24
      }
      for (let i = 0; i < 5000; i++) {
        const wire = new Uint8Array(next() % 64)
        for (let j = 0; j < wire.length; j++) wire[j] = next()
        expect(() => a.packet(next() % 3, wire)).not.to.throw()
      }
      expect(a.stats.malformed + a.stats.inconsistent).to.be.greaterThan(0)
    })

    it('drops the origin’s partial assembly when one of its packets is malformed', () => {
      const a = new Assembler({ messageSizeMax: MiB })
      a.packet(1, packet(0, 0, true, bytes(10, 1)))
      a.packet(1, Uint8Array.of(0xff))
      expect(a.pending).to.equal(0)
    })
  })
})
