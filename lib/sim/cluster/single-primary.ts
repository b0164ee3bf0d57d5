import type { ServiceHost } from '../../services/host.js'
import { ringIdString } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import type { Simulation } from '../simulation.js'

interface QuorumView { readonly state: { readonly quorate: boolean } }

/**
 * At most one quorate partition at any instant (expected votes set, no
 * two_node or last_man_standing, which allow more by design). Only nodes that
 * are operational and have finished synchronising their ring count: before
 * that their quorum flag still describes the previous ring. A ring counts only
 * while it can still order messages, i.e. every member is alive and still in
 * it: a node that has not yet noticed that its peers crashed and re-formed
 * elsewhere holds a stale verdict about a ring that can no longer deliver
 * anything (found with lock seed 14382).
 */
export function checkSinglePrimary(sim: Simulation): void {
  const quorateRings = new Map<string, number[]>()
  for (const node of sim.liveNodes()) {
    if (node.paused) continue
    const host = node.core as ServiceHost
    if (host.engine.state !== 'operational' || host.syncing) continue
    const quorum = host.services.find((s) => s.name === 'votequorum') as unknown as QuorumView | undefined
    if (quorum === undefined || !quorum.state.quorate) continue
    const ring = ringIdString(host.engine.ringId)
    const list = quorateRings.get(ring) ?? []
    list.push(node.id)
    quorateRings.set(ring, list)
  }
  for (const [ring, ids] of quorateRings) {
    const members = (sim.node(ids[0]!).core as ServiceHost).engine.members
    const alive = members.every((m) => {
      const peer = sim.nodes.get(m)
      return peer !== undefined && peer.alive && ringIdString((peer.core as ServiceHost).engine.ringId) === ring
    })
    if (!alive) quorateRings.delete(ring)
  }
  if (quorateRings.size > 1) {
    throw new InvariantViolation('single-primary',
      `two quorate partitions at once: ${[...quorateRings].map(([ring, ids]) => `ring ${ring} [${ids.join(',')}]`).join(' and ')}`)
  }
}
