import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { ClusterError } from '../../lib/errors.js'
import { basePort } from '../multiprocess/helpers.js'
import { stopAll, threeNodes, until } from './three-nodes.js'

async function rejects(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError)
    return error as ClusterError
  }
  throw new Error('expected a rejection')
}

describe('cluster.locks and cluster.singleton (3 nodes in one process)', function () {
  this.timeout(60_000)
  let all: Cluster[]
  beforeEach(async () => { all = await threeNodes(basePort(51) + Math.floor(Math.random() * 50) * 2) })
  afterEach(async () => { await stopAll(all) })

  it('tryAcquire, timeout and abort while another node holds; FIFO hand-over with a higher token', async () => {
    const [a, b, c] = all as [Cluster, Cluster, Cluster]
    const held = await a.locks.acquire('orders')
    expect(held.held).to.equal(true)
    expect(await b.locks.tryAcquire('orders')).to.equal(null)
    expect((await rejects(b.locks.acquire('orders', { timeoutMs: 200 }))).code).to.equal('ERR_LOCK_TIMEOUT')
    const abort = new AbortController()
    const aborted = b.locks.acquire('orders', { signal: abort.signal })
    setTimeout(() => { abort.abort() }, 100)
    expect((await rejects(aborted)).code).to.equal('ERR_ABORTED')
    const next = c.locks.acquire('orders')
    await held.release()
    expect(held.held).to.equal(false)
    const got = await next
    expect(got.fencingToken > held.fencingToken).to.equal(true)
    await got.release()
  })

  it('shared holders coexist, an exclusive waits for all of them; await using releases', async () => {
    const [a, b, c] = all as [Cluster, Cluster, Cluster]
    const s1 = await a.locks.acquire('cfg', { mode: 'shared' })
    const s2 = await b.locks.acquire('cfg', { mode: 'shared' })
    let granted = false
    const ex = c.locks.acquire('cfg').then((l) => { granted = true; return l })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(granted).to.equal(false)
    await s1.release()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(granted).to.equal(false)
    {
      await using _s2 = s2
    }
    const lock = await ex
    expect(lock.mode).to.equal('exclusive')
    expect(await c.locks.using('other', (_signal, token) => token)).to.be.a('bigint')
    await lock.release()
  })

  it('rejects nonsense with typed errors', async () => {
    const a = all[0]!
    expect((await rejects(a.locks.acquire(''))).code).to.equal('ERR_INVALID_ARGUMENT')
    expect((await rejects(a.locks.acquire('x', { mode: 'both' as 'shared' }))).code).to.equal('ERR_INVALID_ARGUMENT')
    expect((await rejects(a.locks.acquire('x', { timeoutMs: -1 }))).code).to.equal('ERR_INVALID_ARGUMENT')
  })

  it('a holder whose node loses quorum sees its signal abort with ERR_LOCK_LOST; the singleton moves on stop()', async () => {
    const [a, b, c] = all as [Cluster, Cluster, Cluster]
    const runs: number[] = []
    const tasks = all.map((n) => n.singleton('job', async (signal) => {
      runs.push(n.nodeId)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    }, { restartDelayMs: 50 }))
    await until(() => runs.length === 1, 'the singleton to start once')
    const first = runs[0]!
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(runs).to.have.length(1)
    await tasks[first - 1]!.stop()
    await until(() => runs.length === 2, 'another node to take over')
    expect(runs[1]).to.not.equal(first)
    await Promise.all(tasks.map((t) => t.stop()))

    const lock = await a.locks.acquire('guarded')
    await Promise.all([b.stop(), c.stop()])
    await until(() => lock.signal.aborted, 'the lock to be lost')
    expect((lock.signal.reason as ClusterError).code).to.equal('ERR_LOCK_LOST')
    await lock.release()
    expect((await rejects(a.locks.acquire('guarded'))).code).to.equal('ERR_NO_QUORUM')
  })
})
