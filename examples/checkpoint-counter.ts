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
// Each call below may wait (for quorum, or across a configuration change) up to its own budget.
const budget = { timeoutMs: 30_000 }
await cluster.start({ waitFor: 'quorum', ...budget })
const ckpt = await cluster.checkpoints.open('counter', { create: true, ...budget })
console.log(`node ${nodeId} opened checkpoint counter`)
// A process group for the final barrier: nobody leaves while another still has a write in flight.
const room = await cluster.cpg.join('counter')
const done = new Set<number>()
const allDone = new Promise<void>((resolve) => {
  room.on('message', (_data, from) => {
    done.add(from.nodeId)
    if (done.size === nodes.length) resolve()
  })
})

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
// CPG needs no quorum: the last process to say "done" is not left waiting for one.
await room.send('done')
await allDone
await cluster.stop()
