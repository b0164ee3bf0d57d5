import { expect } from 'chai'
import { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import type { ChildMessage } from '../../lib/runtime/node-protocol.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { NetnsTopology } from '../support/netns.js'
import { basePort, lastEvent, monotonicMs, netnsCluster } from './helpers.js'

type Hold = Extract<ChildMessage, { t: 'lock-hold' }>

interface Interval { node: NodeId; token: bigint; from: number; to: number }

/**
 * The external log of every hold (token, holder, interval), built from what
 * the node processes report and from when the test killed them. Holds of one
 * exclusive lock must not overlap in time, and tokens must grow with time.
 */
function intervals(cluster: ProcessCluster, killedAt: ReadonlyMap<NodeId, number>): Interval[] {
  const byKey = new Map<string, Interval>()
  for (const { message: m } of cluster.events) {
    if (m.t !== 'lock-hold') continue
    const h = m as Hold
    const key = `${h.node}/${h.token}`
    const open = killedAt.get(h.node) ?? Infinity
    const prev = byKey.get(key)
    byKey.set(key, { node: h.node, token: BigInt(h.token), from: h.from, to: h.to === 0 ? Math.max(prev?.to ?? 0, open) : h.to })
  }
  return [...byKey.values()].sort((a, b) => (a.token < b.token ? -1 : 1))
}

function expectMutualExclusion(log: Interval[]): void {
  const tokens = log.map((i) => i.token)
  expect(new Set(tokens.map(String)).size, 'a token was granted twice').to.equal(tokens.length)
  for (let k = 1; k < log.length; k++) {
    const a = log[k - 1]!
    const b = log[k]!
    expect(b.from, `token ${b.token} (node ${b.node}) granted before token ${a.token} (node ${a.node}) ended`).to.be.at.least(a.to)
  }
}

/** Starts the contention on every node; the returned function waits for the nodes still alive to finish. */
function contend(c: ProcessCluster, ids: readonly NodeId[], durationMs: number): (alive: readonly NodeId[]) => Promise<unknown> {
  const done = new Map(ids.map((id) => [id, c.request(id, { t: 'lock-contend', name: 'orders', contenders: 2, holdMs: 20, durationMs }, 'lock-contend-done', durationMs + 60_000)]))
  for (const p of done.values()) p.catch(() => undefined)
  return (alive) => Promise.all(alive.map((id) => done.get(id)))
}

describe('multiprocess: 5 processes contend on one lock', function () {
  this.timeout(180_000)
  const ids = [1, 2, 3, 4, 5]
  let cluster: ProcessCluster

  before(async () => {
    cluster = new ProcessCluster({ nodeIds: ids, port: basePort(43), program: 'cluster', totem: { token: 1000 } })
    await cluster.startAll()
    await cluster.waitFor(() => ids.every((id) => lastEvent(cluster, id, 'quorum')?.quorate === true && lastEvent(cluster, id, 'membership')?.members.length === 5), 30_000, 'a quorate ring of 5')
  })
  after(async () => { await cluster.close() })

  it('kill -9 of nodes while they contend: holds never overlap, tokens only grow, the lock keeps moving', async () => {
    const killedAt = new Map<NodeId, number>()
    const work = contend(cluster, ids, 16_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    // Kill whoever holds the lock right now, then another node a little later.
    const open = intervals(cluster, killedAt).filter((i) => i.to === Infinity)
    const victim = open[0]?.node ?? 5
    killedAt.set(victim, monotonicMs())
    await cluster.kill(victim)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const second = ids.find((id) => id !== victim && id !== 1)!
    killedAt.set(second, monotonicMs())
    await cluster.kill(second)
    await work(ids.filter((id) => !killedAt.has(id)))
    const log = intervals(cluster, killedAt)
    const afterKills = log.filter((i) => i.from > killedAt.get(second)!).length
    console.log(`      ${log.length} holds; killed node ${victim} (holding: ${open.length > 0}) and node ${second}; ${afterKills} holds after the second kill`)
    expectMutualExclusion(log)
    expect(afterKills, 'the survivors kept granting').to.be.greaterThan(10)
  })
})

describe('multiprocess: lock holders across a 3|2 partition between network namespaces', function () {
  this.timeout(180_000)
  const ids = [1, 2, 3, 4, 5]
  let net: NetnsTopology | undefined
  let cluster: ProcessCluster | undefined

  before(async function () {
    const made = await netnsCluster(ids, 11, { port: basePort(45), program: 'cluster', totem: { token: 1000 }, cluster: { locks: { lockDelayMs: 1500 } } }, () => this.skip())
    net = made?.net
    cluster = made?.cluster
    if (cluster === undefined) return
    const c = cluster
    await c.waitFor(() => ids.every((id) => lastEvent(c, id, 'quorum')?.quorate === true && lastEvent(c, id, 'membership')?.members.length === 5), 30_000, 'a quorate ring of 5')
  })
  after(async () => {
    await cluster?.close()
    net?.close()
  })

  it('the 2-side stops granting and its holders lose the lock; the 3-side goes on; after the heal all contend again, with no overlap', async () => {
    const c = cluster!
    const work = contend(c, ids, 18_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    net!.partition([[1, 2, 3], [4, 5]])
    // The cut is complete only once partition() returns: grants delivered before that are legitimate.
    const cutAt = monotonicMs()
    await c.waitFor(() => [4, 5].every((id) => lastEvent(c, id, 'quorum')?.quorate === false), 30_000, 'the 2-side to lose quorum')
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const healAt = monotonicMs()
    net!.heal()
    await work(ids)
    const log = intervals(c, new Map())
    const minorityDuring = log.filter((i) => (i.node === 4 || i.node === 5) && i.from > cutAt + 100 && i.from < healAt)
    const majorityDuring = log.filter((i) => i.node <= 3 && i.from > cutAt && i.from < healAt)
    const afterHeal = log.filter((i) => i.from > healAt)
    console.log(`      ${log.length} holds: ${majorityDuring.length} on the 3-side during the partition, ${minorityDuring.length} on the 2-side, ${afterHeal.length} after the heal`)
    expect(minorityDuring, 'grants in the inquorate partition').to.deep.equal([])
    expect(majorityDuring.length).to.be.greaterThan(0)
    expectMutualExclusion(log)
  })
})
