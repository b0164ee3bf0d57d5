import type { Cluster } from '../cluster/cluster.js'

/** One peer as the link sees it. */
export interface LinkNodeStatus {
  readonly nodeId: number
  readonly name: string
  readonly addr: string
  /** `localhost` (this node), `connected` (in the current ring) or `disconnected`. */
  readonly status: 'localhost' | 'connected' | 'disconnected'
}

/** `ts-ha cfg -s --json` (corosync-cfgtool -s): one entry per link; one link today. */
export interface LinkStatus {
  readonly localNodeId: number
  readonly transport: string
  readonly links: readonly {
    readonly linkId: number
    /** `udp` for the udpu and udp transports, `memory` in-process. */
    readonly protocol: string
    readonly addr: string
    readonly port: number
    readonly mcastAddr?: string
    /** The ring is formed and this node is operational in it. */
    readonly active: boolean
    readonly nodes: readonly LinkNodeStatus[]
    readonly stats: Readonly<Record<string, number | string>>
  }[]
}

const NET = 'runtime.totem.stats.net.'

/**
 * Link status from what the node knows: there is one link, and a peer is
 * connected when it is in the current ring (the transport keeps no per-peer
 * heartbeat of its own; Totem's membership is that heartbeat).
 */
export function linkStatus(cluster: Cluster): LinkStatus {
  const o = cluster.options
  const members = new Set(cluster.members.map((m) => m.nodeId))
  const self = o.nodes.find((n) => n.nodeId === o.nodeId)
  const stats: Record<string, number | string> = {}
  for (const key of cluster.cmap.keys(NET)) {
    const v = cluster.cmap.get(key)
    if (typeof v === 'number' || typeof v === 'bigint') stats[key.slice(NET.length)] = typeof v === 'bigint' ? v.toString() : v
  }
  return {
    localNodeId: o.nodeId,
    transport: o.transport ?? 'udpu',
    links: [{
      linkId: 0,
      protocol: o.transport === 'memory' ? 'memory' : 'udp',
      addr: o.bindAddr ?? self?.addr ?? '',
      port: o.port ?? 5405,
      ...(o.mcastAddr === undefined ? {} : { mcastAddr: o.mcastAddr }),
      active: cluster.ringId !== undefined && members.has(o.nodeId),
      nodes: [...o.nodes].sort((a, b) => a.nodeId - b.nodeId).map((n) => ({
        nodeId: n.nodeId, name: n.name ?? `node${n.nodeId}`, addr: n.addr,
        status: n.nodeId === o.nodeId ? 'localhost' as const : members.has(n.nodeId) ? 'connected' as const : 'disconnected' as const,
      })),
      stats,
    }],
  }
}
