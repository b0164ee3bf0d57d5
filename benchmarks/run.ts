import { mkdirSync, writeFileSync } from 'node:fs'
import { monotonicMs } from '../lib/runtime/node-protocol.js'
import { measureLatency, type LatencyResult } from './latency.js'
import { measureKills, memory } from './membership.js'
import { renderReport, type BenchReport } from './report.js'
import { freshCluster, openTopology, type BenchEnv } from './setup.js'
import { median } from './stats.js'
import { measureThroughput, type ThroughputResult } from './throughput.js'

/**
 * npm run bench [-- --netns] [--api=cpg] [--duration=5000] [--sizes=64,1024,8192,65536] [--kills=3] [--startups=3]
 *
 * Three node processes (udpu, corosync default timers) on 127.0.0.1-3, or
 * with --netns one network namespace per node like the Corosync anchor.
 * --api=totem (default) drives bare engines; --api=cpg the public API: a
 * Cluster with its worker engine per process, one CPG group, so the cost of
 * the facade and the thread hop shows next to the engine's.
 * Prints markdown tables next to Corosync 3.1.7's figures and writes JSON to
 * bench-results/.
 */
function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : hit.slice(name.length + 3)
}

async function main(): Promise<void> {
  const api = arg('api', 'totem') === 'cpg' ? 'cpg' : 'totem'
  const env: BenchEnv = { ids: [1, 2, 3], netns: process.argv.includes('--netns'), port: 40405 + (process.pid % 1000) * 2, totem: {}, api }
  const durationMs = Number(arg('duration', '5000'))
  const sizes = arg('sizes', '64,1024,8192,65536').split(',').map(Number)
  const net = openTopology(env)
  const throughput: ThroughputResult[] = []
  const latency: LatencyResult[] = []
  const startupMs: number[] = []
  try {
    for (let i = 0; i < Number(arg('startups', '3')); i++) {
      const t0 = monotonicMs()
      const c = await freshCluster(env, net)
      startupMs.push(Math.max(...c.events.filter((e) => e.message.t === 'config' || e.message.t === 'membership')
        .map((e) => (e.message as { at: number }).at)) - t0)
      await c.close()
    }
    const cluster = await freshCluster(env, net)
    try {
      for (const size of sizes) {
        for (const senders of [1, 3]) {
          const t = await measureThroughput(cluster, env.ids, size, senders, durationMs, api)
          console.error(`throughput ${size} B × ${senders}: ${Math.round(t.msgsPerSec)} msgs/s`)
          throughput.push(t)
        }
      }
      for (const size of [64, 1024]) {
        for (const senders of [1, 3]) latency.push(await measureLatency(cluster, env.ids, size, senders, 1000, durationMs, api))
      }
      const killMs = await measureKills(cluster, env.ids, Number(arg('kills', '3')), api)
      const mem = await memory(cluster, env.ids)
      const report: BenchReport = {
        api, topology: env.netns ? 'netns' : 'loopback', totem: env.totem, durationMs, startupMs, throughput, latency, killMs, memory: mem,
      }
      console.log(renderReport(report, median))
      mkdirSync('bench-results', { recursive: true })
      const file = `bench-results/${api}-${report.topology}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
      writeFileSync(file, JSON.stringify(report, null, 2))
      console.log(`\nJSON: ${file}`)
    } finally {
      await cluster.close()
    }
  } finally {
    net?.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
