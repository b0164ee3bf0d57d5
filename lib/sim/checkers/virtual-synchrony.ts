import type { ConfigurationChange, Delivery } from '../../totem/events.js'
import { setEqual, setMinus } from '../../totem/node-set.js'
import { ringIdString, type NodeId } from '../../totem/ring-id.js'
import { type Incarnation, type MessageId, messageKey, type Observer } from './observer.js'
import { InvariantViolation } from './violation.js'

interface NodeView {
  /** Ring of the last regular configuration installed (undefined: none yet). */
  regular: string | undefined
  regularSeq: number
  members: readonly NodeId[]
  /** Set between a transitional configuration and its regular one. */
  transitional: { ring: string; from: string | undefined; members: readonly NodeId[] } | undefined
  /** Messages of each ring delivered by this node (ring → message keys). */
  readonly deliveredIn: Map<string, string[]>
}

/**
 * Extended virtual synchrony: transitional before regular for the same ring;
 * ring seqs strictly increase per node (also across restarts); every node
 * installing a ring reports the same members, with its lowest node as
 * representative; nodes that move together from ring A to ring B report the
 * same transitional members and delivered the same set of A's messages;
 * deliveries belong to the configuration they are made in.
 */
export class VirtualSynchronyChecker implements Observer {
  readonly #nodes = new Map<string, NodeView>()
  readonly #lastSeqOfNode = new Map<NodeId, number>()
  readonly #ringMembers = new Map<string, readonly NodeId[]>()
  readonly #transitions = new Map<string, { members: readonly NodeId[]; delivered: string; who: string }>()
  configurations = 0

  crashed(_at: number, who: Incarnation): void {
    this.#nodes.delete(`${who.node}/${who.incarnation}`)
  }

  configuration(_at: number, who: Incarnation, change: ConfigurationChange): void {
    this.configurations++
    const view = this.#view(who)
    const where = `node ${who.node}#${who.incarnation}`
    const ring = ringIdString(change.ringId)
    if (!change.members.includes(who.node) && (change.kind === 'regular' || change.members.length > 0)) {
      throw new InvariantViolation('virtual-synchrony', `${where}: ${change.kind} configuration ${ring} does not contain the node itself`)
    }
    if (change.kind === 'transitional') {
      if (view.transitional !== undefined) {
        throw new InvariantViolation('virtual-synchrony', `${where}: two transitional configurations in a row (${view.transitional.ring}, ${ring})`)
      }
      view.transitional = { ring, from: view.regular, members: change.members }
      return
    }
    this.#regular(where, who, view, ring, change)
  }

  #regular(where: string, who: Incarnation, view: NodeView, ring: string, change: ConfigurationChange): void {
    const trans = view.transitional
    if (trans === undefined || trans.ring !== ring) {
      throw new InvariantViolation('virtual-synchrony', `${where}: regular configuration ${ring} without its transitional configuration`)
    }
    const last = this.#lastSeqOfNode.get(who.node)
    if (last !== undefined && change.ringId.seq <= last) {
      throw new InvariantViolation('virtual-synchrony', `${where}: ring seq went from ${last} to ${change.ringId.seq}`)
    }
    this.#lastSeqOfNode.set(who.node, change.ringId.seq)
    if (change.ringId.rep !== change.members[0]) {
      throw new InvariantViolation('virtual-synchrony', `${where}: ring ${ring} representative is not its lowest member ${change.members[0]}`)
    }
    const known = this.#ringMembers.get(ring)
    if (known !== undefined && !setEqual(known, change.members)) {
      throw new InvariantViolation('virtual-synchrony', `${where}: ring ${ring} has members ${change.members} here, ${known} elsewhere`)
    }
    this.#ringMembers.set(ring, change.members)
    if (!setEqual(setMinus(change.members, trans.members), change.joined)) {
      throw new InvariantViolation('virtual-synchrony', `${where}: ring ${ring} joined list ${change.joined} does not match members minus transitional`)
    }
    this.#sameTransition(where, view, ring, trans)
    view.regular = ring
    view.regularSeq = change.ringId.seq
    view.members = change.members
    view.transitional = undefined
  }

  /** Everybody moving from the same old ring to this ring agrees on the transitional members and on what it delivered there. */
  #sameTransition(where: string, view: NodeView, ring: string, trans: { from: string | undefined; members: readonly NodeId[] }): void {
    if (trans.from === undefined) return
    const delivered = (view.deliveredIn.get(trans.from) ?? []).slice().sort().join(',')
    const key = `${trans.from}->${ring}`
    const other = this.#transitions.get(key)
    if (other === undefined) {
      this.#transitions.set(key, { members: trans.members, delivered, who: where })
      return
    }
    if (!setEqual(other.members, trans.members)) {
      throw new InvariantViolation('virtual-synchrony',
        `${where}: moving ${key} with transitional members ${trans.members}, ${other.who} with ${other.members}`)
    }
    if (other.delivered !== delivered) {
      const mine = new Set(delivered.split(','))
      const theirs = new Set(other.delivered.split(','))
      const onlyMine = [...mine].filter((k) => !theirs.has(k)).slice(0, 20)
      const onlyTheirs = [...theirs].filter((k) => !mine.has(k)).slice(0, 20)
      throw new InvariantViolation('virtual-synchrony',
        `${where} and ${other.who} moved together ${key} but delivered different sets in ${trans.from}: ` +
        `only ${where}: [${onlyMine.join(' ')}], only ${other.who}: [${onlyTheirs.join(' ')}]`)
    }
  }

  delivered(_at: number, who: Incarnation, id: MessageId, d: Delivery): void {
    const view = this.#view(who)
    const where = `node ${who.node}#${who.incarnation}`
    const ring = ringIdString(d.ringId)
    if (view.transitional !== undefined) {
      if (ring !== view.transitional.from) {
        throw new InvariantViolation('virtual-synchrony', `${where}: delivered a message of ring ${ring} in the transitional configuration from ${view.transitional.from}`)
      }
      // Messages of departed members are legitimate here up to the first hole; what
      // matters is that everybody moving together delivers the same set (#sameTransition).
    } else if (ring !== view.regular) {
      throw new InvariantViolation('virtual-synchrony', `${where}: delivered a message of ring ${ring} while in ring ${view.regular}`)
    }
    const list = view.deliveredIn.get(ring) ?? []
    view.deliveredIn.set(ring, list)
    list.push(messageKey(id))
    // Only the previous ring's set is ever compared: keep memory bounded.
    if (view.deliveredIn.size > 3) {
      for (const old of view.deliveredIn.keys()) {
        if (old !== view.regular && old !== ring) view.deliveredIn.delete(old)
        if (view.deliveredIn.size <= 2) break
      }
    }
  }

  #view(who: Incarnation): NodeView {
    const key = `${who.node}/${who.incarnation}`
    let view = this.#nodes.get(key)
    if (view === undefined) {
      view = { regular: undefined, regularSeq: -1, members: [], transitional: undefined, deliveredIn: new Map() }
      this.#nodes.set(key, view)
    }
    return view
  }
}
