import { monotonicMs } from '../lib/runtime/node-protocol.js'
import type { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { sleep } from './stats.js'

/** Time from kill -9 of one node to each survivor's new configuration; the victim rotates and rejoins. */
export async function measureKills(cluster: ProcessCluster, ids: readonly NodeId[], reps: number, api: 'totem' | 'cpg'): Promise<number[]> {
  const times: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    const victim = ids[rep % ids.length]!
    const survivors = ids.filter((id) => id !== victim)
    // An idle ring's token is held by the representative: a random phase avoids always killing at the same point.
    await sleep(2000 + Math.floor(Math.random() * 1000))
    const killedAt = monotonicMs()
    await cluster.kill(victim)
    times.push(...(await newConfiguration(cluster, survivors, api)).map((at) => at - killedAt))
    await cluster.start(victim)
    await newConfiguration(cluster, ids, api)
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

/** When each node reported the configuration made of exactly `ids` (Totem confchg, or Cluster membership event). */
async function newConfiguration(cluster: ProcessCluster, ids: readonly NodeId[], api: 'totem' | 'cpg'): Promise<number[]> {
  if (api === 'totem') return (await cluster.waitForRing(ids, 60_000)).map((c) => c.at)
  const want = ids.join(',')
  const from = cluster.events.length
  const at = (id: NodeId): number | undefined => {
    const e = cluster.events.slice(from).find((x) => x.node === id && x.message.t === 'membership' && x.message.members.join(',') === want)
    return e?.message.t === 'membership' ? e.message.at : undefined
  }
  await cluster.waitFor(() => ids.every((id) => at(id) !== undefined), 60_000, `membership [${want}]`)
  return ids.map((id) => at(id)!)
}
