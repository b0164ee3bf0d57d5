import { expect } from 'chai'
import { TokenBucket } from '../../lib/ipc/limits.js'
import { encodeFrame, FrameReader } from '../../lib/ipc/protocol.js'

function header(length: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(length, 0)
  return b
}

describe('ipc/frame: length-prefixed JSON frames', () => {
  it('reassembles frames split at every byte, and splits several in one chunk', () => {
    const frames = [encodeFrame({ id: 1, method: 'a' }), encodeFrame({ id: 2, method: 'b', params: { x: 'é'.repeat(100) } })]
    const all = Buffer.concat(frames)
    const reader = new FrameReader(1024)
    const got: unknown[] = []
    for (let i = 0; i < all.length; i++) {
      const r = reader.push(all.subarray(i, i + 1))
      expect(r.fault).to.equal(undefined)
      for (const f of r.frames) got.push(JSON.parse(f.toString('utf8')))
    }
    expect(got).to.deep.equal([{ id: 1, method: 'a' }, { id: 2, method: 'b', params: { x: 'é'.repeat(100) } }])
    const both = new FrameReader(1024).push(all)
    expect(both.frames.map((f) => JSON.parse(f.toString('utf8')).id)).to.deep.equal([1, 2])
    expect(reader.buffered).to.equal(0)
  })

  it('refuses an oversized length as soon as the prefix is in, without buffering the body', () => {
    const reader = new FrameReader(100)
    const r = reader.push(header(101))
    expect(r.fault).to.equal('oversized')
    expect(r.length).to.equal(101)
    expect(new FrameReader(100).push(Buffer.concat([header(100), Buffer.alloc(100, 0x20)])).frames).to.have.length(1)
  })

  it('refuses an empty frame, after the good frames before it', () => {
    const r = new FrameReader(100).push(Buffer.concat([encodeFrame({ id: 1, method: 'a' }), header(0)]))
    expect(r.frames).to.have.length(1)
    expect(r.fault).to.equal('empty')
  })

  it('token bucket: a burst, then the rate', () => {
    const b = new TokenBucket(10, 3, 0)
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).to.deep.equal([true, true, true, false])
    expect(b.waitMs()).to.equal(100)
    expect(b.take(99)).to.equal(false)
    expect(b.take(200)).to.equal(true)
    expect(b.take(10_000) && b.take(10_000) && b.take(10_000) && !b.take(10_000)).to.equal(true)
  })
})
