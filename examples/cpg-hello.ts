/**
 * The README's first program: three nodes in one process (each with its
 * engine in a worker thread) on 127.0.0.1–3, one group, every node says
 * hello, and every node prints the same lines in the same order.
 *
 *   node dist/examples/cpg-hello.js      (HELLO_PORT to change port 5405)
 */
import { Cluster } from 'ts-ha'

const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, addr: `127.0.0.${nodeId}` }))
const port = Number(process.env['HELLO_PORT'] ?? 5405)
const all = nodes.map((n) => new Cluster({ clusterName: 'hello', nodeId: n.nodeId, nodes, port, totem: { token: 1000 } }))
// Resolves once each node is in a synchronised ring with all three members (or rejects after 30 s).
await Promise.all(all.map((c) => c.start({ waitFor: 'all', signal: AbortSignal.timeout(30_000) })))

const groups = []
for (const c of all) groups.push(await c.cpg.join('chat'))   // one after the other: each joiner sees the ones before it
const seen = groups.map(() => [] as string[])
const everyone = Promise.all(groups.map((g, i) => new Promise<void>((resolve) => {
  g.on('message', (data, from) => {
    seen[i]!.push(`${from.nodeId}: ${data.toString()}`)
    if (seen[i]!.length === 3) resolve()
  })
})))
await Promise.all(groups.map((g, i) => g.send(`hello from node ${i + 1}`)))   // resolves when delivered here, in total order
await everyone
for (const [i, lines] of seen.entries()) console.log(`node ${i + 1} delivered: ${lines.join(' | ')}`)
console.log(seen.every((s) => s.join() === seen[0]!.join()) ? 'same order everywhere' : 'ORDER DIFFERS')
await Promise.all(all.map((c) => c.stop()))           // leaves the group, then the ring: peers see a leave
