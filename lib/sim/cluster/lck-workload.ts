import type { ServiceHost } from '../../services/host.js'
import type { LckMode } from '../../services/lck/types.js'
import type { ClientAnswer } from '../../services/service.js'
import type { NodeId } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import type { Prng } from '../prng.js'
import type { Simulation } from '../simulation.js'

/** The lock workload of one seed, drawn from it. */
export interface LckLoad {
  readonly names: readonly string[]
  /** Acquires one client keeps outstanding at most. */
  readonly actors: number
  readonly shared: number
  readonly tryRatio: number
  readonly timeoutRatio: number
  readonly holdMeanMs: number
  readonly cancel: number
  readonly gone: number
  readonly lockDelayMs: number
  /** Chance per fault step of striking a node whose clients hold a lock (isolate, pause or crash it). */
  readonly strike: number
  /** Run Totem with a tiny send queue and message size: queue-full answers, the outbox, small sync chunks. */
  readonly smallQueue: boolean
}

export function drawLckLoad(prng: Prng): LckLoad {
  return {
    names: ['a', 'b', 'c', 'd'].slice(0, prng.pick([1, 1, 2, 4])), actors: prng.range(1, 4),
    shared: prng.pick([0, 0.2, 0.5]), tryRatio: prng.pick([0, 0.15, 0.4]), timeoutRatio: prng.pick([0, 0.25, 0.5]),
    holdMeanMs: prng.pick([20, 100, 400, 2000]), cancel: prng.pick([0, 0.05, 0.15]), gone: prng.pick([0, 0.01, 0.03]),
    lockDelayMs: prng.pick([0, 0, 200, 1500]), strike: prng.pick([0, 0.02, 0.08]), smallQueue: prng.chance(0.25),
  }
}

/** What the checker needs to hear from the client side. */
export interface LckClientEvents {
  released(node: NodeId, incarnation: number, holderId: string): void
  gone(node: NodeId, incarnation: number, holderIds: readonly string[]): void
}

interface Request {
  readonly op: 'acquire' | 'release' | 'cancel'
  readonly lock: string
  readonly mode: LckMode
  readonly try: boolean
  readonly waiterId: string
}

const CODES = new Set(['ERR_NO_QUORUM', 'ERR_LOCK_TIMEOUT', 'ERR_ABORTED', 'ERR_QUEUE_FULL', 'ERR_STOPPED'])

/**
 * One node incarnation's simulated lock clients (the library side): a few
 * outstanding acquires, holds released after a random time, cancels and
 * vanishing clients. Answers are checked for shape as they arrive.
 */
export class LckClients {
  readonly node: NodeId
  readonly incarnation: number
  readonly pending = new Map<number, Request>()
  /** Held locks by holder id, as this client believes. */
  readonly held = new Map<string, { readonly lock: string; readonly mode: LckMode }>()
  answers = 0
  #generation = 0
  #requestId = 0
  #waiter = 0

  constructor(node: NodeId, incarnation: number) {
    this.node = node
    this.incarnation = incarnation
  }

  get client(): string {
    return `l${this.node}.${this.incarnation}.${this.#generation}`
  }

  /** One random client action. */
  step(sim: Simulation, prng: Prng, load: LckLoad, events: LckClientEvents): void {
    const host = sim.node(this.node).core as ServiceHost
    const acquires = [...this.pending].filter(([, r]) => r.op === 'acquire')
    if (prng.chance(load.gone)) {
      host.clientGone(sim.now, this.client)
      events.gone(this.node, this.incarnation, [...this.held.keys()])
      this.pending.clear()
      this.held.clear()
      this.#generation++
    } else if (acquires.length > 0 && prng.chance(load.cancel)) {
      const [, r] = prng.pick(acquires)
      this.#request(sim, host, { ...r, op: 'cancel' }, { waiterId: r.waiterId })
    } else if (acquires.length + this.held.size < load.actors) {
      const lock = prng.pick(load.names)
      const mode: LckMode = prng.chance(load.shared) ? 'shared' : 'exclusive'
      const tryOnly = prng.chance(load.tryRatio)
      const timeout = !tryOnly && prng.chance(load.timeoutRatio) ? { timeoutMs: prng.range(20, 3000) } : {}
      const request = { op: 'acquire' as const, lock, mode, try: tryOnly, waiterId: `w${++this.#waiter}` }
      this.#request(sim, host, request, { name: lock, mode, try: tryOnly, waiterId: request.waiterId, ...timeout })
    }
  }

  /** The service answered a request of this client: a new hold, or a release to send again (queue full). */
  answered(answer: ClientAnswer): { readonly grant?: string; readonly retry?: string } | undefined {
    const r = this.pending.get(answer.id)
    if (r === undefined) throw new InvariantViolation('lck', `${this.client}: answer to unknown or already answered request ${answer.id}`)
    this.pending.delete(answer.id)
    this.answers++
    if (!answer.ok) {
      if (!CODES.has(answer.code ?? '')) throw new InvariantViolation('lck', `${this.client}: ${r.op} failed with untyped ${answer.code}: ${answer.message}`)
      return r.op === 'release' && answer.code === 'ERR_QUEUE_FULL' ? { retry: r.waiterId } : undefined
    }
    if (r.op !== 'acquire' || answer.value === null) {
      if (r.op === 'acquire' && !r.try) throw new InvariantViolation('lck', `${this.client}: a blocking acquire answered null`)
      return undefined
    }
    const grant = answer.value as { holderId: string; fencingToken: bigint }
    if (typeof grant.holderId !== 'string' || typeof grant.fencingToken !== 'bigint') throw new InvariantViolation('lck', `${this.client}: malformed grant`)
    this.held.set(grant.holderId, { lock: r.lock, mode: r.mode })
    return { grant: grant.holderId }
  }

  /** The service took a hold away. */
  lost(holderId: string): void {
    if (!this.held.delete(holderId)) throw new InvariantViolation('lck', `${this.client}: lost event for ${holderId}, which it does not hold`)
  }

  /** Releases a hold (the client stops using it now). */
  release(sim: Simulation, holderId: string, events: LckClientEvents): void {
    const hold = this.held.get(holderId)
    if (hold === undefined) return
    this.held.delete(holderId)
    events.released(this.node, this.incarnation, holderId)
    this.releaseAgain(sim, holderId)
  }

  /** Sends a release (again, after the queue was full); the hold is already given up. */
  releaseAgain(sim: Simulation, holderId: string): void {
    const host = sim.node(this.node).core as ServiceHost
    this.#request(sim, host, { op: 'release', lock: '', mode: 'exclusive', try: false, waiterId: holderId }, { holderId })
  }

  #request(sim: Simulation, host: ServiceHost, r: Request, args: Record<string, unknown>): void {
    const id = ++this.#requestId
    this.pending.set(id, r)
    host.request(sim.now, 'lck', { client: this.client, op: r.op, args, id })
    sim.flush(sim.node(this.node))
  }
}
