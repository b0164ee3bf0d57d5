import dgram from 'node:dgram'
import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { udp, type UdpOptions } from '../../lib/transport/udp.js'
import { count, openCluster, sleep, tagged, transportCompliance, waitFor, type Cluster } from './compliance.js'
import { loopbackNodes, portSequence } from '../support/loopback.js'

const FRAME = 9000
/** Administratively scoped group, varied by pid so concurrent runs do not hear each other. */
const GROUP = `239.255.${(process.pid >> 8) & 255}.${process.pid & 255}`

/** Group ports; each node also uses port - 1 for its token socket. */
const nextPort = portSequence(30000, 103)

/** ttl 0: the kernel loops the datagrams back locally and never puts them on any wire. */
function cluster(n: number, port: number, extra: Partial<UdpOptions> = {}) {
  const nodes = loopbackNodes(n)
  return nodes.map((node) => udp({ self: node.nodeId, nodes, mcastAddr: GROUP, port, ttl: 0, frameSizeMax: FRAME, ...extra }))
}

function bindRaw(s: dgram.Socket, port: number, addr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject)
    s.bind(port, addr, () => resolve())
  })
}

function closeRaw(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()))
}

/**
 * Whether a group datagram sent on the loopback interface reaches a socket
 * that joined the group there. Returns why not, or undefined when it works.
 */
async function multicastOnLoopback(): Promise<string | undefined> {
  const port = nextPort()
  const receiver = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  const sender = dgram.createSocket('udp4')
  receiver.on('error', () => undefined)
  sender.on('error', () => undefined)
  let heard = false
  receiver.on('message', (msg) => (heard ||= msg.toString() === 'probe'))
  try {
    await bindRaw(receiver, port, '0.0.0.0')
    receiver.addMembership(GROUP, '127.0.0.1')
    await bindRaw(sender, 0, '127.0.0.1')
    sender.setMulticastInterface('127.0.0.1')
    sender.setMulticastTTL(0)
    for (let i = 0; i < 5 && !heard; i++) {
      sender.send('probe', port, GROUP)
      await sleep(100)
    }
    return heard ? undefined : `nothing sent to ${GROUP} on lo came back`
  } catch (err) {
    return `multicast setup on lo failed: ${(err as Error).message}`
  } finally {
    await Promise.all([closeRaw(receiver), closeRaw(sender)])
  }
}

describe('udp multicast transport', function () {
  before(async function () {
    const reason = await multicastOnLoopback()
    if (reason !== undefined) {
      console.warn(`      skipping udp multicast tests: ${reason}`)
      this.skip()
    }
  })

  transportCompliance('udp on 127.0.0.1-3', async (n) => cluster(n, nextPort()))

  describe('specifics', function () {
    let c: Cluster | undefined
    let raw: dgram.Socket | undefined
    afterEach(async function () {
      await c?.close()
      if (raw !== undefined) await closeRaw(raw)
      c = undefined
      raw = undefined
    })

    async function openWithPort(n: number, extra: Partial<UdpOptions> = {}): Promise<number> {
      let port = 0
      c = await openCluster(async (k) => cluster(k, (port = nextPort()), extra), n)
      return port
    }

    it('multicasts once on the wire, and the group sees every sender exactly once', async function () {
      await openWithPort(3)
      const p = tagged('once')
      c?.transports[1]?.multicast(p)
      await waitFor(() => count(c?.inbox[0], p) === 1 && count(c?.inbox[2], p) === 1, 2000, 'group delivery')
      expect(c?.transports[1]?.stats.txFrames, 'one datagram for the whole group').to.equal(1)
      await sleep(30)
      expect(count(c?.inbox[1], p), 'no loopback to the sender').to.equal(0)
    })

    it('drops and counts group and unicast datagrams from unlisted addresses', async function () {
      const port = await openWithPort(2)
      raw = dgram.createSocket('udp4')
      await bindRaw(raw, 0, '127.0.0.99')
      raw.setMulticastInterface('127.0.0.1')
      raw.setMulticastTTL(0)
      const intruder = tagged('intruder')
      raw.send(intruder, port, GROUP) // to the group socket of every node
      raw.send(intruder, port - 1, '127.0.0.1') // to node 1's token socket
      await waitFor(() => c?.transports[0]?.stats.rxUnlisted === 2 && c.transports[1]?.stats.rxUnlisted === 1, 2000, 'rxUnlisted')
      expect(count(c?.inbox[0], intruder) + count(c?.inbox[1], intruder)).to.equal(0)
    })

    it('keeps two nodes of one host apart for unicast despite the shared group port', async function () {
      await openWithPort(3)
      const sent = [1, 2, 3].map((to) => {
        const p = tagged(`to${to}`)
        c?.transports[to === 1 ? 1 : 0]?.send(to, p)
        return p
      })
      await waitFor(() => sent.every((p, j) => count(c?.inbox[j], p) === 1), 2000, 'unicasts')
      await sleep(30)
      for (const [j, box] of (c?.inbox ?? []).entries()) expect(box, `node ${j + 1}`).to.have.length(1)
    })

    it('rejects inconsistent options with ConfigError', function () {
      const nodes = loopbackNodes(2)
      const base = { self: 1, nodes, frameSizeMax: FRAME }
      expect(() => udp({ ...base, mcastAddr: '10.0.0.1' })).to.throw(ConfigError, /multicast/)
      expect(() => udp({ ...base, mcastAddr: 'ff02::1' })).to.throw(ConfigError, /multicast/)
      expect(() => udp({ ...base, mcastAddr: GROUP, ttl: 256 })).to.throw(ConfigError, /ttl/)
      expect(() => udp({ ...base, mcastAddr: GROUP, port: 1 })).to.throw(ConfigError, /port/)
      expect(() => udp({ ...base, mcastAddr: GROUP, bindAddr: '0.0.0.0' })).to.throw(ConfigError, /concrete/)
    })
  })
})
