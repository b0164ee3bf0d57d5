import { expect } from 'chai'
import { Cluster } from '../../lib/cluster/cluster.js'
import { ClusterError, ConfigError } from '../../lib/errors.js'
import { freshPort, node, nodeList, rejection, stopAll, stopWith, quorateRing } from './support.js'

const base = { clusterName: 'v', nodeId: 1, nodes: nodeList(3) }

function configError(options: unknown): ConfigError {
  try {
    new Cluster(options as never)
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('facade: every public input is validated at the boundary', function () {
  this.timeout(60_000)

  it('options: typos are errors with the closest valid name; wrong types name the path and what was expected', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...base, totm: { token: 1000 } }, 'totm', /did you mean "totem"/],
      [{ ...base, totem: { tokn: 1000 } }, 'totem.tokn', /did you mean "token"/],
      [{ clusterName: 'v', nodeid: 1, nodes: nodeList(3) }, 'nodeid', /did you mean "nodeId"/],
      [{ ...base, nodeId: '1' }, 'nodeId', /integer.*got "1"/],
      [{ ...base, port: 70000 }, 'port', /1\.\.65535|65535/],
      [{ ...base, port: '5405' }, 'port', /integer/],
      [{ ...base, nodes: [{ nodeId: 1, addr: '127.0.0.1', vote: 1 }] }, 'nodes[0].vote', /did you mean "votes"/],
      [{ ...base, quorum: { expectedvotes: 3 } }, 'quorum.expectedvotes', /did you mean "expectedVotes"/],
      [{ ...base, quorum: { twoNode: 'yes' } }, 'quorum.twoNode', /boolean/],
      [{ ...base, engine: 'thread' }, 'engine', /"worker" or "inline"/],
      [{ ...base, secauth: { keyfile: '/x' } }, 'secauth.keyfile', /did you mean "keyFile"/],
      [{ ...base, totem: { token: -5 } }, 'totem.token', /./],
      [{ ...base, locks: { lockDelay: 10 } }, 'locks.lockDelay', /did you mean "lockDelayMs"/],
      [{ ...base, stateDir: 42 }, 'stateDir', /string/],
      [{ ...base, logger: { info: () => {} } }, 'logger', /debug.*warn.*error|function/],
    ]
    for (const [options, key, message] of cases) {
      const error = configError(options)
      expect(error.key, JSON.stringify(options)).to.equal(key)
      expect(error.message, key).to.match(message)
    }
  })

  describe('calls on a running cluster', () => {
    let all: Cluster[] = []
    before(async () => { all = await quorateRing(freshPort(69)) })
    after(async () => { await stopAll(all) })

    async function invalid(p: Promise<unknown> | (() => unknown), path: RegExp): Promise<void> {
      const error = await rejection(p)
      expect(error.code).to.equal('ERR_INVALID_ARGUMENT')
      expect(error.message).to.match(path)
    }

    it('cpg: join(42), send(42), send({a:1}), an unknown guarantee or option key', async () => {
      const c = all[0]!
      await invalid(c.cpg.join(42 as never), /group/)
      await invalid(c.cpg.join('g', { highWatermark: 10 } as never), /did you mean "highWaterMark"/)
      const g = await c.cpg.join('g')
      let delivered = 0
      g.on('message', () => { delivered++ })
      await invalid(g.send(42 as never), /payload.*Uint8Array or a string/)
      await invalid(g.send({ a: 1 } as never), /payload/)
      await invalid(g.send('x', { guarantee: 'exactly-once' } as never), /guarantee.*"agreed" or "safe"/)
      await invalid(g.send('x', { gaurantee: 'safe' } as never), /did you mean "guarantee"/)
      await g.send('real')
      expect(delivered, 'only the valid send was delivered').to.equal(1)
      await invalid(c.cpg.members(7 as never), /group/)
    })

    it('locks, checkpoints, singletons, quorum and cmap', async () => {
      const c = all[0]!
      await invalid(c.locks.acquire('l', { timeout: 100 } as never), /did you mean "timeoutMs"/)
      await invalid(c.locks.acquire('l', { timeoutMs: '100' } as never), /timeoutMs/)
      await invalid(c.locks.acquire(5 as never), /name/)
      await invalid(c.locks.tryAcquire('l', { mode: 'exclusve' } as never), /mode.*"exclusive" or "shared"/)
      await invalid(c.checkpoints.open('c', { create: true, retention: 5 } as never), /did you mean "retentionMs"/)
      const ck = await c.checkpoints.open('c', { create: true })
      await invalid(ck.write(3 as never, 'x'), /section/)
      await invalid(ck.write('s', 42 as never), /data.*Uint8Array or a string/)
      await invalid(ck.read(3 as never), /section/)
      await ck.close()
      await invalid(() => c.singleton('s', () => {}, { restartDelay: 5 } as never), /did you mean "restartDelayMs"/)
      await invalid(c.quorum.setExpectedVotes('3' as never), /integer/)
      await invalid(c.quorum.setVotes(1, -1), /votes/)
      await invalid(stopWith(c, { timeout: 5 }), /did you mean "timeoutMs"/)
      expect(c.members.length, 'the invalid stop() did not stop').to.equal(3)
    })
  })

  it('before start: an invalid argument is ERR_INVALID_ARGUMENT, not ERR_NOT_STARTED', async () => {
    const c = node(1, freshPort(69))
    const error = await rejection(c.cpg.join(42 as never))
    expect(error).to.be.instanceOf(ClusterError)
    expect(error.code).to.equal('ERR_INVALID_ARGUMENT')
  })
})
