import { ringIdString } from '../../totem/ring-id.js'
import type { ConfigurationChange, Delivery } from '../../totem/events.js'
import { type Incarnation, type MessageId, messageKey, type Observer } from './observer.js'
import { InvariantViolation } from './violation.js'

interface NodeOrder {
  readonly delivered: Set<string>
  /** Ring whose regular configuration the node is in, or undefined between transitional and regular. */
  regularRing: string | undefined
  /** Index into the ring's common regular-mode sequence. */
  regularIndex: number
  /** Last (seq, index) position delivered, per ring. */
  readonly lastPosition: Map<string, number>
  /** Next own counter expected (own messages are delivered to self without gaps, in order). */
  nextOwn: number | undefined
  /** Highest counter delivered per origin incarnation (per-sender FIFO). */
  readonly fifo: Map<string, number>
}

/**
 * Total order: in each ring every position (packet seq, chunk index) carries one
 * message and every message one position; each node delivers positions in
 * increasing order; regular-mode deliveries of every node are prefixes of one
 * sequence; nothing is delivered twice or invented; per-sender FIFO; a node
 * delivers all its own messages to itself in order.
 */
export class OrderChecker implements Observer {
  readonly #submitted = new Set<string>()
  readonly #positions = new Map<string, Map<number, string>>()
  readonly #messagePosition = new Map<string, string>()
  readonly #regular = new Map<string, string[]>()
  readonly #nodes = new Map<string, NodeOrder>()
  deliveries = 0

  submitted(_at: number, id: MessageId): void {
    this.#submitted.add(messageKey(id))
  }

  crashed(_at: number, who: Incarnation): void {
    this.#nodes.delete(`${who.node}/${who.incarnation}`)
  }

  configuration(_at: number, who: Incarnation, change: ConfigurationChange): void {
    const state = this.#node(who)
    state.regularRing = change.kind === 'regular' ? ringIdString(change.ringId) : undefined
    state.regularIndex = 0
  }

  delivered(_at: number, who: Incarnation, id: MessageId, d: Delivery): void {
    this.deliveries++
    const key = messageKey(id)
    const state = this.#node(who)
    const where = `node ${who.node}#${who.incarnation}`
    if (!this.#submitted.has(key)) throw new InvariantViolation('order', `${where} delivered ${key}, which nobody sent`)
    if (id.origin !== d.origin) throw new InvariantViolation('order', `${where} delivered ${key} as coming from ${d.origin}`)
    if (state.delivered.has(key)) throw new InvariantViolation('order', `${where} delivered ${key} twice`)
    state.delivered.add(key)
    const ring = ringIdString(d.ringId)
    this.#checkPosition(where, ring, key, d, state)
    this.#checkFifo(where, who, id, state)
    if (state.regularRing === ring) this.#checkRegularPrefix(where, ring, key, state)
  }

  #checkPosition(where: string, ring: string, key: string, d: Delivery, state: NodeOrder): void {
    const position = d.seq * 4096 + d.index
    const atPosition = this.#positions.get(ring) ?? new Map<number, string>()
    this.#positions.set(ring, atPosition)
    const other = atPosition.get(position)
    if (other !== undefined && other !== key) {
      throw new InvariantViolation('order', `${where}: ring ${ring} position ${d.seq}.${d.index} holds ${key} here but ${other} elsewhere`)
    }
    atPosition.set(position, key)
    const known = this.#messagePosition.get(key)
    const here = `${ring}@${d.seq}.${d.index}`
    if (known !== undefined && known !== here) {
      throw new InvariantViolation('order', `${where}: ${key} delivered at ${here}, elsewhere at ${known}`)
    }
    this.#messagePosition.set(key, here)
    const last = state.lastPosition.get(ring)
    if (last !== undefined && position <= last) {
      throw new InvariantViolation('order', `${where}: ring ${ring} position ${d.seq}.${d.index} delivered after a later one`)
    }
    state.lastPosition.set(ring, position)
  }

  #checkFifo(where: string, who: Incarnation, id: MessageId, state: NodeOrder): void {
    const sender = `${id.origin}/${id.incarnation}`
    const last = state.fifo.get(sender)
    if (last !== undefined && id.counter <= last) {
      throw new InvariantViolation('order', `${where}: messages of ${sender} out of FIFO order (${id.counter} after ${last})`)
    }
    state.fifo.set(sender, id.counter)
    if (id.origin === who.node && id.incarnation === who.incarnation) {
      if (state.nextOwn !== undefined && id.counter !== state.nextOwn) {
        throw new InvariantViolation('order', `${where}: own message ${id.counter} delivered, expected ${state.nextOwn} first`)
      }
      state.nextOwn = id.counter + 1
    }
  }

  #checkRegularPrefix(where: string, ring: string, key: string, state: NodeOrder): void {
    const common = this.#regular.get(ring) ?? []
    this.#regular.set(ring, common)
    if (state.regularIndex < common.length) {
      if (common[state.regularIndex] !== key) {
        throw new InvariantViolation('order',
          `${where}: regular delivery #${state.regularIndex} in ring ${ring} is ${key}, another member delivered ${common[state.regularIndex]}`)
      }
    } else {
      common.push(key)
    }
    state.regularIndex++
  }

  /** Own messages a node has delivered so far (next counter expected). */
  nextOwnCounter(who: Incarnation): number | undefined {
    return this.#nodes.get(`${who.node}/${who.incarnation}`)?.nextOwn
  }

  regularLength(ring: string, who: Incarnation): number {
    const state = this.#nodes.get(`${who.node}/${who.incarnation}`)
    return state?.regularRing === ring ? state.regularIndex : -1
  }

  #node(who: Incarnation): NodeOrder {
    const key = `${who.node}/${who.incarnation}`
    let state = this.#nodes.get(key)
    if (state === undefined) {
      state = {
        delivered: new Set(), regularRing: undefined, regularIndex: 0, lastPosition: new Map(), nextOwn: 0, fifo: new Map(),
      }
      this.#nodes.set(key, state)
    }
    return state
  }
}
