/**
 * A node configured by a corosync.conf file, as an operator would deploy it:
 *
 *   node dist/examples/config-node.js examples/corosync.conf 2
 *
 * The second argument picks the node id; without it the node is found by
 * matching the nodelist's ring0_addr against this host's addresses. Prints
 * the parser's warnings, a few CMAP keys, then membership changes.
 */
import { Cluster } from 'ts-ha'

const path = process.argv[2] ?? 'examples/corosync.conf'
const nodeId = process.argv[3] === undefined ? undefined : Number(process.argv[3])
const cluster = Cluster.fromConfigFile(path, nodeId === undefined ? {} : { nodeId })

console.log(`cluster ${cluster.options.clusterName}, node ${cluster.nodeId}, transport ${cluster.options.transport ?? 'udpu'}`)
for (const key of ['runtime.config.totem.token', 'runtime.config.totem.consensus', 'nodelist.local_node_pos']) {
  console.log(`  ${key} = ${String(cluster.cmap.get(key))}`)
}
cluster.on('membership', ({ members }) => { console.log(`members: ${members.map((m) => `${m.name}(${m.nodeId})`).join(' ')}`) })
cluster.on('quorum', (q) => { console.log(`quorate: ${q.quorate}`) })
await cluster.start()
console.log('started')
process.once('SIGTERM', () => { void cluster.stop().then(() => process.exit(0)) })
process.once('SIGINT', () => { void cluster.stop().then(() => process.exit(0)) })
