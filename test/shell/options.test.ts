import { expect } from 'chai'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Cluster, type ClusterInit } from '../../lib/cluster/cluster.js'
import { ClusterError, ConfigError } from '../../lib/errors.js'
import { MemoryHub } from '../../lib/transport/memory.js'
import { socketDir } from '../ipc/helpers.js'

function node(extra: Partial<ClusterInit>, hub = new MemoryHub()): Cluster {
  return new Cluster({
    clusterName: 'shell-opts', nodeId: 1, nodes: [{ nodeId: 1, addr: 'n1' }], transport: 'memory', engine: 'inline', memoryHub: hub, totem: { token: 200 }, ...extra,
  })
}

function configError(make: () => unknown): ConfigError {
  try {
    make()
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('shell: admin and metrics options', function () {
  this.timeout(20_000)
  let dir: string
  beforeEach(() => { dir = socketDir('opts') })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('bad values fail new Cluster() with a ConfigError naming the key', () => {
    expect(configError(() => node({ admin: { socket: join(dir, 'x.sock'), mode: 0o644 } })).key).to.equal('admin.mode')
    expect(configError(() => node({ admin: { socket: join(dir, 'x'.repeat(120)) } })).message).to.match(/^admin\.socket: is \d+ bytes long; a Unix socket path holds at most 107$/)
    expect(configError(() => node({ admin: { group: 'no-such-group-ts-ha' } })).key).to.equal('admin.group')
    expect(configError(() => node({ metrics: { port: 70_000 } })).key).to.equal('metrics.port')
    expect(configError(() => node({ metrics: { port: 0, host: '' } })).key).to.equal('metrics.host')
  })

  it('admin: false serves no socket; an explicit path is served and removed on stop()', async () => {
    const off = node({ admin: false })
    await off.start()
    expect(off.adminSocket).to.equal(undefined)
    await off.stop()
    const path = join(dir, 'one.sock')
    const on = node({ admin: { socket: path } })
    await on.start()
    expect([on.adminSocket, existsSync(path)]).to.deep.equal([path, true])
    await on.stop()
    expect(existsSync(path)).to.equal(false)
  })

  it('an explicit socket already served fails start(); the default path only warns, and the node runs', async () => {
    const path = join(dir, 'taken.sock')
    const first = node({ admin: { socket: path } })
    await first.start()
    const second = node({ admin: { socket: path } })
    let refused: unknown
    await second.start().catch((e: unknown) => { refused = e })
    expect(refused).to.be.instanceOf(ClusterError)
    expect((refused as ClusterError).code).to.equal('ERR_EXIST')
    await second.stop()
    const warnings: string[] = []
    const a = node({}, new MemoryHub())
    const b = node({}, new MemoryHub())
    b.on('warning', (w) => { warnings.push(w.code) })
    await a.start()
    await b.start()
    expect(a.adminSocket).to.be.a('string')
    expect([b.adminSocket, warnings]).to.deep.equal([undefined, ['ADMIN_SOCKET_UNAVAILABLE']])
    await Promise.all([a.stop(), b.stop(), first.stop()])
    expect(existsSync(path)).to.equal(false)
  })
})
