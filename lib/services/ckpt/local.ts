import type { ClientAnswer } from '../service.js'

/** How a request is answered (the service never throws at clients). */
export interface Reply {
  readonly client: string
  ok(value?: unknown): void
  fail(code: string, message: string): void
}

export function reply(client: string, id: number, answer: (a: ClientAnswer) => void): Reply {
  return {
    client,
    ok: (value) => { answer(value === undefined ? { client, id, ok: true } : { client, id, ok: true, value }) },
    fail: (code, message) => { answer({ client, id, ok: false, code, message }) },
  }
}

/** A handle opened through this node. Only its open, close and the merge change the replicated handle set. */
export interface LocalHandle {
  readonly handleId: string
  readonly name: string
  readonly client: string
  /** opening: the open is on its way; dead: the checkpoint it named is gone (unlinked, expired, replaced). */
  state: 'opening' | 'open' | 'closing' | 'dead'
  /** The incarnation it is attached to, once open. */
  uid: string
  /** Its client went away before the open was delivered: close it as soon as it is. */
  abandoned: boolean
}

/** A request whose answer waits for the delivery of its own message. */
export interface Pending {
  readonly reply: Reply
  readonly op: 'open' | 'close' | 'write' | 'delete' | 'unlink'
}

/** A mutation delivered in a transitional configuration: confirmed (or not) at the next activation. */
export interface Deferred {
  readonly name: string
  readonly reply: Reply
  readonly op: 'create' | 'write' | 'delete' | 'unlink'
  readonly value: unknown
  readonly section: string | undefined
  readonly version: number
  readonly digest: string | undefined
  /** For a create: the handle it opened (closed again if the create is not confirmed). */
  readonly handleId?: string
}

/** A read waiting for contents still on their way; returns true once it has answered. */
export interface Waiter {
  readonly client: string
  readonly check: () => boolean
}

/** This node's client-side bookkeeping: handles, requests in flight, waiting reads. Never replicated. */
export class LocalState {
  readonly handles = new Map<string, LocalHandle>()
  readonly pending = new Map<number, Pending>()
  readonly waiters = new Map<string, Waiter[]>()
  deferred: Deferred[] = []
  #request = 0

  nextRequest(): number {
    this.#request = (this.#request + 1) >>> 0
    return this.#request
  }

  take(request: number): Pending | undefined {
    const p = this.pending.get(request)
    this.pending.delete(request)
    return p
  }

  /** Handles on `name` that hear its events (open or closing, not yet closed). */
  listening(name: string): LocalHandle[] {
    return [...this.handles.values()].filter((h) => h.name === name && (h.state === 'open' || h.state === 'closing'))
  }

  /**
   * Own handles to announce in the catalog for the copy `uid` of `name`. A
   * closing one is left out: the merge drops it now, its close changes nothing later.
   */
  announced(name: string, uid: string): string[] {
    return this.listening(name).filter((h) => h.state === 'open' && h.uid === uid).map((h) => h.handleId).sort()
  }

  wait(name: string, waiter: Waiter): void {
    if (waiter.check()) return
    const list = this.waiters.get(name) ?? []
    list.push(waiter)
    this.waiters.set(name, list)
  }

  /** Re-examines the reads waiting on `name` (or on every name). */
  wake(name?: string): void {
    const names = name === undefined ? [...this.waiters.keys()] : [name]
    for (const n of names) {
      const list = this.waiters.get(n)
      if (list === undefined) continue
      const left = list.filter((w) => !w.check())
      if (left.length === 0) this.waiters.delete(n)
      else this.waiters.set(n, left)
    }
  }

  /** A client went away: its waiting reads and answers are dropped (handles are closed by the caller). */
  forget(client: string): void {
    for (const [request, p] of this.pending) if (p.reply.client === client) this.pending.delete(request)
    for (const [name, list] of this.waiters) {
      const left = list.filter((w) => w.client !== client)
      if (left.length === 0) this.waiters.delete(name)
      else this.waiters.set(name, left)
    }
    this.deferred = this.deferred.filter((d) => d.reply.client !== client)
  }

  /** Requests not answered yet, of every kind (checkers want none left after convergence). */
  get outstanding(): number {
    let waiting = 0
    for (const list of this.waiters.values()) waiting += list.length
    return this.pending.size + waiting + this.deferred.length
  }
}
