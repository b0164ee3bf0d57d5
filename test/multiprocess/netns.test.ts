import { expect } from 'chai'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import { NetnsTopology } from '../support/netns.js'
import { basePort, deliverySequences, expectConsistentOrder } from './helpers.js'

/** A real partition and heal between network namespaces (needs root; skipped with a message otherwise). */
describe('multiprocess: partition and heal between network namespaces', function () {
  this.timeout(120_000)
  const ids = [1, 2, 3]
  let net: NetnsTopology | undefined
  let cluster: ProcessCluster | undefined

  before(function () {
    const reason = NetnsTopology.unavailableReason()
    if (reason !== undefined) {
      console.log(`      skipped: ${reason}`)
      this.skip()
    }
    net = new NetnsTopology(ids, process.pid)
    net.create()
    const topology = net
    cluster = new ProcessCluster({
      nodeIds: ids, port: basePort(17), totem: { token: 1000 }, reportDeliveries: true,
      addr: (id) => topology.addr(id), namespace: (id) => topology.ns(id),
    })
  })
  after(async () => {
    await cluster?.close()
    net?.close()
  })

  it('each side of a 2|1 partition forms its own ring; after the heal they merge and order stays consistent', async () => {
    const c = cluster!
    await c.startAll()
    const first = await c.waitForRing(ids, 15_000)
    const load = ids.map((id) => c.request(id, { t: 'send', count: 900, size: 100, guarantee: 'agreed', ratePerSec: 200 }, 'sent'))
    await new Promise((resolve) => setTimeout(resolve, 800))
    net!.partition([[1, 2], [3]])
    await Promise.all([c.waitForRing([1, 2], 15_000), c.waitForRing([3], 15_000)])
    await new Promise((resolve) => setTimeout(resolve, 1000))
    net!.heal()
    const merged = await c.waitForRing(ids, 20_000)
    expect(merged[0]!.ringId.seq).to.be.greaterThan(first[0]!.ringId.seq)
    expect(c.lastRegular(3)!.joined).to.deep.equal([1, 2])
    await Promise.all(load)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expectConsistentOrder(deliverySequences(c, ids))
  })
})
