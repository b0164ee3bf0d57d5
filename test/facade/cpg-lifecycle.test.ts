import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import type { GroupChange } from '../../lib/cluster/cpg-api.js'
import { freshPort, rejection, stopAll, stopWith, until, quorateRing } from './support.js'

describe('facade: CPG join and graceful stop', function () {
  this.timeout(60_000)
  let all: Cluster[] = []
  afterEach(async () => { await stopAll(all.splice(0)) })

  it('every joiner sees the confchg naming itself with a listener attached right after await join()', async () => {
    all = await quorateRing(freshPort(65))
    const changes: GroupChange[][] = [[], [], []]
    const groups = []
    for (const [i, c] of all.entries()) {
      const g = await c.cpg.join('g')
      g.on('confchg', (change) => { changes[i]!.push(change) })
      groups.push(g)
      expect(g.members.some((m) => m.memberId === g.memberId), 'members at join include the joiner').to.equal(true)
      expect(g.members.length).to.equal(i + 1)
    }
    await until(() => changes[0]!.length === 3 && changes[1]!.length === 2 && changes[2]!.length === 1, 'every confchg')
    for (const [i, g] of groups.entries()) {
      const first = changes[i]![0]!
      expect(first.joined.map((m) => m.memberId), `node ${i + 1}'s first confchg`).to.deep.equal([g.memberId])
      expect(first.members.length).to.equal(i + 1)
    }
  })

  it('stop() leaves every group first: the others see reason leave, not nodedown', async () => {
    all = await quorateRing(freshPort(65))
    const groups = await Promise.all(all.map((c) => c.cpg.join('work')))
    expect(groups).to.have.length(3)
    // Asked of the engine, so that this test does not depend on the confchg delivery of the previous one.
    for (let i = 0; i < 200 && (await all[0]!.cpg.members('work')).length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    const seen: string[] = []
    groups[0]!.on('confchg', (c) => { for (const m of c.left) seen.push(`${m.nodeId}:${m.reason}`) })
    await all[2]!.stop()
    await until(() => seen.length > 0, 'node 3 gone from the group')
    expect(seen).to.deep.equal(['3:leave'])
  })

  it('stop({ signal }) already aborted still stops the node and rejects ERR_ABORTED; stop({ timeoutMs }) is bounded', async () => {
    all = await quorateRing(freshPort(65))
    await all[0]!.cpg.join('g')
    const reason = new Error('now')
    const error = await rejection(stopWith(all[0]!, { signal: AbortSignal.abort(reason) }))
    expect(error.code).to.equal('ERR_ABORTED')
    expect(error.cause).to.equal(reason)
    expect((await rejection(all[0]!.cpg.join('again'))).code).to.equal('ERR_STOPPED')
    const started = Date.now()
    await stopWith(all[1]!, { timeoutMs: 2000 })
    expect(Date.now() - started).to.be.below(4000)
  })
})
