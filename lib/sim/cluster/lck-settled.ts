import type { ServiceHost } from '../../services/host.js'
import type { LckService } from '../../services/lck/service.js'
import type { NodeId } from '../../totem/ring-id.js'
import type { Simulation } from '../simulation.js'
import type { LckClients } from './lck-workload.js'
import { ringSettled } from './settled.js'

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))

/**
 * Undefined once every live node is in one synchronised ring, every client
 * request is answered and every hold released, no local acquire is left
 * being cleaned up, and every replica of the lock table is identical and
 * free (no holder, no waiter, and in a quorate ring no lock delay).
 */
export function lckSettled(sim: Simulation, clientsOf: (id: NodeId) => LckClients): string | undefined {
  const live = sim.liveNodes()
  if (live.length === 0) return undefined
  const ids = live.map((n) => n.id).join(',')
  let table: string | undefined
  for (const node of live) {
    const why = ringSettled(node, ids)
    if (why !== undefined) return why
    const host = node.core as ServiceHost
    const lck = host.services.find((s) => s.name === 'lck') as LckService
    if (host.quorate && !lck.granting) return `n${node.id} is quorate but not granting yet`
    const clients = clientsOf(node.id)
    if (clients.pending.size > 0) return `n${node.id} has ${clients.pending.size} unanswered requests`
    if (clients.held.size > 0) return `n${node.id} clients still hold ${[...clients.held.keys()].join(',')}`
    if (lck.localCount > 0) return `n${node.id} still tracks ${lck.localCount} local acquires`
    const mine = json(lck.table)
    if (table !== undefined && mine !== table) return `lock tables differ:\n  ${table}\n  ${mine}`
    table = mine
    for (const r of lck.table) {
      if (r.holders.length > 0 || r.waiters.length > 0) return `n${node.id}: lock ${r.name} still has holders or waiters: ${json(r)}`
      if (r.delayed && host.quorate) return `n${node.id}: lock ${r.name} is still delayed`
    }
  }
  return undefined
}
