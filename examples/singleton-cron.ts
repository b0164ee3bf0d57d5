/**
 * "Run this cron job once across my instances": every process declares the
 * same singleton; exactly one runs it at a time, and when that one dies
 * another takes over (with a higher fencing token).
 *
 *   node dist/examples/singleton-cron.js 1   (and 2, 3 in other terminals)
 *
 * Port 5405 on 127.0.0.1–3 (CRON_PORT to change it); CRON_EVERY_MS sets the
 * period (default 1000).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster } from 'ts-ha'

const nodeId = Number(process.argv[2] ?? 1)
const every = Number(process.env['CRON_EVERY_MS'] ?? 1000)
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}` }))
const cluster = new Cluster({ clusterName: 'cron', nodeId, nodes, port: Number(process.env['CRON_PORT'] ?? 5405), totem: { token: 1000 } })
await cluster.start({ waitFor: 'quorum', signal: AbortSignal.timeout(60_000) })
console.log(`node ${nodeId} joined`)

const cron = cluster.singleton('report', async (signal, token) => {
  console.log(`node ${nodeId} runs the job now (fencing token ${token})`)
  for (let tick = 1; !signal.aborted; tick++) {
    console.log(`tick ${tick} on node ${nodeId} token ${token}`)
    await sleep(every, undefined, { signal }).catch(() => {})
  }
})
cron.on('stopped', (reason) => { console.log(`node ${nodeId} stopped running the job: ${reason}`) })

const shutdown = (): void => { void cron.stop().then(() => cluster.stop()).then(() => process.exit(0)) }
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
