/**
 * The ts-ha demo: three Totem nodes as separate processes over real UDP on
 * 127.0.0.1–3 (corosync's default timers). The ring forms, node 3 is killed
 * with SIGKILL, the survivors install a new configuration, node 3 restarts and
 * rejoins. Every process started here is ended here.
 *
 *   npm run demo
 */
import { totemConfig } from '../lib/totem/config.js'
import { ringIdString } from '../lib/totem/ring-id.js'
import { monotonicMs } from '../lib/runtime/node-protocol.js'
import { ProcessCluster } from '../lib/runtime/process-cluster.js'

const ids = [1, 2, 3]
const config = totemConfig({}, ids.length)
const cluster = new ProcessCluster({ nodeIds: ids, port: 5405 + (process.pid % 500) * 2, clusterName: 'demo' })
const t0 = monotonicMs()
const stamp = (at: number): string => `${((at - t0) / 1000).toFixed(3).padStart(7)}s`
const say = (text: string, at = monotonicMs()): void => { console.log(`${stamp(at)}  ${text}`) }

let seen = 0
const shown = new Set<string>()
function printNewEvents(): void {
  for (; seen < cluster.events.length; seen++) {
    const { node, message } = cluster.events[seen]!
    if (message.t === 'ready') say(`node ${node} up (pid ${message.pid}) on 127.0.0.${node}`, message.at)
    if (message.t !== 'config' || message.kind !== 'regular') continue
    const key = `${ringIdString(message.ringId)}:${message.members.join(',')}`
    if (message.members.length > 1 && shown.has(key)) continue
    shown.add(key)
    const change = [message.joined.length ? `joined ${message.joined.join(',')}` : '',
      message.left.length ? `left ${message.left.join(',')}` : ''].filter(Boolean).join(', ')
    say(`node ${node}: ring ${ringIdString(message.ringId)} members [${message.members.join(', ')}]${change ? `  (${change})` : ''}`, message.at)
  }
}

async function main(): Promise<void> {
  console.log(`ts-ha demo: 3 node processes, Totem over UDP unicast on 127.0.0.1-3`)
  console.log(`timers: token ${config.token} ms (3000 + 650 per node above 2), consensus ${config.consensus} ms\n`)
  const ticker = setInterval(printNewEvents, 20)
  try {
    await cluster.startAll()
    await cluster.waitForRing(ids, 15_000)
    printNewEvents()
    await Promise.all(ids.map((id) => cluster.request(id, { t: 'send', count: 1000, size: 200, guarantee: 'agreed', ratePerSec: 0 }, 'sent')))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const digests = await Promise.all(ids.map(async (id) => (await cluster.request(id, { t: 'digest' }, 'digest')).digest))
    say(`each node sent 1000 messages; delivered ${digests.map((d) => d.count).join('/')} ` +
      `in ${new Set(digests.map((d) => d.hash)).size === 1 ? 'one identical order' : 'DIFFERENT orders'} on all nodes`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const killedAt = monotonicMs()
    say(`kill -9 node 3 (pid ${cluster.pid(3)})`)
    await cluster.kill(3)
    const after = await cluster.waitForRing([1, 2], 30_000)
    printNewEvents()
    say(`survivors re-formed ${((Math.max(...after.map((c) => c.at)) - killedAt) / 1000).toFixed(2)} s after the kill ` +
      `(detection: token ${config.token} ms, then consensus ${config.consensus} ms)`)
    say('restarting node 3')
    const restartAt = monotonicMs()
    await cluster.start(3)
    const back = await cluster.waitForRing(ids, 30_000)
    printNewEvents()
    say(`node 3 rejoined ${((Math.max(...back.map((c) => c.at)) - restartAt) / 1000).toFixed(2)} s after its restart; all three in one ring`)
  } finally {
    clearInterval(ticker)
    await cluster.close()
  }
  console.log('\nall node processes stopped.')
}

process.once('SIGINT', () => { void cluster.close().then(() => process.exit(130)) })
main().catch(async (error: unknown) => {
  console.error(error)
  await cluster.close()
  process.exitCode = 1
})
