import { expect } from 'chai'
import { totemConfig } from '../../lib/totem/config.js'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import { basePort, deliverySequences, expectConsistentOrder, monotonicMs } from './helpers.js'

/**
 * Totem nodes as separate OS processes over real UDP (udpu) on 127.0.0.1–5:
 * the same engine the simulator checks, now with real timers and sockets.
 */
for (const size of [3, 5]) {
  describe(`multiprocess: ${size} node processes over udpu`, function () {
    this.timeout(120_000)
    const ids = Array.from({ length: size }, (_, i) => i + 1)
    const config = totemConfig({}, size)
    let cluster: ProcessCluster

    before(async () => {
      cluster = new ProcessCluster({ nodeIds: ids, port: basePort(size) })
      await cluster.startAll()
      await cluster.waitForRing(ids, 15_000)
    })
    after(async () => { await cluster.close() })

    it('delivers the same messages in the same order on every node under load from all senders', async () => {
      const perNode = 3000
      await Promise.all(ids.map((id) => cluster.request(id, { t: 'send', count: perNode, size: 120, guarantee: 'agreed', ratePerSec: 0 }, 'sent')))
      const total = perNode * size
      const digests = async (): Promise<{ count: number; hash: string; fifoViolations: number }[]> =>
        Promise.all(ids.map(async (id) => (await cluster.request(id, { t: 'digest' }, 'digest')).digest))
      let last = await digests()
      for (let i = 0; i < 100 && last.some((d) => d.count < total); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        last = await digests()
      }
      for (const d of last) {
        expect(d.count).to.equal(total)
        expect(d.fifoViolations).to.equal(0)
        expect(d.hash).to.equal(last[0]!.hash)
      }
    })

    it('kill -9 of one node: the survivors install a new configuration within token + consensus', async () => {
      const victim = ids.at(-1)!
      const survivors = ids.slice(0, -1)
      const killedAt = monotonicMs()
      await cluster.kill(victim)
      const configs = await cluster.waitForRing(survivors, 3 * (config.token + config.consensus))
      const took = configs.map((c) => c.at - killedAt)
      console.log(`      kill -9 → new configuration: ${took.map((t) => t.toFixed(0)).join(', ')} ms ` +
        `(token ${config.token} + consensus ${config.consensus} = ${config.token + config.consensus} ms)`)
      for (const t of took) expect(t).to.be.below(config.token + config.consensus + 1000)
    })
  })
}

describe('multiprocess: a paused process (SIGSTOP beyond the token timeout, then SIGCONT)', function () {
  this.timeout(120_000)
  const ids = [1, 2, 3]
  let cluster: ProcessCluster

  before(async () => {
    cluster = new ProcessCluster({ nodeIds: ids, port: basePort(11), totem: { token: 1000 }, reportDeliveries: true })
    await cluster.startAll()
    await cluster.waitForRing(ids, 15_000)
  })
  after(async () => { await cluster.close() })

  it('comes back through a fresh membership and no node ever delivers out of order', async () => {
    const load = ids.map((id) => cluster.request(id, { t: 'send', count: 600, size: 100, guarantee: 'agreed', ratePerSec: 300 }, 'sent'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const before = cluster.lastRegular(1)!.ringId.seq
    cluster.signal(2, 'SIGSTOP')
    await cluster.waitForRing([1, 3], 10_000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    cluster.signal(2, 'SIGCONT')
    const back = await cluster.waitForRing(ids, 15_000)
    expect(back[0]!.ringId.seq).to.be.greaterThan(before)
    await Promise.all(load)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expectConsistentOrder(deliverySequences(cluster, ids))
    const paused = cluster.events.filter((e) => e.node === 2 && e.message.t === 'warning' && e.message.code === 'process-pause')
    expect(paused.length, 'node 2 noticed its own pause').to.be.greaterThan(0)
  })
})

describe('multiprocess: frames of another cluster on our port', function () {
  this.timeout(60_000)
  it('are ignored and counted, and our ring is not disturbed', async () => {
    const port = basePort(13)
    const ours = new ProcessCluster({ nodeIds: [1, 2, 3], port, clusterName: 'ours' })
    // The stranger shares our addresses and port plan but not our cluster name; it sits on a port of its own.
    const stranger = new ProcessCluster({ nodeIds: [1, 2, 3], port, ports: { 3: port + 1 }, clusterName: 'theirs' })
    try {
      await Promise.all([ours.start(1), ours.start(2)])
      await ours.waitForRing([1, 2], 15_000)
      const configsBefore = ours.events.filter((e) => e.message.t === 'config').length
      await stranger.start(3)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const stats = await ours.request(1, { t: 'stats' }, 'stats')
      const dropped = (stats.stats as { rxDropped: { cluster: number } }).rxDropped.cluster
      expect(dropped, 'foreign frames counted').to.be.greaterThan(0)
      expect(ours.events.filter((e) => e.message.t === 'config').length).to.equal(configsBefore)
      expect(ours.lastRegular(1)!.members).to.deep.equal([1, 2])
    } finally {
      await stranger.close()
      await ours.close()
    }
  })
})
