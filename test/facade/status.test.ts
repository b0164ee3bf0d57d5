import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { freshPort, stopAll, quorateRing } from './support.js'

describe('facade: cluster.status()', function () {
  this.timeout(60_000)
  let all: Cluster[] = []
  afterEach(async () => { await stopAll(all.splice(0)) })

  it('is one plain-JSON snapshot: ring, members, quorum, groups, locks held and awaited, checkpoints, engine stats', async () => {
    all = await quorateRing(freshPort(77), (id) => ({ engine: id === 1 ? 'worker' : 'inline' }))
    const [a, b] = all as [Cluster, Cluster]
    expect(JSON.parse(JSON.stringify(a.ringId))).to.be.a('string')
    await a.cpg.join('orders')
    const held = await a.locks.acquire('leader')
    const other = await b.locks.acquire('other')
    const waiting = a.locks.acquire('other', { timeoutMs: 20_000 })
    await a.checkpoints.open('state', { create: true })
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const status = (a as unknown as { status(): Record<string, unknown> }).status()
    const json = JSON.parse(JSON.stringify(status)) as Record<string, unknown>
    expect(json, 'survives JSON unchanged').to.deep.equal(status)
    expect(json).to.include({ nodeId: 1, clusterName: 'facade', state: 'running' })
    const ring = json['ring'] as { id: string; members: Array<{ nodeId: number; name: string; addr: string }> }
    expect(ring.id).to.match(/^\d+\.\d+$/)
    expect(ring.members.map((m) => [m.nodeId, m.name, m.addr])).to.deep.equal([[1, 'node1', '127.0.0.1'], [2, 'node2', '127.0.0.2'], [3, 'node3', '127.0.0.3']])
    expect(json['quorum']).to.include({ quorate: true, votes: 3, expectedVotes: 3, quorum: 2 })
    expect((json['groups'] as Array<{ name: string; members: number }>).map((g) => [g.name, g.members])).to.deep.equal([['orders', 1]])
    const locks = json['locks'] as { held: Array<{ name: string; fencingToken: string }>; waiting: Array<{ name: string }> }
    expect(locks.held.map((l) => l.name)).to.deep.equal(['leader'])
    expect(locks.held[0]!.fencingToken).to.equal(held.fencingToken.toString())
    expect(locks.waiting.map((l) => l.name)).to.deep.equal(['other'])
    expect((json['checkpoints'] as Array<{ name: string }>).map((c) => c.name)).to.deep.equal(['state'])
    const engine = json['engine'] as Record<string, Record<string, number>>
    expect(engine['srp']).to.be.an('object')
    expect(engine['transport']).to.be.an('object')
    await other.release()
    await (await waiting).release()
    await held.release()
  })
})
