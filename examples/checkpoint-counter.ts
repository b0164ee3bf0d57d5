/**
 * A replicated counter in a checkpoint, incremented under a lock from three
 * processes: every increment is a read-modify-write guarded by the lock, and
 * the checkpoint write resolves only once every node holds it. Each process
 * adds COUNTER_INCREMENTS (default 10), then waits until the counter shows
 * everyone's increments and prints it.
 *
 *   node dist/examples/checkpoint-counter.js 1   (and 2, 3 in other terminals)
 *
 * Port 5405 on 127.0.0.1–3 (COUNTER_PORT to change it).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster } from '../lib/index.js'

const nodeId = Number(process.argv[2] ?? 1)
const increments = Number(process.env['COUNTER_INCREMENTS'] ?? 10)
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}` }))
const cluster = new Cluster({ clusterName: 'counter', nodeId, nodes, port: Number(process.env['COUNTER_PORT'] ?? 5405), totem: { token: 1000 } })
await cluster.start()
while (!cluster.quorum.quorate) await sleep(100)
const ckpt = await cluster.checkpoints.open('counter', { create: true, retentionMs: 60_000 })
console.log(`node ${nodeId} opened checkpoint counter`)

const value = async (): Promise<number> => Number((await ckpt.read('value'))?.toString() ?? '0')
for (let i = 0; i < increments; i++) {
  await cluster.locks.using('counter', async (_signal, token) => {
    const next = await value() + 1
    await ckpt.write('value', String(next))
    await ckpt.write('last-writer', `node ${nodeId} token ${token}`)
    console.log(`node ${nodeId} set counter to ${next}`)
  })
}
const total = increments * nodes.length
while (await value() < total) await sleep(100)
console.log(`counter reached ${await value()} (last writer: ${(await ckpt.read('last-writer'))?.toString()})`)
await ckpt.close()
await cluster.stop()
