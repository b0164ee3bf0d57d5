import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { SEAL_OVERHEAD } from '../../lib/crypto/frame-crypto.js'
import { MemoryHub, memory } from '../../lib/transport/memory.js'
import { claimBootId, secure, type SecureOptions, type SecureTransport } from '../../lib/transport/secure.js'
import type { Transport } from '../../lib/transport/transport.js'
import { count, sleep, tagged, transportCompliance, waitFor } from '../transport/compliance.js'
import { catchCluster } from './helpers.js'

const KEY = randomBytes(256)
const BOOT = Math.floor(Date.now() / 1000)

function opts(nodeId: number, over: Partial<SecureOptions> = {}): SecureOptions {
  return { authKey: KEY, clusterName: 'alpha', nodeId, bootId: BOOT, ...over }
}

transportCompliance('secure(memory)', async (n) => {
  const hub = new MemoryHub()
  return Array.from({ length: n }, (_, i) => secure(memory(hub, i + 1, { frameSizeMax: 9000 }), opts(i + 1)))
})

/** Records what the wrapped transport put on the "wire", for a man in the middle to replay. */
function tap(inner: Transport, wire: Uint8Array[]): Transport {
  return {
    get frameSizeMax() {
      return inner.frameSizeMax
    },
    get stats() {
      return inner.stats
    },
    open: (receive) => inner.open(receive),
    send(to, bytes) {
      wire.push(new Uint8Array(bytes))
      inner.send(to, bytes)
    },
    multicast(bytes) {
      wire.push(new Uint8Array(bytes))
      inner.multicast(bytes)
    },
    close: () => inner.close(),
  }
}

interface Node {
  readonly t: SecureTransport
  readonly inbox: Buffer[]
  readonly wire: Uint8Array[]
}

async function cluster(hub: MemoryHub, specs: SecureOptions[]): Promise<Node[]> {
  const nodes = specs.map((o) => {
    const wire: Uint8Array[] = []
    return { t: secure(tap(memory(hub, o.nodeId), wire), o), inbox: [] as Buffer[], wire }
  })
  await Promise.all(nodes.map((n) => n.t.open((bytes) => n.inbox.push(Buffer.from(bytes)))))
  return nodes
}

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i]
  if (x === undefined) throw new Error(`no item ${i}`)
  return x
}

describe('secauth: secure() transport', function () {
  let hub: MemoryHub
  let nodes: Node[] = []
  beforeEach(function () {
    hub = new MemoryHub()
  })
  afterEach(async function () {
    await Promise.all(nodes.map((n) => n.t.close()))
    nodes = []
  })

  it('lets three nodes with the same key exchange unicasts and multicasts', async function () {
    nodes = await cluster(hub, [opts(1), opts(2), opts(3)])
    const [n1, n2, n3] = [at(nodes, 0), at(nodes, 1), at(nodes, 2)]
    const m = tagged('m1')
    const u = tagged('u2->3')
    n1.t.multicast(m)
    n2.t.send(3, u)
    n3.t.multicast(tagged('m3', 1000))
    await waitFor(() => count(n2.inbox, m) === 1 && count(n3.inbox, m) === 1 && count(n3.inbox, u) === 1, 2000, 'deliveries')
    await waitFor(() => n1.inbox.length === 1 && n2.inbox.length === 2, 2000, 'm3')
    expect(count(n1.inbox, m)).to.equal(0)
    for (const n of nodes) expect(n.t.secureStats).to.deep.equal({ authFailed: 0, replays: 0, malformed: 0 })
    // What crossed the hub was sealed: the payload tag is not visible in it.
    expect(Buffer.from(at(n1.wire, 0)).includes(Buffer.from('m1|'))).to.equal(false)
    expect(at(n1.wire, 0).length).to.equal(m.length + SEAL_OVERHEAD)
  })

  it('multicast seals once: every receiver gets the same sealed bytes', async function () {
    nodes = await cluster(hub, [opts(1), opts(2), opts(3)])
    at(nodes, 0).t.multicast(tagged('once'))
    expect(at(nodes, 0).wire).to.have.length(1)
    await waitFor(() => at(nodes, 1).inbox.length === 1 && at(nodes, 2).inbox.length === 1, 2000, 'both')
  })

  it('drops and counts datagrams from a node with the wrong key, which cannot read the others either', async function () {
    nodes = await cluster(hub, [opts(1), opts(2), opts(3, { authKey: randomBytes(256) })])
    const [n1, n2, intruder] = [at(nodes, 0), at(nodes, 1), at(nodes, 2)]
    intruder.t.multicast(tagged('intruder'))
    intruder.t.send(1, tagged('intruder-unicast'))
    n1.t.multicast(tagged('legit'))
    await waitFor(() => n2.inbox.length === 1 && intruder.t.secureStats.authFailed === 1, 2000, 'legit multicast handled')
    await waitFor(() => n1.t.secureStats.authFailed === 2 && n2.t.secureStats.authFailed === 1, 2000, 'intruder frames counted')
    expect(n1.inbox).to.have.length(0)
    expect(intruder.inbox).to.have.length(0)
    expect(n1.t.stats.rxFrames).to.equal(0)
    expect(n1.t.secureStats).to.deep.equal({ authFailed: 2, replays: 0, malformed: 0 })
  })

  it('keeps two clusters with the same key apart', async function () {
    nodes = await cluster(hub, [opts(1), opts(2, { clusterName: 'beta' })])
    at(nodes, 0).t.send(2, tagged('x'))
    await waitFor(() => at(nodes, 1).t.secureStats.authFailed === 1, 2000, 'refused')
    expect(at(nodes, 1).inbox).to.have.length(0)
  })

  it('reduces frameSizeMax by the 33-byte seal, and sealed datagrams still fit the inner transport', async function () {
    const inner = memory(hub, 1, { frameSizeMax: 1500 })
    const t = secure(inner, opts(1))
    expect(t.frameSizeMax).to.equal(1500 - 33)
    nodes = [{ t, inbox: [], wire: [] }, ...(await cluster(hub, [opts(2)]))]
    await t.open(() => undefined)
    const max = randomBytes(t.frameSizeMax)
    t.send(2, max)
    t.send(2, randomBytes(t.frameSizeMax + 1))
    await waitFor(() => at(nodes, 1).inbox.length === 1, 2000, 'max-size frame')
    expect(count(at(nodes, 1).inbox, max)).to.equal(1)
    expect(t.stats.oversize).to.equal(1)
    expect(inner.stats.oversize).to.equal(0)
    expect(inner.stats.txBytes).to.equal(1500)
  })

  it('drops a datagram replayed by a man in the middle', async function () {
    nodes = await cluster(hub, [opts(1), opts(2), opts(3)])
    const [n1, n2, n3] = [at(nodes, 0), at(nodes, 1), at(nodes, 2)]
    n1.t.send(2, tagged('pay 100'))
    n1.t.multicast(tagged('join'))
    await waitFor(() => n2.inbox.length === 2 && n3.inbox.length === 1, 2000, 'originals')
    const [unicast, multicast] = [at(n1.wire, 0), at(n1.wire, 1)]
    hub.post(1, 2, unicast)
    hub.post(1, 2, multicast)
    hub.post(1, 3, multicast)
    // Redirected to another node: authentic and new there, so it passes once (the seal does not bind the
    // destination; Totem's own checks must cope), then it too is a replay.
    hub.post(1, 3, unicast)
    hub.post(1, 3, unicast)
    // Reflected back to its own sender.
    hub.post(2, 1, multicast)
    await waitFor(() => n2.t.secureStats.replays === 2 && n3.t.secureStats.replays === 2 && n1.t.secureStats.replays === 1, 2000, 'replays counted')
    expect(n2.inbox).to.have.length(2)
    expect(n3.inbox).to.have.length(2)
    expect(n1.inbox).to.have.length(0)
  })

  it('counts garbage from the network as malformed or authFailed, never throwing', async function () {
    nodes = await cluster(hub, [opts(1), opts(2)])
    const n2 = at(nodes, 1)
    hub.post(1, 2, new Uint8Array(5))
    hub.post(1, 2, Buffer.alloc(100, 7))
    const forged = Buffer.alloc(100)
    forged[0] = 1
    forged.writeUInt32BE(1, 1)
    hub.post(1, 2, forged)
    await waitFor(() => n2.t.secureStats.malformed === 2 && n2.t.secureStats.authFailed === 1, 2000, 'garbage counted')
    expect(n2.inbox).to.have.length(0)
    expect(n2.t.stats.rxFrames).to.equal(0)
  })

  it('accepts a restarted node (new bootId) whose counters start again at 0', async function () {
    nodes = await cluster(hub, [opts(1), opts(2)])
    const n2 = at(nodes, 1)
    at(nodes, 0).t.send(2, tagged('first life'))
    await waitFor(() => n2.inbox.length === 1, 2000, 'first life')
    await at(nodes, 0).t.close()
    const reborn = (await cluster(hub, [opts(1, { bootId: BOOT + 1 })]))[0] as Node
    nodes.push(reborn)
    reborn.t.send(2, tagged('second life'))
    await waitFor(() => n2.inbox.length === 2, 2000, 'second life')
    expect(n2.t.secureStats.replays).to.equal(0)
  })

  it('without a bootId, claims the next second and waits for it before opening', async function () {
    const t = secure(memory(hub, 1), { authKey: KEY, clusterName: 'alpha', nodeId: 1 })
    nodes = [{ t, inbox: [], wire: [] }]
    const before = Date.now()
    t.send(2, tagged('before open')) // not open yet: dropped, no throw
    await t.open(() => undefined)
    expect(Date.now()).to.be.at.least((Math.floor(before / 1000) + 1) * 1000)
  })

  it('claimBootId never hands two claims made one after the other the same id', async function () {
    let fake = 5_000_999
    const clock = (): number => fake
    const first = claimBootId(clock)
    fake = 5_001_000 // the claimed second begins: the first run starts
    expect(await first).to.equal(5001)
    // The run crashes and restarts within the same second: plain seconds would say 5001 again.
    fake = 5_001_999
    const second = claimBootId(clock)
    fake = 5_002_000
    expect(await second).to.equal(5002)
  })

  it('refuses bad options at construction, not at open()', function () {
    const inner = memory(hub, 1)
    expect(catchCluster(() => secure(inner, opts(1, { authKey: randomBytes(16) })))).to.be.instanceOf(ConfigError)
    expect(catchCluster(() => secure(inner, opts(0)))).to.be.instanceOf(ConfigError)
    expect(catchCluster(() => secure(inner, opts(1, { bootId: -5 })))).to.be.instanceOf(ConfigError)
    expect(catchCluster(() => secure(memory(hub, 1, { frameSizeMax: 33 }), opts(1))).code).to.equal('ERR_INVALID_ARGUMENT')
  })

  it('stops delivering after close, even datagrams already in flight', async function () {
    nodes = await cluster(hub, [opts(1), opts(2)])
    at(nodes, 0).t.send(2, tagged('in flight'))
    await at(nodes, 1).t.close()
    await sleep(20)
    expect(at(nodes, 1).inbox).to.have.length(0)
  })
})
