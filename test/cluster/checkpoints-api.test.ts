import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { ClusterError } from '../../lib/errors.js'
import { basePort } from '../multiprocess/helpers.js'
import { stopAll, threeNodes, until } from './three-nodes.js'

describe('cluster.checkpoints (3 nodes in one process)', function () {
  this.timeout(60_000)
  let all: Cluster[]
  before(async () => { all = await threeNodes(basePort(53)) })
  after(async () => { await stopAll(all) })

  it('a write on one node is readable on every node when it resolves; sections() follows changes from anywhere', async () => {
    const [a, b, c] = all as [Cluster, Cluster, Cluster]
    const ca = await a.checkpoints.open('state', { create: true, retentionMs: 1000 })
    const cb = await b.checkpoints.open('state')
    const cc = await c.checkpoints.open('state')
    await ca.write('leader', 'node1')
    await cb.write('config', Buffer.from([1, 2, 3]))
    for (const ck of [ca, cb, cc]) {
      expect((await ck.read('leader'))?.toString()).to.equal('node1')
      expect([...(await ck.read('config'))!]).to.deep.equal([1, 2, 3])
    }
    await until(() => cc.sections().join() === 'config,leader', 'sections on node 3')
    await cc.delete('leader')
    expect(await ca.read('leader')).to.equal(undefined)
    await until(() => ca.sections().join() === 'config', 'the delete seen on node 1')
    await Promise.all([ca.close(), cb.close(), cc.close()])
  })

  it('typed errors: missing without create, oversize section, closed handle; unlink tells open handles', async () => {
    const [a, b] = all as [Cluster, Cluster]
    const missing = await a.checkpoints.open('nope').then(() => undefined, (e: unknown) => e)
    expect((missing as ClusterError).code).to.equal('ERR_NOT_EXIST')
    const small = await a.checkpoints.open('small', { create: true, maxSectionSize: 4 })
    const tooBig = await small.write('s', 'too long').then(() => undefined, (e: unknown) => e)
    expect((tooBig as ClusterError).code).to.equal('ERR_MESSAGE_TOO_LARGE')
    const other = await b.checkpoints.open('small')
    let unlinked = false
    other.on('unlinked', () => { unlinked = true })
    await a.checkpoints.unlink('small')
    await until(() => unlinked, 'the unlinked event')
    await small.close()
    expect(() => small.sections()).to.not.throw()
    const closed = await small.write('s', 'x').then(() => undefined, (e: unknown) => e)
    expect((closed as ClusterError).code).to.equal('ERR_NOT_EXIST')
  })
})
