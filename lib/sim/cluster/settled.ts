import type { CpgService } from '../../services/cpg/service.js'
import type { ServiceHost } from '../../services/host.js'
import { ringIdString } from '../../totem/ring-id.js'
import type { SimNode } from '../sim-node.js'
import type { Simulation } from '../simulation.js'
import type { NodeView } from './cluster-swarm.js'

/** Why this node is not yet quiet in one synchronised ring of exactly the live nodes (`ids`), or undefined. */
export function ringSettled(node: SimNode, ids: string): string | undefined {
  const host = node.core as ServiceHost
  const engine = host.engine
  if (engine.state !== 'operational') return `n${node.id} is ${engine.state}`
  if (engine.members.join(',') !== ids) return `n${node.id} ring has ${engine.members.join(',')}, live are ${ids}`
  if (host.syncing) return `n${node.id} is still synchronising ${ringIdString(engine.ringId)}`
  if (engine.queuedBytes > 0) return `n${node.id} has ${engine.queuedBytes} bytes queued`
  return undefined
}

/** Undefined once every live node is in one synchronised ring with identical group tables and no request pending. */
export function clusterSettled(sim: Simulation, views: Map<number, NodeView>): string | undefined {
  const live = sim.liveNodes()
  if (live.length === 0) return undefined
  const ids = live.map((n) => n.id).join(',')
  let table: string | undefined
  for (const node of live) {
    const why = ringSettled(node, ids)
    if (why !== undefined) return why
    const host = node.core as ServiceHost
    const clients = views.get(node.id)?.clients
    if (clients !== undefined && clients.incarnation === node.incarnation && clients.pending.size > 0) {
      return `n${node.id} has ${clients.pending.size} unanswered requests`
    }
    const cpg = host.services.find((s) => s.name === 'cpg') as CpgService | undefined
    if (cpg === undefined) continue
    const mine = cpg.table.groups().map((g) => `${g}:${cpg.table.members(g).map((m) => `${m.nodeId}/${m.memberId}`).join(',')}`).join(' ')
    if (table !== undefined && mine !== table) return `group tables differ:\n  ${table}\n  ${mine}`
    table = mine
  }
  return undefined
}
