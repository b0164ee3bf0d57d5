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
import { Cluster } from 'ts-ha'

const nodeId = Number(process.argv[2] ?? 1)
const increments = Number(process.env['COUNTER_INCREMENTS'] ?? 10)
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}` }))
const cluster = new Cluster({ clusterName: 'counter', nodeId, nodes, port: Number(process.env['COUNTER_PORT'] ?? 5405), totem: { token: 1000 } })
const budget = { signal: AbortSignal.timeout(60_000) }   // every call below waits (for quorum, after a change) within it
await cluster.start({ waitFor: 'quorum', ...budget })
const ckpt = await cluster.checkpoints.open('counter', { create: true, ...budget })
console.log(`node ${nodeId} opened checkpoint counter`)

const value = async (): Promise<number> => Number((await ckpt.read('value'))?.toString() ?? '0')
for (let i = 0; i < increments; i++) {
  await cluster.locks.using('counter', async (_signal, token) => {
    const next = await value() + 1
    await ckpt.write('value', String(next), budget)
    await ckpt.write('last-writer', `node ${nodeId} token ${token}`, budget)
    console.log(`node ${nodeId} set counter to ${next}`)
  }, budget)
}
const total = increments * nodes.length
// Every write is announced on every node that has the checkpoint open: wait for the last one.
await new Promise<void>((resolve) => {
  const check = (): void => { void value().then((v) => { if (v >= total) resolve() }) }
  ckpt.on('section', check)
  check()
})
console.log(`counter reached ${await value()} (last writer: ${(await ckpt.read('last-writer'))?.toString()})`)
await ckpt.close()
await cluster.stop()
