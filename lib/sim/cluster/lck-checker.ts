import type { LckMode, LckTraceEntry, LockRecord } from '../../services/lck/types.js'
import type { NodeId } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import type { LckClientEvents } from './lck-workload.js'

interface Hold {
  readonly node: NodeId
  readonly incarnation: number
  readonly holderId: string
  readonly lock: string
  readonly mode: LckMode
  readonly token: bigint
}

const DENIALS = new Set(['ERR_NO_QUORUM', 'ERR_LOCK_TIMEOUT', 'ERR_ABORTED', 'null'])

function conflict(a: LckMode, b: LckMode): boolean {
  return a === 'exclusive' || b === 'exclusive'
}

/**
 * Lock safety from the clients' point of view, checked at every grant a
 * client hears of:
 * 1. a fencing token is never given to two clients for one lock, and a
 *    grant's token exceeds every earlier conflicting one;
 * 2. no client hears of a grant while its node is inquorate;
 * 3. mutual exclusion: every earlier conflicting hold was released by its
 *    client, taken away from it ('lost'), died with its process, or belongs
 *    to a node outside the granting node's membership.
 * Also: every member of a ring merges the same table at sync activation.
 */
export class LckChecker implements LckClientEvents {
  readonly #active = new Map<string, Hold>()
  readonly #tokens = new Map<string, Map<bigint, string>>()
  readonly #max = new Map<string, bigint>()
  readonly #maxExclusive = new Map<string, bigint>()
  readonly #merges = new Map<string, { node: NodeId; table: string }>()
  grants = 0
  losses = 0
  denials = 0
  /** Grants made in a transitional configuration, told later or never. */
  deferred = 0
  merges = 0

  /** The service of this node incarnation traced an event; `quorate` is its node's verdict right now. */
  traced(incarnation: number, e: LckTraceEntry, quorate: boolean): void {
    const who = `n${e.node}#${incarnation}`
    if (e.kind === 'deny') {
      this.denials++
      if (!DENIALS.has(e.code ?? '')) throw new InvariantViolation('lck', `${who}: ${e.holderId} denied with untyped ${e.code}`)
    } else if (e.kind === 'lost') {
      this.losses++
      if (!this.#active.delete(key(e.node, incarnation, e.holderId))) {
        throw new InvariantViolation('lck', `${who}: lost ${e.holderId} on ${e.lock}, which no client held`)
      }
    } else if (e.kind === 'grant' && !e.visible) {
      this.deferred++
    } else if (e.kind === 'grant') {
      this.grants++
      this.#grant(who, { node: e.node, incarnation, holderId: e.holderId, lock: e.lock, mode: e.mode, token: e.token ?? -1n }, e, quorate)
    }
  }

  /** A member activated `ring` with this merged table: the merge must be the same on every member. */
  merged(node: NodeId, ring: string, table: readonly LockRecord[]): void {
    const mine = JSON.stringify(table, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
    const first = this.#merges.get(ring)
    if (first === undefined) this.#merges.set(ring, { node, table: mine })
    else if (first.table !== mine) throw new InvariantViolation('lck', `n${node} merged ring ${ring} into\n  ${mine}\nn${first.node} into\n  ${first.table}`)
    this.merges++
  }

  released(node: NodeId, incarnation: number, holderId: string): void {
    this.#active.delete(key(node, incarnation, holderId))
  }

  gone(node: NodeId, incarnation: number, holderIds: readonly string[]): void {
    for (const id of holderIds) this.#active.delete(key(node, incarnation, id))
  }

  crashed(node: NodeId, incarnation: number): void {
    for (const [k, h] of this.#active) if (h.node === node && h.incarnation === incarnation) this.#active.delete(k)
  }

  /** Holds clients still believe they have, for the end-of-run check. */
  get active(): number {
    return this.#active.size
  }

  #grant(who: string, hold: Hold, e: LckTraceEntry, quorate: boolean): void {
    const where = `${who} granted ${hold.lock} (${hold.mode}, token ${hold.token}) to ${hold.holderId} in ring ${e.ringId.rep}.${e.ringId.seq}`
    if (!quorate) throw new InvariantViolation('lck', `${where} while inquorate`)
    const tokens = this.#tokens.get(hold.lock) ?? new Map<bigint, string>()
    this.#tokens.set(hold.lock, tokens)
    const earlier = tokens.get(hold.token)
    if (earlier !== undefined) throw new InvariantViolation('lck', `${where}: token already granted to ${earlier}`)
    const floor = (hold.mode === 'exclusive' ? this.#max : this.#maxExclusive).get(hold.lock) ?? -1n
    if (hold.token <= floor) throw new InvariantViolation('lck', `${where}: token not above the earlier conflicting token ${floor}`)
    for (const other of this.#active.values()) {
      if (other.lock !== hold.lock || !conflict(other.mode, hold.mode) || !e.members.includes(other.node)) continue
      throw new InvariantViolation('lck', `${where}: n${other.node}#${other.incarnation} still holds it (${other.mode}, token ${other.token}, ${other.holderId}) and is a member`)
    }
    tokens.set(hold.token, `${who}/${hold.holderId}`)
    if (hold.token > (this.#max.get(hold.lock) ?? -1n)) this.#max.set(hold.lock, hold.token)
    if (hold.mode === 'exclusive' && hold.token > (this.#maxExclusive.get(hold.lock) ?? -1n)) this.#maxExclusive.set(hold.lock, hold.token)
    this.#active.set(key(hold.node, hold.incarnation, hold.holderId), hold)
  }
}

function key(node: NodeId, incarnation: number, holderId: string): string {
  return `${node}#${incarnation}/${holderId}`
}
