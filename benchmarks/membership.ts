import { monotonicMs } from '../lib/runtime/node-protocol.js'
import type { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { sleep } from './stats.js'

/** Time from kill -9 of one node to each survivor's new configuration; the victim rotates and rejoins. */
export async function measureKills(cluster: ProcessCluster, ids: readonly NodeId[], reps: number): Promise<number[]> {
  const times: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    const victim = ids[rep % ids.length]!
    const survivors = ids.filter((id) => id !== victim)
    // An idle ring's token is held by the representative: a random phase avoids always killing at the same point.
    await sleep(2000 + Math.floor(Math.random() * 1000))
    const killedAt = monotonicMs()
    await cluster.kill(victim)
    const configs = await cluster.waitForRing(survivors, 60_000)
    times.push(...configs.map((c) => c.at - killedAt))
    await cluster.start(victim)
    await cluster.waitForRing(ids, 60_000)
  }
  return times
}

/** Peak and current RSS per node, in MiB. */
export async function memory(cluster: ProcessCluster, ids: readonly NodeId[]): Promise<{ node: NodeId; rssMiB: number; peakMiB: number }[]> {
  return Promise.all(ids.map(async (node) => {
    const stats = await cluster.request(node, { t: 'stats' }, 'stats')
    return { node, rssMiB: stats.rssBytes / 2 ** 20, peakMiB: stats.peakRssBytes / 2 ** 20 }
  }))
}
