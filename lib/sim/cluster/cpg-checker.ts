import { confchgKey, type CpgEvent, type CpgTraceEntry, messageKey } from '../../services/cpg/types.js'
import { InvariantViolation } from '../checkers/violation.js'
import { decodeWorkloadMessage } from '../workload.js'

interface Stream {
  readonly keys: string[]
  readonly position: Map<string, number>
}

/**
 * Extended virtual synchrony at group level. Node level: every node applying
 * group events of one ring in regular configuration applies the same sequence
 * (each node's is a prefix of one), and transitional deliveries form their own
 * sequence per (old ring → new ring, transitional members). Member level: a
 * member hears every event of its node's sequence from its own join (or from
 * the start of a ring it enters as a member) on, at consecutive positions.
 * Also: no duplicates, FIFO per sender, payload integrity.
 */
export class CpgChecker {
  readonly #streams = new Map<string, Stream>()
  /** Per node incarnation and stream|group: how far its own sequence got. */
  readonly #nodeIndex = new Map<string, number>()
  /** Per member and stream|group: the position of its last event. */
  readonly #memberAt = new Map<string, number>()
  readonly #lastSeq = new Map<string, number>()
  /** Per node and event key: the stream|group it was last applied in (member events follow their node's). */
  readonly #appliedIn = new Map<string, string>()
  events = 0

  crashed(node: number, incarnation: number): void {
    const prefix = `${node}#${incarnation}`
    const mine = (key: string): boolean => key.startsWith(`${prefix}/`) || key.startsWith(`${prefix}|`)
    for (const key of [...this.#nodeIndex.keys()]) if (mine(key)) this.#nodeIndex.delete(key)
    for (const key of [...this.#memberAt.keys()]) if (mine(key)) this.#memberAt.delete(key)
    for (const key of [...this.#lastSeq.keys()]) if (mine(key)) this.#lastSeq.delete(key)
    for (const key of [...this.#appliedIn.keys()]) if (mine(key)) this.#appliedIn.delete(key)
  }

  /** Node-level: the service applied one group event. */
  applied(node: number, incarnation: number, entry: CpgTraceEntry): void {
    const id = `${entry.stream}|${entry.group}`
    const stream: Stream = this.#streams.get(id) ?? { keys: [], position: new Map<string, number>() }
    this.#streams.set(id, stream)
    const who = `${node}#${incarnation}|${id}`
    const i = this.#nodeIndex.get(who) ?? 0
    if (i < stream.keys.length && stream.keys[i] !== entry.key) {
      throw new InvariantViolation('cpg', `node ${node}#${incarnation} applied ${entry.key} as event #${i} of ${id}; another node applied ${stream.keys[i]} there`)
    }
    if (i === stream.keys.length) {
      if (stream.position.has(entry.key)) throw new InvariantViolation('cpg', `${entry.key} applied twice in ${id}`)
      stream.keys.push(entry.key)
      stream.position.set(entry.key, i)
    }
    this.#nodeIndex.set(who, i + 1)
    this.#appliedIn.set(`${node}#${incarnation}|${entry.group}|${entry.key}`, id)
  }

  /** Member-level: a local member heard one event. */
  observe(node: number, incarnation: number, event: CpgEvent): void {
    if (event.type === 'totem') return
    this.events++
    const member = `${node}#${incarnation}/${event.memberId}`
    let key: string
    if (event.type === 'message') {
      this.#checkMessage(member, event)
      key = messageKey(event.from, event.seq)
    } else {
      key = confchgKey(event.joined, event.left, event.members)
    }
    const id = this.#appliedIn.get(`${node}#${incarnation}|${event.group}|${key}`)
    const at = id === undefined ? undefined : this.#streams.get(id)?.position.get(key)
    if (id === undefined || at === undefined) throw new InvariantViolation('cpg', `${member} heard ${key} in ${event.group}, which its node never applied`)
    const slot = `${member}|${id}`
    const last = this.#memberAt.get(slot)
    const ownJoin = event.type === 'confchg' && event.joined.some((m) => m.nodeId === node && m.memberId === event.memberId)
    if (last === undefined ? at !== 0 && !ownJoin : at !== last + 1) {
      throw new InvariantViolation('cpg', `${member} heard ${key} at #${at} of ${id}, expected #${last === undefined ? 0 : last + 1}: it missed group events`)
    }
    this.#memberAt.set(slot, at)
  }

  #checkMessage(member: string, event: Extract<CpgEvent, { type: 'message' }>): void {
    const id = decodeWorkloadMessage(event.payload)
    if (typeof id === 'string') throw new InvariantViolation('cpg', `${member}: ${id}`)
    if (id.origin !== event.from.nodeId) throw new InvariantViolation('cpg', `${member}: a message of node ${id.origin} arrived as from ${event.from.nodeId}`)
    const sender = `${member}/${event.from.nodeId}/${event.from.memberId}`
    const last = this.#lastSeq.get(sender)
    if (last !== undefined && event.seq <= last) throw new InvariantViolation('cpg', `${member}: ${event.from.nodeId}/${event.from.memberId} seq ${event.seq} after ${last} (duplicate or reordered)`)
    this.#lastSeq.set(sender, event.seq)
  }
}
