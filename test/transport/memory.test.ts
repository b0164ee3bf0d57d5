import { expect } from 'chai'
import { ClusterError } from '../../lib/errors.js'
import { MemoryHub, memory } from '../../lib/transport/memory.js'
import type { Transport } from '../../lib/transport/transport.js'
import { count, openCluster, sleep, tagged, transportCompliance, waitFor } from './compliance.js'

function hubOf(n: number, hub = new MemoryHub()): Transport[] {
  return Array.from({ length: n }, (_, i) => memory(hub, i + 1, { frameSizeMax: 9000 }))
}

transportCompliance('memory', async (n) => hubOf(n))

describe('memory transport', function () {
  it('delivers asynchronously, never inside send()', async function () {
    const c = await openCluster(async (n) => hubOf(n), 2)
    try {
      const p = tagged('async')
      c.transports[0]?.send(2, p)
      expect(c.inbox[1]).to.have.length(0)
      await waitFor(() => count(c.inbox[1], p) === 1, 1000, 'async delivery')
    } finally {
      await c.close()
    }
  })

  it('gives every receiver its own copy', async function () {
    const hub = new MemoryHub()
    const got: Uint8Array[] = []
    const [a, b, d] = [memory(hub, 1), memory(hub, 2), memory(hub, 3)]
    await a.open(() => undefined)
    await b.open((bytes) => {
      bytes.fill(0) // a careless receiver
      got.push(bytes)
    })
    await d.open((bytes) => got.push(bytes))
    try {
      a.multicast(Buffer.from([1, 2, 3]))
      await waitFor(() => got.length === 2, 1000, 'two deliveries')
      expect(got.map((g) => [...g])).to.deep.include.members([[0, 0, 0], [1, 2, 3]])
    } finally {
      await Promise.all([a.close(), b.close(), d.close()])
    }
  })

  it('cuts and heals links in both directions', async function () {
    const hub = new MemoryHub()
    const c = await openCluster(async (n) => hubOf(n, hub), 3)
    try {
      hub.disconnect(1, 2)
      const [p12, p21, m1] = [tagged('1->2'), tagged('2->1'), tagged('m1')]
      c.transports[0]?.send(2, p12)
      c.transports[1]?.send(1, p21)
      c.transports[0]?.multicast(m1)
      await waitFor(() => count(c.inbox[2], m1) === 1, 1000, 'multicast at node 3')
      await sleep(20)
      expect(count(c.inbox[1], p12) + count(c.inbox[0], p21) + count(c.inbox[1], m1)).to.equal(0)
      expect(hub.counters.unreachable).to.equal(3)
      hub.reconnect(2, 1)
      c.transports[0]?.send(2, p12)
      await waitFor(() => count(c.inbox[1], p12) === 1, 1000, 'delivery after reconnect')
    } finally {
      await c.close()
    }
  })

  it('loses datagrams in flight when the link is cut before delivery', async function () {
    const hub = new MemoryHub()
    const c = await openCluster(async (n) => hubOf(n, hub), 2)
    try {
      const p = tagged('in-flight')
      c.transports[0]?.send(2, p)
      hub.disconnect(1, 2)
      await sleep(20)
      expect(count(c.inbox[1], p)).to.equal(0)
    } finally {
      await c.close()
    }
  })

  it('bounds each inbox and counts the overflow', async function () {
    const hub = new MemoryHub({ inboxMax: 5 })
    const c = await openCluster(async (n) => hubOf(n, hub), 2)
    try {
      for (let i = 0; i < 12; i++) c.transports[0]?.send(2, tagged(`burst${i}`))
      expect(hub.counters.overflow).to.equal(7)
      await waitFor(() => c.inbox[1]?.length === 5, 1000, 'five deliveries')
      await sleep(20)
      expect(c.inbox[1]).to.have.length(5)
    } finally {
      await c.close()
    }
  })

  it('lets replies wait for the next turn instead of recursing', async function () {
    const hub = new MemoryHub()
    const a = memory(hub, 1)
    const b = memory(hub, 2)
    let pongs = 0
    let depth = 0
    let maxDepth = 0
    await a.open(() => {
      pongs++
      if (pongs < 1000) a.send(2, Buffer.from('ping'))
    })
    await b.open(() => {
      depth++
      maxDepth = Math.max(maxDepth, depth)
      b.send(1, Buffer.from('pong'))
      depth--
    })
    try {
      a.send(2, Buffer.from('ping'))
      await waitFor(() => pongs === 1000, 5000, '1000 round trips')
      expect(maxDepth).to.equal(1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('refuses a second transport with the same node id', async function () {
    const hub = new MemoryHub()
    const a = memory(hub, 1)
    const dup = memory(hub, 1)
    await a.open(() => undefined)
    try {
      const err: unknown = await dup.open(() => undefined).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.be.instanceOf(ClusterError)
      expect((err as ClusterError).code).to.equal('ERR_TRANSPORT')
      expect(hub.nodes).to.deep.equal([1])
    } finally {
      await Promise.all([a.close(), dup.close()])
    }
    expect(hub.nodes).to.deep.equal([])
  })
})
