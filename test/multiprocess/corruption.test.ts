import { expect } from 'chai'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import { monotonicMs } from '../../lib/runtime/node-protocol.js'
import { totemConfig } from '../../lib/totem/config.js'
import type { ChildMessage } from '../../lib/runtime/node-protocol.js'
import type { FaultOptions } from '../../lib/transport/faulty.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { Fuzzer } from '../support/fuzzer.js'
import { basePort } from './helpers.js'

/*
 * The run of issue 8, as a user would meet it: three node processes over
 * udpu on loopback without secauth, 300 agreed CPG messages from each, while
 * altered datagrams arrive: every node's transport delivers, next to the
 * genuine datagrams, altered copies of them (bit flips, truncations, splices,
 * garbage) on the way out and on the way in, and a fuzzing socket on each
 * listed address sends altered frames of the cluster to every node. Every
 * node must deliver all 900 messages in one order, every send() must settle,
 * membership must not change, and the drops must be counted in CMAP.
 */

const IDS: readonly NodeId[] = [1, 2, 3]
const PER_NODE = 300

type Membership = Extract<ChildMessage, { t: 'membership' }>

function memberships(cluster: ProcessCluster): Array<{ node: NodeId; m: Membership }> {
  return cluster.events.filter((e) => e.message.t === 'membership').map((e) => ({ node: e.node, m: e.message as Membership }))
}

function faults(id: NodeId): FaultOptions {
  return { side: 'both', corrupt: 0.25, seed: 7919 * id }
}

describe('multiprocess: altered datagrams (plain mode) split nothing and wedge nothing', function () {
  this.timeout(180_000)
  let cluster: ProcessCluster
  let fuzzer: Fuzzer | undefined

  after(async () => {
    await fuzzer?.close()
    await cluster?.close()
  })

  it('3 processes, 900 CPG messages under a storm of altered frames: one order everywhere, every send settles, no membership change', async () => {
    const port = basePort(29)
    cluster = new ProcessCluster({
      nodeIds: IDS, port, program: 'cluster', totem: { token: 1000 },
      env: (id) => ({ TSHA_TEST_FAULTS: JSON.stringify(faults(id)) }),
    })
    await cluster.startAll()
    const want = IDS.join(',')
    await cluster.waitFor(() => IDS.every((id) => memberships(cluster).filter((e) => e.node === id).at(-1)?.m.members.join(',') === want), 30_000, 'one ring of 3')
    await Promise.all(IDS.map((id) => cluster.request(id, { t: 'cpg-join', group: 'storm' }, 'cpg-joined')))
    // Nodes started together may merge twice before they settle: measure from a quiet ring.
    const config = totemConfig({ token: 1000 }, IDS.length)
    for (let i = 0; i < 60 && monotonicMs() - (memberships(cluster).at(-1)?.m.at ?? 0) < config.token + config.consensus; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const formed = memberships(cluster).length
    const ringSeq = memberships(cluster).at(-1)!.m.ringSeq

    fuzzer = new Fuzzer('ts-ha-test', IDS, port)
    await fuzzer.open()
    const stormAt = monotonicMs()
    // Altered copies of frames of the ring before this one. Not of this ring: a splice at a receiver
    // can glue two differently damaged copies back into the intact frame, and an intact join naming
    // the current ring is a forgery, which plain mode cannot tell from the real thing (secauth can).
    const storm = fuzzer.storm(3000, 3000, () => ringSeq - 4)
    const sends = IDS.map((id) => cluster.request(id, { t: 'cpg-send', group: 'storm', count: PER_NODE, size: 100, guarantee: 'agreed', ratePerSec: 100 }, 'sent', 60_000))
    const sent = await Promise.all(sends)
    await storm
    for (const s of sent) expect(s.sent, 'every send() resolved').to.equal(PER_NODE)

    const digests = async () => Promise.all(IDS.map(async (id) => (await cluster.request(id, { t: 'cpg-digest', group: 'storm' }, 'digest')).digest))
    let d = await digests()
    for (let i = 0; i < 100 && d.some((x) => x.count < PER_NODE * IDS.length); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      d = await digests()
    }
    for (const x of d) {
      expect(x.count, 'every message delivered everywhere').to.equal(PER_NODE * IDS.length)
      expect(x.fifoViolations).to.equal(0)
      expect(x.hash, 'one order on every node').to.equal(d[0]!.hash)
    }
    const changes = memberships(cluster).slice(formed)
    for (const e of changes) console.log(`      node ${e.node}: ring ${e.m.ringSeq} ${(e.m.at - stormAt).toFixed(0)} ms into the storm`)
    expect(changes, 'no membership change').to.deep.equal([])
    expect(cluster.events.filter((e) => e.message.t === 'error'), 'no send rejected').to.deep.equal([])

    // CMAP's counters are refreshed every second.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    for (const id of IDS) {
      const stats = (await cluster.request(id, { t: 'stats' }, 'stats')).stats as Record<string, string>
      const checksum = Number(stats['runtime.totem.stats.net.rx_dropped.checksum'] ?? 0)
      console.log(`      node ${id}: rx_dropped.checksum ${checksum}, malformed ${stats['runtime.totem.stats.net.rx_dropped.malformed']}, ` +
        `version ${stats['runtime.totem.stats.net.rx_dropped.version']}, token_rejected ${stats['runtime.totem.stats.srp.token_rejected']}`)
      expect(checksum, `node ${id} counted the damaged frames`).to.be.greaterThan(100)
    }
    console.log(`      fuzzer sent ${fuzzer.sent} altered frames from the listed addresses`)
  })
})
