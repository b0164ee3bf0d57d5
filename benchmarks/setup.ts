import { ProcessCluster } from '../lib/runtime/process-cluster.js'
import type { TotemOptions } from '../lib/totem/config.js'
import type { NodeId } from '../lib/totem/ring-id.js'
import { NetnsTopology } from '../test/support/netns.js'

export interface BenchEnv {
  readonly ids: readonly NodeId[]
  readonly netns: boolean
  readonly port: number
  readonly totem: TotemOptions
}

/** A fresh 3-node cluster on loopback, or one namespace per node (the Corosync anchor's topology). */
export async function freshCluster(env: BenchEnv, net: NetnsTopology | undefined): Promise<ProcessCluster> {
  const cluster = new ProcessCluster({
    nodeIds: env.ids, port: env.port, clusterName: 'bench', totem: env.totem,
    ...(net === undefined ? {} : { addr: (id: NodeId) => net.addr(id), namespace: (id: NodeId) => net.ns(id) }),
  })
  await cluster.startAll()
  await cluster.waitForRing(env.ids, 30_000)
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
