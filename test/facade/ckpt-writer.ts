/**
 * Node 1 of the retention test as its own process: opens checkpoint `app`
 * with default options, writes 60 sections (each acknowledged), says so on
 * stdout and waits to be killed. With `read` it reads them back instead.
 *   node ckpt-writer.js <port> write|read
 */
import { Cluster } from '../../lib/cluster/cluster.js'

const port = Number(process.argv[2])
const mode = process.argv[3] ?? 'write'
const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, addr: `127.0.0.${nodeId}` }))
const cluster = new Cluster({ clusterName: 'facade-ckpt', nodeId: 1, nodes, port, totem: { token: 300 } })
await cluster.start()
while (!cluster.quorum.quorate || cluster.members.length < 3) await new Promise((resolve) => setTimeout(resolve, 20))
if (mode === 'write') {
  const ckpt = await cluster.checkpoints.open('app', { create: true })
  for (let i = 0; i < 60; i++) await ckpt.write(`s${i}`, `value ${i}`)
  console.log('written 60')
} else {
  const ckpt = await cluster.checkpoints.open('app')
  let found = 0
  for (let i = 0; i < 60; i++) if ((await ckpt.read(`s${i}`))?.toString() === `value ${i}`) found++
  console.log(`read ${found}`)
}
setInterval(() => {}, 1000)
