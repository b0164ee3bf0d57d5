import type { CkptService } from '../../services/ckpt/service.js'
import type { CkptTraceEntry } from '../../services/ckpt/types.js'
import type { ServiceHost } from '../../services/host.js'
import { InvariantViolation } from '../checkers/violation.js'
import type { SimNode } from '../sim-node.js'
import type { Simulation } from '../simulation.js'
import { PromiseBook } from './ckpt-promises.js'

const MUTATIONS = new Set(['create', 'write', 'delete', 'unlink', 'expire'])

export function ckptOf(node: SimNode): CkptService | undefined {
  return (node.core as ServiceHost | undefined)?.services.find((s) => s.name === 'ckpt') as CkptService | undefined
}

function who(node: SimNode): string {
  return `${node.id}#${node.incarnation}`
}

/**
 * Checkpoint invariants. After every applied change: never while inquorate,
 * versions strictly increasing per checkpoint on each node, never a complete
 * copy dropped for an older one, no transfer that does not add up. At the
 * end, after convergence: identical complete replicas everywhere, and every
 * acknowledged change still there unless a later applied one replaced it
 * (see {@link PromiseBook} for when a promise is forgiven).
 */
export class CkptChecker {
  readonly #sim: Simulation
  readonly #book = new PromiseBook()
  readonly #last = new Map<string, number>()
  readonly #givenUp = new Set<string>()
  acked = 0
  applied = 0
  transfers = 0

  constructor(sim: Simulation) {
    this.#sim = sim
  }

  get forgiven(): number {
    return this.#book.forgiven
  }

  /** One trace entry of `node`, checked as it happens. */
  observe(node: SimNode, entry: CkptTraceEntry): void {
    const key = `${who(node)}|${entry.name}`
    switch (entry.kind) {
      case 'anomaly': throw new InvariantViolation('ckpt', `n${node.id}: ${entry.name}: ${entry.detail}`)
      case 'acked': return this.#acked(node, entry)
      case 'synced':
        this.transfers++
        return this.#book.synced(who(node), entry.name)
      case 'adopt': case 'promote': return this.#replaced(node, entry, key)
      default:
        if (MUTATIONS.has(entry.kind)) this.#mutation(node, entry, key)
    }
  }

  /** A node stopped. */
  crashed(): void {
    this.#book.crashed(new Set(this.#sim.liveNodes().map(who)))
  }

  /** Undefined when all live replicas are identical, complete and idle; otherwise why not. */
  converged(sim: Simulation): string | undefined {
    let reference: string | undefined
    for (const node of sim.liveNodes()) {
      const ckpt = ckptOf(node)
      if (ckpt === undefined) continue
      if (ckpt.transferring) return `n${node.id} is still transferring`
      if (ckpt.outstanding > 0) return `n${node.id} has ${ckpt.outstanding} requests waiting`
      const rows: string[] = []
      for (const c of [...ckpt.store.checkpoints.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (!c.complete || !c.available) return `n${node.id}: ${c.name} is ${c.available ? 'incomplete' : 'unavailable'}`
        rows.push(`${c.name}@${c.version}:${c.digest.slice(0, 8)} h[${[...c.handles].sort().join(',')}] cs${c.closeSeq}`)
      }
      for (const [name, t] of [...ckpt.store.tombstones].sort((a, b) => (a[0] < b[0] ? -1 : 1))) rows.push(`${name}†${t.version}`)
      const mine = rows.join(' ')
      if (reference !== undefined && mine !== reference) return `replicas differ:\n  ${reference}\n  ${mine} (n${node.id})`
      reference = mine
    }
    return undefined
  }

  /** After convergence: every acknowledged change is still there, or a later applied one replaced it. */
  checkPromises(sim: Simulation): void {
    const node = sim.liveNodes()[0]
    const store = node === undefined ? undefined : ckptOf(node)?.store
    if (store !== undefined) this.#book.check(store)
  }

  /** Holders: the live members of the writer's ring with a complete copy (for an unlink: every member). */
  #acked(node: SimNode, e: CkptTraceEntry): void {
    this.acked++
    const ring = (node.core as ServiceHost).members
    const members = this.#sim.liveNodes().filter((n) => ring.includes(n.id) && (n.core as ServiceHost).members.includes(node.id))
    const holders = members.filter((n) => ckptOf(n)?.store.get(e.name)?.complete === true)
    this.#book.acked(e, holders.map(who), members.map(who))
  }

  /** This node's copy was replaced by the merge's winner (or made whole): never by an older one. */
  #replaced(node: SimNode, entry: CkptTraceEntry, key: string): void {
    const { prior, winner } = entry
    if (prior?.complete === true && winner !== undefined && (prior.epoch > winner.epoch || (prior.epoch === winner.epoch && prior.version > winner.version))) {
      throw new InvariantViolation('ckpt', `n${node.id} dropped its complete ${entry.name} e${prior.epoch}/v${prior.version} for an older e${winner.epoch}/v${winner.version}`)
    }
    if (entry.detail === 'tombstone') this.#last.delete(key)
    else this.#last.set(key, entry.version)
    const donorId = entry.kind === 'adopt' ? Number(/^donor (\d+)$/.exec(entry.detail ?? '')?.[1] ?? NaN) : NaN
    const donor = Number.isNaN(donorId) ? undefined : who(this.#sim.node(donorId))
    this.#book.replaced(who(node), entry.name, donor)
  }

  #mutation(node: SimNode, entry: CkptTraceEntry, key: string): void {
    this.applied++
    if (!entry.quorate || (entry.detail !== 'held' && !(node.core as ServiceHost).quorate)) {
      throw new InvariantViolation('ckpt', `n${node.id} applied ${entry.kind} of ${entry.name} v${entry.version} while inquorate`)
    }
    this.#book.applied(entry)
    if (entry.detail === 'unavailable') {
      this.#last.delete(key)
      if (!this.#givenUp.has(`${entry.name}|${entry.epoch}`)) {
        this.#givenUp.add(`${entry.name}|${entry.epoch}`)
        this.#book.givenUp(entry.name)
      }
      return
    }
    const last = this.#last.get(key)
    if (entry.kind !== 'create' && last !== undefined && entry.version <= last) {
      throw new InvariantViolation('ckpt', `n${node.id}: ${entry.kind} of ${entry.name} at v${entry.version} after v${last}`)
    }
    this.#last.set(key, entry.version)
  }
}
