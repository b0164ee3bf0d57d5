import { expect } from 'chai'
import type { NodeId } from '../../lib/totem/ring-id.js'
import type { ProcessCluster } from '../../lib/runtime/process-cluster.js'
import { monotonicMs } from '../../lib/runtime/node-protocol.js'

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
