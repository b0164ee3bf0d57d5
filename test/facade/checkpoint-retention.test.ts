import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { freshPort, node, stopAll, until } from './support.js'

function writer(port: number, mode: 'write' | 'read'): { child: ChildProcess; said: (line: string) => Promise<void> } {
  const script = fileURLToPath(new URL('./ckpt-writer.js', import.meta.url))
  const child = spawn(process.execPath, [script, String(port), mode], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  const said = async (line: string): Promise<void> => { await until(() => out.includes(line), `"${line}" from the node 1 process (got ${JSON.stringify(out)})`, 30_000) }
  return { child, said }
}

describe('facade: a checkpoint outlives its writer by default', function () {
  this.timeout(90_000)
  let all: Cluster[] = []
  const children: ChildProcess[] = []
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
    await stopAll(all.splice(0))
  })

  it('60 acknowledged writes, kill -9 of the only process that has it open: a standby and the restarted writer read all 60', async () => {
    const port = freshPort(75)
    const infos: string[] = []
    const logger = { debug: () => {}, info: (_o: object, msg?: string) => { infos.push(msg ?? '') }, warn: () => {}, error: () => {} }
    const c = node(2, port, { clusterName: 'facade-ckpt', logger })
    const d = node(3, port, { clusterName: 'facade-ckpt' })
    all = [c, d]
    const first = writer(port, 'write')
    children.push(first.child)
    await Promise.all(all.map((x) => x.start()))
    await first.said('written 60')
    const died = new Promise((resolve) => first.child.once('exit', resolve))
    first.child.kill('SIGKILL')
    await died
    await until(() => all.every((x) => x.members.length === 2 && x.quorum.quorate), 'nodes 2 and 3 re-formed')
    // What corosync logs at info level when a node dies: the survivors' logger hears it.
    expect(infos.some((m) => m.startsWith('A processor failed')), infos.join('\n')).to.equal(true)
    expect(infos.some((m) => /members left: 1/.test(m))).to.equal(true)
    const standby = await c.checkpoints.open('app')
    let found = 0
    for (let i = 0; i < 60; i++) if ((await standby.read(`s${i}`))?.toString() === `value ${i}`) found++
    expect(found, 'sections the standby reads').to.equal(60)
    await standby.close()
    const again = writer(port, 'read')
    children.push(again.child)
    await again.said('read 60')
  })
})
