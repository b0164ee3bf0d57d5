import { expect } from 'chai'
import { connect } from 'node:net'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { Cluster } from '../../lib/cluster/cluster.js'
import { AdminClient } from '../../lib/ipc/client.js'
import { ADMIN_FRAME_MAX } from '../../lib/ipc/protocol.js'
import type { StatusSnapshot } from '../../lib/status/snapshot.js'
import { basePort } from '../multiprocess/helpers.js'
import { frameOf, socketDir } from './helpers.js'

const FRAMES = 10_000
const PARALLEL = 32

/** Frames a hostile or broken client might send, each one that must close its connection. */
const BAD: readonly Buffer[] = [
  frameOf('hello world'),
  frameOf('[1,2,3]'),
  frameOf('null'),
  frameOf('{"method":"status"}'),
  frameOf('{"id":-1,"method":"status"}'),
  frameOf('{"id":"1","method":"status"}'),
  frameOf('{"id":1}'),
  frameOf(`{"id":1,"method":"${'x'.repeat(200)}"}`),
  frameOf('{"id":1,"method":"status","params":[1]}'),
  frameOf(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
  frameOf('{"id":1,"method":"hel'),
  frameOf('{"id":1,"method":"status"}'),
  frameOf('{"id":1,"method":"hello","params":{"protocol":1,"cookie":"00"}}'),
  frameOf('{"id":1,"method":"hello","params":{"protocol":99,"cookie":"00"}}'),
  Buffer.from([0, 0, 0, 0]),
  (() => { const b = Buffer.alloc(4); b.writeUInt32BE(ADMIN_FRAME_MAX + 1, 0); return b })(),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
  frameOf('['.repeat(200_000)),
]

/** Sends one bad frame on a fresh connection and resolves once the node has closed it. */
function throwOne(path: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(path)
    const timer = setTimeout(() => { s.destroy(); reject(new Error('the node kept a bad connection open')) }, 10_000)
    s.on('connect', () => { s.write(bytes) })
    s.on('data', () => {})
    s.on('error', () => {})
    s.on('close', () => { clearTimeout(timer); resolve() })
  })
}

describe('ipc/flood: 10,000 malformed frames at a live node', function () {
  this.timeout(120_000)
  let dir: string
  let cluster: Cluster

  before(async () => {
    dir = socketDir('flood')
    cluster = new Cluster({
      clusterName: 'flood', nodeId: 1, nodes: [{ nodeId: 1, addr: '127.0.0.1' }], port: basePort(61), totem: { token: 300 },
      admin: { socket: join(dir, 'flood-1.sock') },
    })
    await cluster.start()
  })
  after(async () => {
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('closes each bad connection with a count, while the node keeps ordering messages and answering', async () => {
    const path = cluster.adminSocket!
    const group = await cluster.cpg.join('during-flood')
    const delivered: number[] = []
    group.on('message', (data) => { delivered.push(data.readUInt32BE(0)) })
    const sending = (async () => {
      for (let i = 0; i < 200; i++) {
        const b = Buffer.alloc(4)
        b.writeUInt32BE(i, 0)
        await group.send(b)
      }
    })()
    const watcher = await AdminClient.connect({ socket: path })
    let next = 0
    const workers = Array.from({ length: PARALLEL }, async () => {
      while (next < FRAMES) {
        const i = next++
        await throwOne(path, BAD[i % BAD.length]!)
      }
    })
    const statusDuring = watcher.request<StatusSnapshot>('status')
    await Promise.all([...workers, sending])
    expect((await statusDuring).quorum.quorate).to.equal(true)
    const metrics = await cluster.metrics()
    const rejected = [...metrics.matchAll(/^tsha_admin_connections_rejected_total\{reason="(\w+)"\} (\d+)$/gm)]
    const byReason: Record<string, number> = Object.fromEntries(rejected.map((m) => [m[1]!, Number(m[2])]))
    expect(Object.values(byReason).reduce((a, b) => a + b, 0), JSON.stringify(byReason)).to.equal(FRAMES)
    expect(byReason['malformed']).to.be.greaterThan(0)
    expect(byReason['oversized']).to.be.greaterThan(0)
    expect(byReason['auth']).to.be.greaterThan(0)
    expect(byReason['unauthenticated']).to.be.greaterThan(0)
    expect(delivered).to.deep.equal(Array.from({ length: 200 }, (_, i) => i))
    const after = await watcher.request<StatusSnapshot>('status')
    expect(after.groups.map((g) => g.name)).to.deep.equal(['during-flood'])
    expect(cluster.quorum.quorate).to.equal(true)
    watcher.close()
    await group.leave()
  })
})
