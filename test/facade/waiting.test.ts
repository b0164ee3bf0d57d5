import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { freshPort, node, rejection, stopAll } from './support.js'

/** The waiting API as a newcomer uses it (typed loosely so this file also builds against older facades). */
type Waiting = {
  start(o: { waitFor?: unknown; signal?: AbortSignal; timeoutMs?: number }): Promise<void>
  ready(o: { quorate?: boolean; members?: number; signal?: AbortSignal; timeoutMs?: number }): Promise<void>
}
const w = (c: Cluster): Waiting => c as unknown as Waiting

describe('facade: waiting for the cluster', function () {
  this.timeout(60_000)
  let all: Cluster[] = []
  afterEach(async () => { await stopAll(all.splice(0)) })

  it("start({ waitFor: 'quorum' }) resolves only once quorate and synchronised: a lock right after is granted", async () => {
    const port = freshPort(63)
    all = [1, 2, 3].map((id) => node(id, port))
    let first = false
    const starting = w(all[0]!).start({ waitFor: 'quorum' }).then(() => { first = true })
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(first, 'alone of three, node 1 is not quorate: start() still waits').to.equal(false)
    await Promise.all([starting, ...all.slice(1).map((c) => w(c).start({ waitFor: 'quorum' }))])
    for (const c of all) expect(c.quorum.quorate, `node ${c.nodeId} quorate`).to.equal(true)
    const lock = await all[0]!.locks.acquire('first')
    await lock.release()
  })

  it("start({ waitFor: { members: 3 } }) and cluster.ready({ members, timeoutMs })", async () => {
    const port = freshPort(63)
    all = [1, 2, 3].map((id) => node(id, port))
    await Promise.all(all.map((c) => w(c).start({ waitFor: { members: 3 } })))
    for (const c of all) expect(c.members.length).to.equal(3)
    await w(all[0]!).ready({ quorate: true, members: 3 })
    const tooMany = await rejection(w(all[0]!).ready({ members: 4, timeoutMs: 200 }))
    expect(tooMany.code).to.equal('ERR_TIMEOUT')
  })

  it('ready() rejects ERR_ABORTED with the reason, and ERR_STOPPED when the cluster stops', async () => {
    const port = freshPort(63)
    const lonely = node(1, port)
    all = [lonely]
    await lonely.start()
    const reason = new Error('enough')
    const aborted = rejection(w(lonely).ready({ quorate: true, signal: AbortSignal.timeout(200) }))
    expect((await aborted).code).to.equal('ERR_ABORTED')
    const pending = rejection(w(lonely).ready({ quorate: true }))
    const early = await rejection(w(lonely).ready({ quorate: true, signal: AbortSignal.abort(reason) }))
    expect(early.cause).to.equal(reason)
    await lonely.stop()
    expect((await pending).code).to.equal('ERR_STOPPED')
  })

  it('locks.acquire with a wait budget waits for quorum instead of failing; without one it fails fast', async () => {
    const port = freshPort(63)
    const [a, b, c] = all = [1, 2, 3].map((id) => node(id, port)) as [Cluster, Cluster, Cluster]
    await a.start()
    expect(a.quorum.quorate).to.equal(false)
    expect((await rejection(a.locks.acquire('x'))).code, 'no budget: fast').to.equal('ERR_NO_QUORUM')
    expect(await a.locks.tryAcquire('x').then(() => 'granted', (e: { code: string }) => e.code)).to.equal('ERR_NO_QUORUM')
    const waiting = a.locks.acquire('x', { timeoutMs: 30_000 })
    const ckptOpen = a.checkpoints.open('st', { create: true, signal: AbortSignal.timeout(30_000) })
    let settled = false
    void waiting.then(() => { settled = true }, () => { settled = true })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(settled, 'still waiting for quorum').to.equal(false)
    await Promise.all([b.start(), c.start()])
    const lock = await waiting
    const ckpt = await ckptOpen
    await ckpt.write('s', 'v', { signal: AbortSignal.timeout(30_000) })
    expect(lock.held).to.equal(true)
    await lock.release()
  })

  it('a wait budget that runs out while waiting for quorum rejects ERR_LOCK_TIMEOUT / ERR_TIMEOUT / ERR_ABORTED', async () => {
    const lonely = node(1, freshPort(63))
    all = [lonely]
    await lonely.start()
    expect((await rejection(lonely.locks.acquire('x', { timeoutMs: 300 }))).code).to.equal('ERR_LOCK_TIMEOUT')
    const reason = new Error('no more')
    const ctl = new AbortController()
    setTimeout(() => { ctl.abort(reason) }, 200)
    const aborted = await rejection(lonely.locks.acquire('x', { signal: ctl.signal }))
    expect(aborted.code).to.equal('ERR_ABORTED')
    expect(aborted.cause).to.equal(reason)
    const write = await rejection(lonely.checkpoints.open('st', { create: true, timeoutMs: 300 } as never))
    expect(write.code).to.equal('ERR_TIMEOUT')
  })
})
