/**
 * The README's CPG example: three nodes in one process (each with its engine
 * in a worker thread) on 127.0.0.1–3, one group, every node says hello, and
 * every node prints the same lines in the same order.
 *
 *   node dist/examples/cpg-hello.js      (HELLO_PORT to change port 5405)
 */
import { Cluster } from '../lib/index.js'

const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, addr: `127.0.0.${nodeId}` }))
const port = Number(process.env['HELLO_PORT'] ?? 5405)
const cluster = (nodeId: number): Cluster => new Cluster({ clusterName: 'hello', nodeId, nodes, port, totem: { token: 1000 } })
const all = nodes.map((n) => cluster(n.nodeId))
await Promise.all(all.map((c) => c.start()))

const groups = await Promise.all(all.map((c) => c.cpg.join('chat')))
const seen = groups.map(() => [] as string[])
groups.forEach((g, i) => g.on('message', (data, from) => { seen[i]!.push(`${from.nodeId}: ${data.toString()}`) }))
while (groups.some((g) => g.members.length < 3)) await new Promise((resolve) => setTimeout(resolve, 50))

await Promise.all(groups.map((g, i) => g.send(`hello from node ${i + 1}`)))
while (seen.some((s) => s.length < 3)) await new Promise((resolve) => setTimeout(resolve, 10))
for (const [i, lines] of seen.entries()) console.log(`node ${i + 1} delivered: ${lines.join(' | ')}`)
console.log(seen.every((s) => s.join() === seen[0]!.join()) ? 'same order everywhere' : 'ORDER DIFFERS')
await Promise.all(all.map((c) => c.stop()))
