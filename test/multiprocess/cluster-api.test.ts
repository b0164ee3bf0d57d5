import { expect } from 'chai'
import { totemConfig } from '../../lib/totem/config.js'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import type { ChildMessage } from '../../lib/runtime/node-protocol.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { basePort, monotonicMs } from './helpers.js'

type Membership = Extract<ChildMessage, { t: 'membership' }>

function lastMembership(cluster: ProcessCluster, id: NodeId): Membership | undefined {
  for (let i = cluster.events.length - 1; i >= 0; i--) {
    const e = cluster.events[i]!
    if (e.node === id && e.message.t === 'membership') return e.message
  }
  return undefined
}

function waitMembers(cluster: ProcessCluster, ids: readonly NodeId[], ms: number): Promise<void> {
  const want = [...ids].sort((a, b) => a - b).join(',')
  return cluster.waitFor(() => ids.every((id) => lastMembership(cluster, id)?.members.join(',') === want), ms, `membership [${want}]`)
}

async function groupDigests(cluster: ProcessCluster, ids: readonly NodeId[], group: string): Promise<{ count: number; hash: string; fifoViolations: number }[]> {
  return Promise.all(ids.map(async (id) => (await cluster.request(id, { t: 'cpg-digest', group }, 'digest')).digest))
}

/** The public API (Cluster with its worker engine, CPG, votequorum) across 5 OS processes on real UDP. */
describe('multiprocess: Cluster API, 5 processes in one CPG group', function () {
  this.timeout(180_000)
  const ids = [1, 2, 3, 4, 5]
  const config = totemConfig({ token: 1000 }, ids.length)
  let cluster: ProcessCluster

  before(async () => {
    cluster = new ProcessCluster({ nodeIds: ids, port: basePort(21), program: 'cluster', totem: { token: 1000 } })
    await cluster.startAll()
    await waitMembers(cluster, ids, 20_000)
    await Promise.all(ids.map((id) => cluster.request(id, { t: 'cpg-join', group: 'orders' }, 'cpg-joined')))
  })
  after(async () => { await cluster.close() })

  it('every member delivers the group messages of all senders in one order', async () => {
    await Promise.all(ids.map((id) => cluster.request(id, { t: 'cpg-send', group: 'orders', count: 1500, size: 200, guarantee: 'agreed', ratePerSec: 0 }, 'sent')))
    await cluster.waitFor(() => true, 10, 'tick')
    let digests = await groupDigests(cluster, ids, 'orders')
    for (let i = 0; i < 50 && digests.some((d) => d.count < 7500); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      digests = await groupDigests(cluster, ids, 'orders')
    }
    for (const d of digests) {
      expect(d.count).to.equal(7500)
      expect(d.fifoViolations).to.equal(0)
      expect(d.hash).to.equal(digests[0]!.hash)
    }
  })

  it('kill -9 of a member: the survivors see the new membership within token + consensus, and keep one order', async () => {
    const killedAt = monotonicMs()
    await cluster.kill(5)
    const survivors = [1, 2, 3, 4]
    await waitMembers(cluster, survivors, 3 * (config.token + config.consensus))
    const took = survivors.map((id) => lastMembership(cluster, id)!.at - killedAt)
    console.log(`      kill -9 → membership of 4: ${took.map((t) => t.toFixed(0)).join(', ')} ms (token ${config.token} + consensus ${config.consensus})`)
    for (const t of took) expect(t).to.be.below(config.token + config.consensus + 1000)
    for (const id of survivors) expect(lastMembership(cluster, id)!.left).to.deep.equal([5])
    const before = await groupDigests(cluster, survivors, 'orders')
    await Promise.all(survivors.map((id) => cluster.request(id, { t: 'cpg-send', group: 'orders', count: 500, size: 100, guarantee: 'safe', ratePerSec: 0 }, 'sent')))
    let after = await groupDigests(cluster, survivors, 'orders')
    for (let i = 0; i < 50 && after.some((d, j) => d.count < before[j]!.count + 2000); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = await groupDigests(cluster, survivors, 'orders')
    }
    for (const d of after) expect(d.hash).to.equal(after[0]!.hash)
  })
})

describe('multiprocess: a blocked application main thread', function () {
  this.timeout(120_000)
  // Token 500 ms → 1150 ms for 3 nodes; the application blocks for 3 × that.
  const ids = [1, 2, 3]
  const token = totemConfig({ token: 500 }, 3).token

  for (const engine of ['worker', 'inline'] as const) {
    it(`${engine === 'worker' ? 'stays in the ring with the worker engine' : 'gets the node expelled with the inline engine'}`, async () => {
      const cluster = new ProcessCluster({ nodeIds: ids, port: basePort(engine === 'worker' ? 23 : 25), program: 'cluster', totem: { token: 500 }, cluster: { engine } })
      try {
        await cluster.startAll()
        await waitMembers(cluster, ids, 20_000)
        const before = cluster.events.filter((e) => e.message.t === 'membership').length
        await cluster.request(3, { t: 'block', ms: 3 * token }, 'blocked', 30_000)
        await new Promise((resolve) => setTimeout(resolve, 2 * token))
        const changes = cluster.events.slice(0).filter((e) => e.message.t === 'membership').length - before
        if (engine === 'worker') {
          expect(changes, 'no membership change while the main thread was blocked').to.equal(0)
        } else {
          expect(changes, 'the others re-formed without the blocked node').to.be.greaterThan(0)
          const sawWithout = cluster.events.some((e) => e.node === 1 && e.message.t === 'membership' && !e.message.members.includes(3))
          expect(sawWithout).to.equal(true)
        }
      } finally {
        await cluster.close()
      }
    })
  }
})
