import { expect } from 'chai'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import type { ChildMessage } from '../../lib/runtime/node-protocol.js'
import { NetnsTopology } from '../support/netns.js'
import { basePort, deliverySequences, expectConsistentOrder, lastEvent, netnsCluster } from './helpers.js'

type Quorum = Extract<ChildMessage, { t: 'quorum' }>

/** 5 Cluster processes, one network namespace each; a 3|2 partition and its heal (needs root). */
describe('multiprocess: Cluster API, a 3|2 partition between network namespaces', function () {
  this.timeout(180_000)
  const ids = [1, 2, 3, 4, 5]
  let net: NetnsTopology | undefined
  let cluster: ProcessCluster | undefined

  before(async function () {
    const made = await netnsCluster(ids, 7, { port: basePort(27), program: 'cluster', totem: { token: 1000 }, reportDeliveries: true }, () => this.skip())
    net = made?.net
    cluster = made?.cluster
    if (cluster === undefined) return
    await cluster.waitFor(() => ids.every((id) => lastEvent(cluster!, id, 'membership')?.members.length === 5), 30_000, 'ring of 5')
    await Promise.all(ids.map((id) => cluster!.request(id, { t: 'cpg-join', group: 'ledger' }, 'cpg-joined')))
  })
  after(async () => {
    await cluster?.close()
    net?.close()
  })

  it('only the 3-side stays quorate; group order stays consistent; the 2-side rejoins after the heal', async () => {
    const c = cluster!
    const load = ids.map((id) => c.request(id, { t: 'cpg-send', group: 'ledger', count: 1200, size: 100, guarantee: 'agreed', ratePerSec: 200 }, 'sent', 60_000))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    net!.partition([[1, 2, 3], [4, 5]])
    const sideA = [1, 2, 3]
    const sideB = [4, 5]
    await c.waitFor(() => sideA.every((id) => lastEvent(c, id, 'membership')?.members.join(',') === '1,2,3') &&
      sideB.every((id) => lastEvent(c, id, 'membership')?.members.join(',') === '4,5'), 30_000, 'two partitions')
    await c.waitFor(() => sideB.every((id) => lastEvent(c, id, 'quorum')?.quorate === false), 10_000, 'the 2-side to lose quorum')
    for (const id of sideA) expect((lastEvent(c, id, 'quorum') as Quorum).quorate, `node ${id}`).to.equal(true)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    net!.heal()
    await c.waitFor(() => ids.every((id) => lastEvent(c, id, 'membership')?.members.length === 5 && lastEvent(c, id, 'quorum')?.quorate === true), 30_000, 'merged and quorate')
    expect(lastEvent(c, 4, 'membership')!.joined).to.deep.equal([1, 2, 3])
    await Promise.allSettled(load)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expectConsistentOrder(deliverySequences(c, ids))
  })
})
