import { expect } from 'chai'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../lib/errors.js'
import { freshPort, node, rejection, stopAll, unhandledDuring } from './support.js'

/** Binds 127.0.0.1:port so that node 1 cannot. */
async function occupy(port: number): Promise<() => Promise<void>> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(port, '127.0.0.1', resolve) })
  return () => new Promise((resolve) => { socket.close(() => { resolve() }) })
}

describe('facade: a failed start()', function () {
  this.timeout(30_000)

  for (const engine of ['inline', 'worker'] as const) {
    it(`${engine} engine: port in use rejects exactly once, leaves nothing unhandled, and start() may be retried`, async () => {
      const port = freshPort(61)
      const release = await occupy(port)
      const cluster = node(1, port, { engine })
      let rejections = 0
      const unhandled = await unhandledDuring(async () => {
        const error = await rejection(cluster.start().catch((e: unknown) => { rejections++; throw e }))
        expect(error.code).to.equal('ERR_TRANSPORT')
      })
      expect(unhandled, 'unhandled rejections').to.deep.equal([])
      expect(rejections).to.equal(1)
      await release()
      try {
        await cluster.start()
        expect(cluster.members.map((m) => m.nodeId)).to.include(1)
      } finally {
        await cluster.stop()
      }
    })

    it(`${engine} engine: a missing authkey rejects once with a ConfigError naming secauth.keyFile`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ts-ha-i9-'))
      try {
        const cluster = node(1, freshPort(61), { engine, secauth: { keyFile: join(dir, 'missing-authkey') } })
        const unhandled = await unhandledDuring(async () => {
          const error = await rejection(cluster.start())
          expect(error).to.be.instanceOf(ConfigError)
          expect((error as ConfigError).key).to.equal('secauth.keyFile')
        })
        expect(unhandled).to.deep.equal([])
        await cluster.stop()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }

  it('start({ signal }) aborted while waiting rejects ERR_ABORTED with the reason as cause; an aborted signal rejects at once', async () => {
    const port = freshPort(61)
    const lonely = node(1, port)
    const reason = new Error('user gave up')
    const controller = new AbortController()
    setTimeout(() => { controller.abort(reason) }, 300)
    // Alone of three, the node never gets quorum: only the abort ends the wait.
    const error = await rejection(lonely.start({ waitFor: 'quorum', signal: controller.signal } as never))
    expect(error.code).to.equal('ERR_ABORTED')
    expect(error.cause).to.equal(reason)
    const again = node(2, port)
    const early = await rejection(again.start({ signal: AbortSignal.abort(reason) }))
    expect(early.code).to.equal('ERR_ABORTED')
    expect(early.cause).to.equal(reason)
    await stopAll([lonely, again])
  })
})
