import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { freshPort, node, stopAll, until } from './support.js'

async function quorate(all: readonly Cluster[]): Promise<void> {
  await until(() => all.every((c) => c.quorum.quorate && c.members.length === all.length), `a quorate ring of ${all.length}`)
}

async function token(c: Cluster, name: string): Promise<bigint> {
  const lock = await c.locks.acquire(name, { timeoutMs: 20_000 })
  await lock.release()
  return lock.fencingToken
}

/** A first life with membership churn, then a restart of every node with default options. */
async function lives(port: number, between: () => void): Promise<{ first: bigint; second: bigint }> {
  let all = [1, 2, 3].map((id) => node(id, port))
  await Promise.all(all.map((c) => c.start()))
  await quorate(all)
  let first = await token(all[0]!, 'fence')
  for (let round = 0; round < 3; round++) {
    await all[2]!.stop()
    all = [all[0]!, all[1]!, node(3, port)]
    await all[2]!.start()
    await quorate(all)
    const t = await token(all[round % 3]!, 'fence')
    expect(t > first, 'tokens grow within a life').to.equal(true)
    first = t
  }
  await stopAll(all)
  between()
  all = [1, 2, 3].map((id) => node(id, port))
  try {
    await Promise.all(all.map((c) => c.start()))
    await quorate(all)
    return { first, second: await token(all[1]!, 'fence') }
  } finally {
    await stopAll(all)
  }
}

describe('facade: fencing tokens across a full-cluster restart with default options', function () {
  this.timeout(120_000)
  const saved = process.env['XDG_STATE_HOME']
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-ha-i9-state-'))
    process.env['XDG_STATE_HOME'] = dir
  })
  afterEach(() => {
    if (saved === undefined) delete process.env['XDG_STATE_HOME']
    else process.env['XDG_STATE_HOME'] = saved
    rmSync(dir, { recursive: true, force: true })
  })

  it('never go backwards when the default state directory survives', async () => {
    const { first, second } = await lives(freshPort(67), () => {})
    expect(second > first, `second life's first token ${second} > first life's last ${first}`).to.equal(true)
  })

  it('never go backwards when the state is lost too (the wall-clock epoch)', async () => {
    const { first, second } = await lives(freshPort(67), () => {
      rmSync(dir, { recursive: true, force: true })
      dir = mkdtempSync(join(tmpdir(), 'ts-ha-i9-state-'))
      process.env['XDG_STATE_HOME'] = dir
    })
    expect(second > first, `second life's first token ${second} > first life's last ${first}`).to.equal(true)
  })
})
