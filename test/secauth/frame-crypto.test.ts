import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { FrameCrypto, REPLAY_WINDOW, SEAL_OVERHEAD, type FrameCryptoOptions, type OpenResult } from '../../lib/crypto/frame-crypto.js'
import { catchCluster } from './helpers.js'

const KEY = randomBytes(256)

function node(nodeId: number, over: Partial<FrameCryptoOptions> = {}): FrameCrypto {
  return new FrameCrypto({ authKey: KEY, clusterName: 'alpha', nodeId, bootId: 1000, ...over })
}

function plainOf(r: OpenResult): Buffer {
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}`)
  return Buffer.from(r.plain)
}

function reasonOf(r: OpenResult): string {
  return r.ok ? 'ok' : r.reason
}

describe('secauth: FrameCrypto', function () {
  it('round-trips payloads of every small size and a large one, naming the sender', function () {
    const [a, b] = [node(1), node(2)]
    for (const size of [0, 1, 15, 16, 17, 1400, 65_000]) {
      const p = randomBytes(size)
      const sealed = a.seal(p)
      expect(sealed.length).to.equal(size + SEAL_OVERHEAD)
      const r = b.open(sealed)
      expect(plainOf(r).equals(p), `size ${size}`).to.equal(true)
      expect(r.ok && r.sender).to.equal(1)
    }
    expect(SEAL_OVERHEAD).to.equal(33)
  })

  it('writes the documented header: version, sender, bootId, big-endian counter', function () {
    const a = node(0x01020304, { bootId: 0x0a0b0c0d, firstCounter: 2 ** 40 + 5 })
    const h = Buffer.from(a.seal(Buffer.from('x'))).subarray(0, 17)
    expect(h.toString('hex')).to.equal('01' + '01020304' + '0a0b0c0d' + '0000010000000005')
    expect(a.counter).to.equal(2 ** 40 + 6)
  })

  it('does not leak the plaintext, and never repeats a ciphertext for the same payload', function () {
    const a = node(1)
    const p = Buffer.alloc(64, 0x41)
    const s1 = Buffer.from(a.seal(p))
    const s2 = Buffer.from(a.seal(p))
    expect(s1.includes(Buffer.alloc(8, 0x41))).to.equal(false)
    expect(s1.subarray(17).equals(s2.subarray(17))).to.equal(false)
  })

  it('rejects any single tampered byte in header, ciphertext or tag', function () {
    const a = node(1)
    const p = randomBytes(40)
    const reference = Buffer.from(a.seal(p))
    for (let i = 0; i < reference.length; i++) {
      for (const mask of [0x01, 0x80, 1 + Math.floor(Math.random() * 255)]) {
        const b = node(2) // fresh replay state: only the tag can refuse it
        const t = Buffer.from(reference)
        t[i] = (t[i] ?? 0) ^ mask
        expect(reasonOf(b.open(t)), `byte ${i} ^ ${mask}`).to.equal(i === 0 ? 'version' : 'auth')
      }
    }
    expect(plainOf(node(2).open(reference)).equals(p)).to.equal(true)
  })

  it('rejects frames sealed with another authkey, or for another cluster name', function () {
    const b = node(2)
    const wrongKey = node(1, { authKey: randomBytes(256) })
    const otherCluster = node(1, { clusterName: 'beta' })
    expect(reasonOf(b.open(wrongKey.seal(Buffer.from('hi'))))).to.equal('auth')
    expect(reasonOf(b.open(otherCluster.seal(Buffer.from('hi'))))).to.equal('auth')
    expect(reasonOf(otherCluster.open(node(3).seal(Buffer.from('hi'))))).to.equal('auth')
  })

  it('gives each sender its own key: moving a frame to another sender id fails', function () {
    const a = node(1)
    const sealed = Buffer.from(a.seal(Buffer.from('hi')))
    sealed.writeUInt32BE(3, 1)
    expect(reasonOf(node(2).open(sealed))).to.equal('auth')
  })

  it('rejects a replay of the same frame', function () {
    const [a, b] = [node(1), node(2)]
    const sealed = a.seal(Buffer.from('once'))
    expect(reasonOf(b.open(sealed))).to.equal('ok')
    expect(reasonOf(b.open(sealed))).to.equal('replay')
    expect(reasonOf(b.open(Buffer.from(sealed)))).to.equal('replay')
  })

  it('accepts out-of-order frames within the window exactly once', function () {
    const [a, b] = [node(1), node(2)]
    const frames = Array.from({ length: 50 }, (_, i) => a.seal(Buffer.from([i])))
    const order = [...frames.keys()].reverse()
    for (const i of order) expect(plainOf(b.open(frames[i] as Uint8Array))[0]).to.equal(i)
    for (const f of frames) expect(reasonOf(b.open(f))).to.equal('replay')
  })

  it('treats counters older than the window as replays, even if never seen', function () {
    const [a, b] = [node(1), node(2)]
    const early = a.seal(Buffer.from('early'))
    const edge = a.seal(Buffer.from('edge'))
    for (let i = 2; i < REPLAY_WINDOW; i++) a.seal(Buffer.from('skipped'))
    // edge is counter 1; latest is counter REPLAY_WINDOW: edge is exactly the oldest slot still in the window.
    expect(reasonOf(b.open(a.seal(Buffer.from('latest'))))).to.equal('ok')
    expect(reasonOf(b.open(early)), 'counter 0 fell out of the window').to.equal('replay')
    expect(reasonOf(b.open(edge)), 'counter 1 is still inside').to.equal('ok')
    expect(reasonOf(b.open(edge))).to.equal('replay')
  })

  it('slides the window: slots of skipped counters do not inherit old marks', function () {
    const [a, b] = [node(1), node(2)]
    const frames = Array.from({ length: 3 * REPLAY_WINDOW + 7 }, (_, i) => a.seal(Buffer.from(String(i))))
    // Fill the first window completely, then accept every other frame: each skipped counter's slot
    // still holds the mark of the counter one window earlier, which must not make it look seen.
    for (let i = 0; i < frames.length; i += i < REPLAY_WINDOW ? 1 : 2) expect(reasonOf(b.open(frames[i] as Uint8Array)), `first ${i}`).to.equal('ok')
    const last = frames.length - 1
    for (let i = REPLAY_WINDOW + 1; i < frames.length; i += 2) {
      const expected = last - i < REPLAY_WINDOW ? 'ok' : 'replay'
      expect(reasonOf(b.open(frames[i] as Uint8Array)), `odd ${i}`).to.equal(expected)
    }
    // A jump far ahead clears everything.
    const far = node(1, { firstCounter: 10 * REPLAY_WINDOW })
    expect(reasonOf(b.open(far.seal(Buffer.from('far'))))).to.equal('ok')
    expect(reasonOf(b.open(frames[last] as Uint8Array))).to.equal('replay')
  })

  it('accepts a restarted sender (higher bootId) and resets its window', function () {
    const b = node(2)
    const before = node(1, { bootId: 1000 })
    for (let i = 0; i < 10; i++) b.open(before.seal(Buffer.from('old life')))
    const oldFrame = before.seal(Buffer.from('captured'))
    const after = node(1, { bootId: 1001 })
    const first = after.seal(Buffer.from('new life')) // counter 0 again
    expect(reasonOf(b.open(first))).to.equal('ok')
    expect(reasonOf(b.open(first))).to.equal('replay')
    expect(reasonOf(b.open(after.seal(Buffer.from('more'))))).to.equal('ok')
    // The old boot is over: even a frame never delivered before is now a replay.
    expect(reasonOf(b.open(oldFrame))).to.equal('replay')
  })

  it('keeps replay state per sender', function () {
    const [a, c, b] = [node(1), node(3), node(2)]
    const fa = a.seal(Buffer.from('a0'))
    const fc = c.seal(Buffer.from('c0')) // same bootId and counter as fa
    expect(reasonOf(b.open(fa))).to.equal('ok')
    expect(reasonOf(b.open(fc))).to.equal('ok')
  })

  it('refuses its own frames reflected back to it', function () {
    const a = node(1)
    expect(reasonOf(a.open(a.seal(Buffer.from('mine'))))).to.equal('replay')
  })

  it('never throws on garbage, and says why it refused', function () {
    const b = node(2)
    expect(reasonOf(b.open(new Uint8Array(0)))).to.equal('short')
    expect(reasonOf(b.open(new Uint8Array(32)))).to.equal('short')
    expect(reasonOf(b.open(Buffer.alloc(33, 2)))).to.equal('version')
    const zeroSender = Buffer.alloc(60)
    zeroSender[0] = 1
    expect(reasonOf(b.open(zeroSender))).to.equal('auth')
    const reasons = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const g = randomBytes(Math.floor(Math.random() * 200))
      if (g.length > 0 && i % 2 === 0) g[0] = 1
      reasons.add(reasonOf(b.open(g)))
    }
    expect([...reasons].sort()).to.deep.equal(['auth', 'short', 'version'])
    // A view into a larger buffer is read at its offset.
    const a = node(1)
    const sealed = a.seal(Buffer.from('offset'))
    const big = new Uint8Array(sealed.length + 10)
    big.set(sealed, 5)
    expect(plainOf(b.open(big.subarray(5, 5 + sealed.length))).toString()).to.equal('offset')
  })

  it('throws before its counter could wrap, never reusing a nonce', function () {
    const a = node(1, { firstCounter: Number.MAX_SAFE_INTEGER - 1 })
    const last = a.seal(Buffer.from('last'))
    expect(reasonOf(node(2).open(last))).to.equal('ok')
    const err = catchCluster(() => a.seal(Buffer.from('one too many')))
    expect(err.code).to.equal('ERR_TRANSPORT')
    expect(catchCluster(() => a.seal(Buffer.from('still no'))).code).to.equal('ERR_TRANSPORT')
  })

  it('validates its options', function () {
    const bad: Array<Partial<FrameCryptoOptions>> = [
      { authKey: randomBytes(127) }, { authKey: randomBytes(4097) }, { nodeId: 0 }, { nodeId: 2 ** 32 }, { nodeId: 1.5 },
      { bootId: -1 }, { bootId: 2 ** 32 }, { firstCounter: -1 }, { firstCounter: 2 ** 53 },
    ]
    for (const over of bad) {
      const err = catchCluster(() => node(1, over))
      expect(err, JSON.stringify(Object.keys(over))).to.be.instanceOf(ConfigError)
    }
  })
})
