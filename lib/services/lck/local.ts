import type { ClientAnswer, ServiceContext } from '../service.js'
import type { LckMode, LckTraceEntry } from './types.js'

/**
 * Where one acquire of a local client stands:
 * - sending: multicast, not delivered yet;
 * - waiting: queued in the table;
 * - deferred: granted in a transitional configuration, the client not told yet;
 * - held: the client was told;
 * - releasing: the client released, the release not delivered yet;
 * - dead: failed, lost or abandoned while the table may still list it; what is
 *   left there is cancelled or released, then the record is forgotten.
 */
export type LocalState = 'sending' | 'waiting' | 'deferred' | 'held' | 'releasing' | 'dead'

export interface LocalHold {
  readonly id: string
  readonly client: string
  readonly waiterId: string
  readonly name: string
  readonly mode: LckMode
  readonly try: boolean
  readonly requestId: number
  state: LocalState
  /** The acquire came back (delivered here); before that the table cannot list it. */
  delivered: boolean
  token: bigint | undefined
  /** Why a cancel was sent for it; set once. */
  cancel: 'timeout' | 'abort' | undefined
  releaseSent: boolean
  answer: ((a: ClientAnswer) => void) | undefined
  releases: (() => void)[]
}

/** The requester side: this node's clients' acquires, by id and by (client, waiterId). */
export class LocalHolds {
  readonly #byId = new Map<string, LocalHold>()
  readonly #byWaiter = new Map<string, string>()

  add(hold: LocalHold): void {
    this.#byId.set(hold.id, hold)
    this.#byWaiter.set(waiterKey(hold.client, hold.waiterId), hold.id)
  }

  get(id: string): LocalHold | undefined {
    return this.#byId.get(id)
  }

  byWaiter(client: string, waiterId: string): LocalHold | undefined {
    const id = this.#byWaiter.get(waiterKey(client, waiterId))
    return id === undefined ? undefined : this.#byId.get(id)
  }

  /** The client's waiterId becomes free again (the acquire is answered); the record may live on. */
  detach(hold: LocalHold): void {
    const key = waiterKey(hold.client, hold.waiterId)
    if (this.#byWaiter.get(key) === hold.id) this.#byWaiter.delete(key)
  }

  forget(hold: LocalHold): void {
    this.detach(hold)
    this.#byId.delete(hold.id)
  }

  /** Sorted copies (callers change records while iterating). */
  all(): LocalHold[] {
    return [...this.#byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** Ids this node vouches for in sync: everything not dead. */
  live(): string[] {
    return this.all().filter((h) => h.state !== 'dead').map((h) => h.id)
  }

  get size(): number {
    return this.#byId.size
  }
}

function waiterKey(client: string, waiterId: string): string {
  return `${client}\u0000${waiterId}`
}

/** The trace entry of one event about a local acquire. */
export function traceEntry(ctx: ServiceContext, h: LocalHold, kind: LckTraceEntry['kind'], visible: boolean, code: string | undefined): LckTraceEntry {
  return {
    kind, node: ctx.self, lock: h.name, holderId: h.id, mode: h.mode, ...(h.token === undefined ? {} : { token: h.token }),
    visible, ...(code === undefined ? {} : { code }), at: ctx.now, ringId: ctx.ringId, members: ctx.members,
  }
}

/** The error an acquire the client cancelled ends with, if it cancelled. */
export function cancelCode(h: LocalHold): 'ERR_LOCK_TIMEOUT' | 'ERR_ABORTED' | undefined {
  return h.cancel === 'timeout' ? 'ERR_LOCK_TIMEOUT' : h.cancel === 'abort' ? 'ERR_ABORTED' : undefined
}
