import { Cluster } from '../../lib/cluster/cluster.js'
import type { ClusterOptions } from '../../lib/cluster/options.js'

/** Three Cluster instances in this process on 127.0.0.1–3 (udpu, engine inline), quorate and in one ring. */
export async function threeNodes(port: number, extra: Partial<ClusterOptions> = {}): Promise<Cluster[]> {
  const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, addr: `127.0.0.${nodeId}` }))
  const all = nodes.map((n) => new Cluster({ clusterName: 'facade-test', nodeId: n.nodeId, nodes, port, engine: 'inline', totem: { token: 300 }, ...extra }))
  await Promise.all(all.map((c) => c.start()))
  await until(() => all.every((c) => c.quorum.quorate && c.members.length === 3), 'a quorate ring of 3')
  return all
}

export async function until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export async function stopAll(all: readonly Cluster[]): Promise<void> {
  await Promise.all(all.map((c) => c.stop()))
}
