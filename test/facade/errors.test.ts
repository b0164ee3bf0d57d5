import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cluster } from '../../lib/cluster/cluster.js'
import * as errors from '../../lib/errors.js'
import { freshPort, node, rejection, stopAll, quorateRing } from './support.js'

describe('facade: errors keep their shape', function () {
  this.timeout(60_000)

  it('instanceof works across two copies of the module, for the base class and each subclass', async () => {
    // A query string makes Node load a second, independent copy of the same file.
    const other = await import(`../../lib/errors.js?copy=${Date.now()}`) as typeof errors
    expect(other.ClusterError).to.not.equal(errors.ClusterError)
    const fromOther = new other.ConfigError('totem.token', 'bad', 3)
    expect(fromOther instanceof errors.ClusterError).to.equal(true)
    expect(fromOther instanceof errors.ConfigError).to.equal(true)
    const plain = new other.ClusterError('ERR_TIMEOUT', 'late')
    expect(plain instanceof errors.ClusterError).to.equal(true)
    expect(plain instanceof errors.ConfigError, 'a base error is not a ConfigError').to.equal(false)
    expect(new Error('x') instanceof errors.ClusterError).to.equal(false)
    expect({ code: 'ERR_TIMEOUT' } instanceof errors.ClusterError).to.equal(false)
  })

  it('a ConfigError raised in the worker engine arrives with its class, key and cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-ha-i9-ring-'))
    try {
      writeFileSync(join(dir, 'ringid_1'), 'garbage\n')
      const c = node(1, freshPort(71), { engine: 'worker', stateDir: dir })
      const error = await rejection(c.start())
      expect(error).to.be.instanceOf(errors.ConfigError)
      expect((error as errors.ConfigError).key).to.equal('stateDir')
      expect(error.message).to.match(/corrupt/)
      await c.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  describe('an already-aborted signal is ERR_ABORTED with the reason as cause, everywhere', () => {
    let all: Cluster[] = []
    before(async () => { all = await quorateRing(freshPort(71)) })
    after(async () => { await stopAll(all) })

    it('locks, cpg, checkpoints', async () => {
      const c = all[0]!
      const reason = new Error('cancelled by the user')
      const signal = AbortSignal.abort(reason)
      const g = await c.cpg.join('g')
      const ck = await c.checkpoints.open('ab', { create: true })
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['acquire', () => c.locks.acquire('l', { signal })],
        ['tryAcquire', () => c.locks.tryAcquire('l', { signal })],
        ['join', () => c.cpg.join('h', { signal })],
        ['send', () => g.send('x', { signal })],
        ['open', () => c.checkpoints.open('ab', { signal })],
        ['write', () => ck.write('s', 'x', { signal })],
      ]
      for (const [what, call] of calls) {
        const error = await rejection(call)
        expect(error.code, what).to.equal('ERR_ABORTED')
        expect(error.cause, what).to.equal(reason)
      }
      await ck.close()
    })
  })
})
