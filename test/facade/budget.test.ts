import { expect } from 'chai'
import { retryWithin } from '../../lib/cluster/budget.js'
import { deadlineOf, Readiness } from '../../lib/cluster/readiness.js'
import { ClusterError } from '../../lib/errors.js'

const ready = (): Readiness => {
  const r = new Readiness()
  r.update({ running: true, synced: true, quorate: true, members: 3 })
  return r
}

describe('facade: retries inside a wait budget', () => {
  it('an answer ERR_TRY_AGAIN (a configuration change intervened) is retried, with a growing pause, until it succeeds', async () => {
    const answers = ['ERR_TRY_AGAIN', 'ERR_TRY_AGAIN', 'ok']
    const at: number[] = []
    const value = await retryWithin(ready(), { quorate: true }, { what: 'write', deadline: deadlineOf(5000) }, async () => {
      at.push(performance.now())
      const code = answers.shift()!
      if (code !== 'ok') throw new ClusterError(code as 'ERR_TRY_AGAIN', 'the configuration changed')
      return 'written'
    })
    expect(value).to.equal('written')
    expect(at).to.have.length(3)
    expect(at[2]! - at[1]!, 'the second pause is longer').to.be.greaterThan(at[1]! - at[0]! - 5)
  })

  it('ERR_NO_QUORUM waits until the view is quorate again, then retries; other errors are not retried', async () => {
    const view = ready()
    view.update({ quorate: false })
    let calls = 0
    const done = retryWithin(view, { quorate: true }, { what: 'acquire', deadline: deadlineOf(5000) }, async () => {
      calls++
      if (calls === 1) throw new ClusterError('ERR_NO_QUORUM', 'no quorum')
      return calls
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(calls, 'waiting for quorum, not spinning').to.equal(1)
    view.update({ quorate: true })
    expect(await done).to.equal(2)
    const other = await retryWithin(view, {}, { what: 'x' }, async () => { throw new ClusterError('ERR_NOT_EXIST', 'gone') }).catch((e: ClusterError) => e.code)
    expect(other).to.equal('ERR_NOT_EXIST')
  })

  it('the budget bounds it: the deadline rejects with the timeout code, an abort with ERR_ABORTED and its reason', async () => {
    const view = ready()
    view.update({ quorate: false })
    const noQuorum = async (): Promise<never> => { throw new ClusterError('ERR_NO_QUORUM', 'no quorum') }
    const late = await retryWithin(view, { quorate: true }, { what: 'acquire', deadline: deadlineOf(100), timeoutCode: 'ERR_LOCK_TIMEOUT' }, noQuorum).catch((e: ClusterError) => e.code)
    expect(late).to.equal('ERR_LOCK_TIMEOUT')
    const reason = new Error('user')
    const ctl = new AbortController()
    setTimeout(() => { ctl.abort(reason) }, 50)
    const aborted = await retryWithin(view, { quorate: true }, { what: 'acquire', signal: ctl.signal }, noQuorum).catch((e: ClusterError) => e)
    expect(aborted.code).to.equal('ERR_ABORTED')
    expect(aborted.cause).to.equal(reason)
  })
})
