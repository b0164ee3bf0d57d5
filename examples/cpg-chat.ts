/**
 * A chat room on a closed process group: every line typed on stdin is sent to
 * the group and every member prints every line in the same order.
 *
 *   node dist/examples/cpg-chat.js 1      # in three terminals, with 1, 2 and 3
 *   node dist/examples/cpg-chat.js 2
 *   node dist/examples/cpg-chat.js 3
 *
 * Nodes run on 127.0.0.1–3, port 5405 (CHAT_PORT to change it). Watch joins and
 * leaves arrive in the same order as the messages around them.
 */
import { createInterface } from 'node:readline'
import { Cluster } from 'ts-ha'

const nodeId = Number(process.argv[2] ?? 1)
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}`, name: `node${id}` }))
const cluster = new Cluster({ clusterName: 'chat', nodeId, nodes, port: Number(process.env['CHAT_PORT'] ?? 5405), totem: { token: 1000 } })

await cluster.start({ waitFor: 'quorum', signal: AbortSignal.timeout(60_000) })
const room = await cluster.cpg.join('chat')
console.log(`joined as ${nodeId}/${room.memberId}; members: ${room.members.map((m) => m.nodeId).join(', ')}`)
room.on('message', (data, from) => { console.log(`[node${from.nodeId}] ${data.toString()}`) })
room.on('confchg', ({ members, joined, left }) => {
  for (const m of joined) console.log(`* node${m.nodeId} joined (${m.reason})`)
  for (const m of left) console.log(`* node${m.nodeId} left (${m.reason})`)
  console.log(`* members now: ${members.map((m) => m.nodeId).join(', ')}`)
})

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line === '/quit') break
  await room.send(line)
}
// stdin stays open after /quit; close it so the process can end.
lines.close()
process.stdin.destroy()
await room.leave()
await cluster.stop()
