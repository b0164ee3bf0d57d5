import dgram from 'node:dgram'
import { expect } from 'chai'
import { ClusterError, ConfigError } from '../../lib/errors.js'
import { udpu, type UdpuOptions } from '../../lib/transport/udpu.js'
import { count, openCluster, sleep, tagged, transportCompliance, waitFor, type Cluster } from './compliance.js'
import { loopbackNodes, portSequence } from '../support/loopback.js'

const FRAME = 9000

const nextPort = portSequence(20000, 101)

function cluster(n: number, extra: Partial<UdpuOptions> = {}) {
  const port = nextPort()
  const nodes = loopbackNodes(n)
  return nodes.map((node) => udpu({ self: node.nodeId, nodes, port, frameSizeMax: FRAME, ...extra }))
}

/** A bare socket for injecting traffic the transport did not send. */
async function rawSocket(addr: string, type: 'udp4' | 'udp6' = 'udp4', port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket(type)
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject)
    s.bind(port, addr, () => resolve())
  })
  return s
}

function sendRaw(s: dgram.Socket, bytes: Uint8Array, port: number, addr: string): Promise<void> {
  return new Promise((resolve, reject) => s.send(bytes, port, addr, (err) => (err ? reject(err) : resolve())))
}

function closeRaw(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()))
}

transportCompliance('udpu on 127.0.0.1-3', async (n) => cluster(n))

transportCompliance('udpu on one address, per-node ports', async (n) => {
  const base = nextPort()
  const nodes = Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, addr: '127.0.0.1' }))
  const ports = Object.fromEntries(nodes.map((node) => [node.nodeId, base + node.nodeId]))
  return nodes.map((node) => udpu({ self: node.nodeId, nodes, port: base, ports, frameSizeMax: FRAME }))
})

describe('udpu transport', function () {
  let c: Cluster | undefined
  let raw: dgram.Socket | undefined
  afterEach(async function () {
    await c?.close()
    if (raw !== undefined) await closeRaw(raw)
    c = undefined
    raw = undefined
  })

  /** Node 1's port in an opened cluster, read back from its nodelist-wide port. */
  async function openWithPort(n: number, extra: Partial<UdpuOptions> = {}): Promise<{ c: Cluster; port: number }> {
    let port = 0
    const opened = await openCluster(async (k) => {
      port = nextPort()
      const nodes = loopbackNodes(k)
      return nodes.map((node) => udpu({ self: node.nodeId, nodes, port, frameSizeMax: FRAME, ...extra }))
    }, n)
    return { c: opened, port }
  }

  it('drops and counts datagrams from addresses outside the nodelist', async function () {
    const opened = await openWithPort(2)
    c = opened.c
    raw = await rawSocket('127.0.0.99')
    const intruder = tagged('intruder')
    await sendRaw(raw, intruder, opened.port, '127.0.0.1')
    await waitFor(() => c?.transports[0]?.stats.rxUnlisted === 1, 2000, 'rxUnlisted')
    expect(count(c.inbox[0], intruder)).to.equal(0)
    expect(c.transports[0]?.stats.rxFrames).to.equal(0)
  })

  it('accepts unlisted sources when blockUnlistedIps is false', async function () {
    const opened = await openWithPort(2, { blockUnlistedIps: false })
    c = opened.c
    raw = await rawSocket('127.0.0.99')
    const stranger = tagged('stranger')
    await sendRaw(raw, stranger, opened.port, '127.0.0.1')
    await waitFor(() => count(c?.inbox[0], stranger) === 1, 2000, 'delivery from 127.0.0.99')
    expect(c.transports[0]?.stats.rxUnlisted).to.equal(0)
  })

  it('drops and counts received datagrams larger than frameSizeMax', async function () {
    const opened = await openWithPort(2)
    c = opened.c
    raw = await rawSocket('127.0.0.2') // a listed address, so only the size is wrong
    const big = Buffer.alloc(FRAME + 1, 1)
    const fine = tagged('fine')
    await sendRaw(raw, big, opened.port, '127.0.0.1')
    await sendRaw(raw, fine, opened.port, '127.0.0.1')
    await waitFor(() => count(c?.inbox[0], fine) === 1, 2000, 'the datagram after the big one')
    await sleep(20)
    expect(c.transports[0]?.stats.oversize).to.equal(1)
    expect(count(c.inbox[0], big)).to.equal(0)
  })

  it('rejects open() with ERR_TRANSPORT naming the address when the port is taken', async function () {
    let port = 0
    for (let attempt = 0; raw === undefined && attempt < 5; attempt++) {
      port = nextPort()
      raw = await rawSocket('127.0.0.1', 'udp4', port).catch(() => undefined)
    }
    expect(raw, 'a free port to squat on').not.to.equal(undefined)
    const nodes = loopbackNodes(2)
    const t = udpu({ self: 1, nodes, port, frameSizeMax: FRAME })
    const err: unknown = await t.open(() => undefined).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(ClusterError)
    expect((err as ClusterError).code).to.equal('ERR_TRANSPORT')
    expect((err as Error).message).to.contain(`127.0.0.1:${port}`)
    await t.close()
    await t.close()
  })

  it('runs over IPv6 loopback', async function () {
    const nodes = [
      { nodeId: 1, addr: '::1' },
      { nodeId: 2, addr: '0:0:0:0:0:0:0:1' }, // another spelling: the unlisted filter must not mind
    ]
    try {
      c = await openCluster(async () => {
        const base = nextPort()
        const ports = { 1: base, 2: base + 1 }
        return nodes.map((node) => udpu({ self: node.nodeId, nodes, port: base, ports, frameSizeMax: FRAME }))
      }, 2)
    } catch (err) {
      if ((err as Error).message.includes('EADDRNOTAVAIL')) this.skip() // no ::1 in this sandbox
      throw err
    }
    const p = tagged('v6')
    c.transports[0]?.multicast(p)
    c.transports[1]?.send(1, p)
    await waitFor(() => count(c?.inbox[1], p) === 1 && count(c?.inbox[0], p) === 1, 2000, 'IPv6 deliveries')
    expect(c.transports[0]?.stats.rxUnlisted).to.equal(0)
  })

  it('rejects inconsistent options with ConfigError', function () {
    const nodes = loopbackNodes(2)
    expect(() => udpu({ self: 3, nodes, frameSizeMax: FRAME })).to.throw(ConfigError, /not in the nodelist/)
    expect(() => udpu({ self: 1, nodes, frameSizeMax: 70_000 })).to.throw(ConfigError, /frameSizeMax/)
    expect(() => udpu({ self: 1, nodes, port: 0, frameSizeMax: FRAME })).to.throw(ConfigError, /port/)
    expect(() => udpu({ self: 1, nodes: [...nodes, { nodeId: 2, addr: '127.0.0.9' }], frameSizeMax: FRAME })).to.throw(ConfigError, /duplicate/)
    expect(() => udpu({ self: 1, nodes: [{ nodeId: 1, addr: 'localhost' }], frameSizeMax: FRAME })).to.throw(ConfigError, /IP address/)
  })
})
