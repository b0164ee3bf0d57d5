/**
 * Prints this node's view of membership and quorum as the cluster changes:
 * start three watchers, then stop or kill them one by one and watch the
 * remaining ones lose quorum when they are no longer a majority.
 *
 *   node dist/examples/quorum-watcher.js 1   (and 2, 3 in other terminals)
 *
 * Port 5405 on 127.0.0.1–3 (QUORUM_PORT to change it). Ctrl-C leaves gracefully.
 */
import { Cluster } from 'ts-ha'

const nodeId = Number(process.argv[2] ?? 1)
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}` }))
const cluster = new Cluster({ clusterName: 'watch', nodeId, nodes, port: Number(process.env['QUORUM_PORT'] ?? 5405), totem: { token: 1000 } })

cluster.on('membership', ({ ringId, members, joined, left }) => {
  console.log(`membership ring ${ringId.rep}.${ringId.seq}: [${members.map((m) => m.nodeId).join(', ')}]` +
    `${joined.length ? ` joined ${joined.map((m) => m.nodeId).join(',')}` : ''}${left.length ? ` left ${left.map((m) => m.nodeId).join(',')}` : ''}`)
})
cluster.on('quorum', (q) => {
  console.log(`quorum: ${q.quorate ? 'QUORATE' : 'NOT quorate'} (${q.votes} of ${q.expectedVotes} votes, ${q.quorum} needed)`)
})

await cluster.start()
process.once('SIGINT', () => { void cluster.stop().then(() => process.exit(0)) })
process.once('SIGTERM', () => { void cluster.stop().then(() => process.exit(0)) })
