import type { ServiceHost } from '../../services/host.js'
import type { NodeId } from '../../totem/ring-id.js'
import type { Prng } from '../prng.js'
import type { SimNode } from '../sim-node.js'
import type { Simulation } from '../simulation.js'
import { encodeWorkloadMessage } from '../workload.js'

interface Pending {
  readonly op: 'join' | 'leave' | 'mcast'
  readonly group?: string
  readonly memberId?: string
}

/** One node's simulated CPG clients: the library side, issuing requests and reading answers. */
export class CpgClients {
  readonly node: NodeId
  readonly incarnation: number
  /** Joined local members: memberId → group. */
  readonly joined = new Map<string, string>()
  /** Requests not answered yet; a send is answered when it is delivered back here. */
  readonly pending = new Map<number, Pending>()
  nextCounter = 0
  #requestId = 0

  constructor(node: NodeId, incarnation: number) {
    this.node = node
    this.incarnation = incarnation
  }

  get client(): string {
    return `c${this.node}.${this.incarnation}`
  }

  join(sim: Simulation, host: ServiceHost, group: string): void {
    this.#request(sim, host, 'join', { group }, { op: 'join', group })
  }

  leave(sim: Simulation, host: ServiceHost, memberId: string): void {
    this.#request(sim, host, 'leave', { memberId }, { op: 'leave', memberId })
  }

  mcast(sim: Simulation, host: ServiceHost, memberId: string, size: number, safe: boolean): void {
    const counter = this.nextCounter++
    const payload = encodeWorkloadMessage({ origin: this.node, incarnation: this.incarnation, counter }, size)
    this.#request(sim, host, 'mcast', { memberId, payload, guarantee: safe ? 'safe' : 'agreed' }, { op: 'mcast', memberId })
  }

  /** An answer for this client arrived. */
  answered(id: number, ok: boolean, value: unknown): void {
    const p = this.pending.get(id)
    if (p === undefined) return
    this.pending.delete(id)
    if (p.op === 'join' && ok) this.joined.set((value as { memberId: string }).memberId, p.group!)
    if (p.op === 'leave' && ok) this.joined.delete(p.memberId!)
  }

  #request(sim: Simulation, host: ServiceHost, op: string, args: unknown, pending: Pending): void {
    const id = ++this.#requestId
    this.pending.set(id, pending)
    host.request(sim.now, 'cpg', { client: this.client, op, args, id })
  }
}

/** Random CPG activity for the chaos phase: joins, leaves and messages in a few groups. */
export function cpgStep(sim: Simulation, node: SimNode, clients: CpgClients, prng: Prng, groups: readonly string[]): void {
  const host = node.core as ServiceHost
  const members = [...clients.joined.keys()]
  const roll = prng.int(100)
  if (members.length === 0 || roll < 8) {
    if (members.length < 3 && clients.pending.size < 8) clients.join(sim, host, prng.pick(groups))
  } else if (roll < 12) {
    clients.leave(sim, host, prng.pick(members))
  } else if (clients.pending.size < 200) {
    clients.mcast(sim, host, prng.pick(members), prng.chance(0.9) ? prng.range(12, 300) : prng.range(300, 6000), prng.chance(0.1))
  }
}
