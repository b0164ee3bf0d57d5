import { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { TotemOptions } from '../lib/totem/config.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { NetnsTopology } from '../test/support/netns.js'

export interface BenchEnv {
  readonly ids: readonly NodeId[]
  readonly netns: boolean
  readonly port: number
  readonly totem: TotemOptions
  /** `totem`: bare engines (engine-level). `cpg`: the public API, worker engine, one CPG group. */
  readonly api: 'totem' | 'cpg'
}

export const BENCH_GROUP = 'bench'

/** A fresh 3-node cluster on loopback, or one namespace per node (the Corosync anchor's topology). */
export async function freshCluster(env: BenchEnv, net: NetnsTopology | undefined): Promise<ProcessCluster> {
  const cluster = new ProcessCluster({
    nodeIds: env.ids, port: env.port, clusterName: 'bench', totem: env.totem, program: env.api === 'cpg' ? 'cluster' : 'totem',
    ...(net === undefined ? {} : { addr: (id: NodeId) => net.addr(id), namespace: (id: NodeId) => net.ns(id) }),
  })
  await cluster.startAll()
  if (env.api === 'cpg') {
    const want = [...env.ids].join(',')
    await cluster.waitFor(() => env.ids.every((id) => cluster.events.some((e) => e.node === id && e.message.t === 'membership' && e.message.members.join(',') === want)), 30_000, 'ring')
    await Promise.all(env.ids.map((id) => cluster.request(id, { t: 'cpg-join', group: BENCH_GROUP }, 'cpg-joined')))
    await cluster.waitFor(() => env.ids.every((id) => cluster.events.some((e) => e.node === id && e.message.t === 'cpg-confchg' && e.message.members.length === env.ids.length)) ||
      env.ids.every((id) => cluster.events.some((e) => e.node === id && e.message.t === 'cpg-joined')), 30_000, 'group')
  } else {
    await cluster.waitForRing(env.ids, 30_000)
  }
  return cluster
}

export function openTopology(env: BenchEnv): NetnsTopology | undefined {
  if (!env.netns) return undefined
  const reason = NetnsTopology.unavailableReason()
  if (reason !== undefined) throw new Error(`--netns: ${reason}`)
  const net = new NetnsTopology(env.ids, process.pid)
  net.create()
  return net
}
