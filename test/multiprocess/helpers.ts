import { expect } from 'chai'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { ProcessCluster, type ProcessClusterOptions } from '../../lib/runtime/process-cluster.js'
import { type ChildMessage, monotonicMs } from '../../lib/runtime/node-protocol.js'
import { NetnsTopology } from '../support/netns.js'

/** A port range per test file and process, so parallel runs on one host do not collide. */
export function basePort(offset: number): number {
  return 20000 + ((process.pid * 7 + offset * 101) % 20000)
}

export { monotonicMs }

/** Each node's delivery sequence (as "origin/counter"), from reportDeliveries events. */
export function deliverySequences(cluster: ProcessCluster, ids: readonly NodeId[]): Map<NodeId, string[]> {
  const out = new Map<NodeId, string[]>(ids.map((id) => [id, []]))
  for (const e of cluster.events) {
    if (e.message.t === 'deliver') out.get(e.node)?.push(`${e.message.origin}/${e.message.counter}`)
  }
  return out
}

/** Total order across processes: messages two nodes both delivered appear in the same relative order. */
export function expectConsistentOrder(sequences: Map<NodeId, string[]>): void {
  const entries = [...sequences.entries()]
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, seqA] = entries[i]!
      const [b, seqB] = entries[j]!
      expect(new Set(seqA).size, `node ${a} delivered a message twice`).to.equal(seqA.length)
      const inB = new Set(seqB)
      const inA = new Set(seqA)
      const commonA = seqA.filter((m) => inB.has(m))
      const commonB = seqB.filter((m) => inA.has(m))
      expect(commonA, `nodes ${a} and ${b} disagree on the order of ${commonA.length} common messages`).to.deep.equal(commonB)
    }
  }
}

/** The latest message of type `t` a node reported. */
export function lastEvent<T extends ChildMessage['t']>(cluster: ProcessCluster, id: NodeId, t: T): Extract<ChildMessage, { t: T }> | undefined {
  for (let i = cluster.events.length - 1; i >= 0; i--) {
    const e = cluster.events[i]!
    if (e.node === id && e.message.t === t) return e.message as Extract<ChildMessage, { t: T }>
  }
  return undefined
}

/**
 * Cluster processes each in its own network namespace (veth to a hub), for
 * partition tests; `skip` is called with the reason where that needs root.
 */
export async function netnsCluster(ids: readonly NodeId[], salt: number, options: Omit<ProcessClusterOptions, 'nodeIds' | 'addr' | 'namespace'>,
  skip: () => void): Promise<{ net: NetnsTopology; cluster: ProcessCluster } | undefined> {
  const reason = NetnsTopology.unavailableReason()
  if (reason !== undefined) {
    console.log(`      skipped: ${reason}`)
    skip()
    return undefined
  }
  const net = new NetnsTopology(ids, process.pid + salt)
  net.create()
  const cluster = new ProcessCluster({ ...options, nodeIds: ids, addr: (id) => net.addr(id), namespace: (id) => net.ns(id) })
  await cluster.startAll()
  return { net, cluster }
}
