import type { ConfigurationChange } from '../../totem/events.js'
import { ringIdEqual, type NodeId, type RingId } from '../../totem/ring-id.js'
import type { ClientAnswer, ClientRequest, Service, ServiceContext } from '../service.js'
import { cancelCode, type LocalHold, LocalHolds, traceEntry } from './local.js'
import { LckCodec, type LckMessage } from './messages.js'
import { mcastError, parseAcquire, stringArg } from './requests.js'
import { LckSync } from './sync.js'
import { LockTable } from './table.js'
import { type Holder, LCK_SERVICE_ID, type LckLostEvent, type LckOptions, type LckTraceEntry, type LockRecord, type Waiter } from './types.js'

type Answer = (a: ClientAnswer) => void

const DELAY_TIMER = 'delay'
const timeoutTimer = (id: string): string => `timeout:${id}`

/**
 * Distributed locks (OpenAIS LCK) as a replicated state machine. Acquires,
 * releases and cancels are safe multicasts applied identically everywhere;
 * grants happen at delivery, only in a quorate partition, and a client hears
 * of its grant only where every member of the ring is known to hold it.
 * After a configuration change the members merge their tables in sync, and
 * grants resume only when the lowest member's safe `regrant` is delivered.
 */
export class LckService implements Service {
  readonly id = LCK_SERVICE_ID
  readonly name = 'lck'
  readonly allowInquorate = true
  readonly dependencies: readonly string[] = []
  /** Delivered messages that were malformed or made no sense (ignored). */
  dropped = 0
  readonly #codec = new LckCodec()
  readonly #table = new LockTable()
  readonly #local = new LocalHolds()
  readonly #sync = new LckSync(this.#codec)
  readonly #lockDelayMs: number
  readonly #trace: ((entry: LckTraceEntry) => void) | undefined
  /** Seq of the last ring activated (or regranted) while quorate: how fresh my table is. */
  #epoch = 0
  /** Replicated: grants may be made (a regrant of this ring was delivered, quorum held since). */
  #open = false
  #transitional = false
  #syncing = false
  /** Internal safe messages refused with queue-full, sent in order when the queue has room. */
  readonly #outbox: Uint8Array[] = []
  #stamp: number | undefined
  #counter = 0

  constructor(options: LckOptions = {}) {
    this.#lockDelayMs = options.lockDelayMs ?? 0
    this.#trace = options.trace
  }

  /** The replicated table, sorted by lock name (read-only copies). */
  get table(): readonly LockRecord[] { return this.#table.records() }
  lock(name: string): LockRecord | undefined { return this.#table.get(name) }
  get epoch(): number { return this.#epoch }
  /** Whether grants are being made in this ring. */
  get granting(): boolean { return this.#open }
  /** Local acquires not finished (including abandoned ones still being cleaned up). */
  get localCount(): number { return this.#local.size }

  deliver(ctx: ServiceContext, from: NodeId, body: Uint8Array): void {
    const m = this.#codec.decode(body)
    if (m === undefined) {
      this.dropped++
      return
    }
    switch (m.kind) {
      case 'acquire': return this.#onAcquire(ctx, from, m)
      case 'release': return this.#onRelease(ctx, m.id)
      case 'cancel': return this.#onCancel(ctx, m.id)
      case 'regrant': return this.#onRegrant(ctx, m.ring)
      case 'delay-end': return this.#onDelayEnd(ctx, m.ring, m.names)
      case 'state': this.#sync.onState(from, m)
    }
  }

  configurationChange(_ctx: ServiceContext, change: ConfigurationChange): void {
    this.#transitional = change.kind === 'transitional'
    if (change.kind === 'regular') this.#open = false
  }

  syncInit(_ctx: ServiceContext, _transitional: readonly NodeId[], members: readonly NodeId[], ringId: RingId): void {
    this.#syncing = true
    this.#sync.init(members, ringId)
  }

  syncProcess(ctx: ServiceContext): boolean {
    return this.#sync.process(ctx, () => ({ epoch: this.#epoch, records: this.#table.records(), live: this.#local.live() }))
  }

  syncActivate(ctx: ServiceContext): void {
    const merged = this.#sync.merge(this.#lockDelayMs > 0)
    this.#table.load(merged.records)
    this.#syncing = false
    if (merged.delayedNow.length > 0) ctx.log(`lck: holders of ${merged.delayedNow.join(', ')} went away; lock delay ${this.#lockDelayMs} ms`)
    if (ctx.quorate && ctx.ringId.seq > this.#epoch) this.#epoch = ctx.ringId.seq
    for (const h of this.#local.all()) this.#reconcile(ctx, h)
    this.#kick(ctx)
  }

  syncAbort(_ctx: ServiceContext): void {
    this.#sync.abort()
    this.#syncing = false
  }

  quorumChanged(ctx: ServiceContext, quorate: boolean): void {
    if (quorate) {
      this.#kick(ctx)
      return
    }
    this.#open = false
    for (const h of this.#local.all()) {
      if (h.state === 'held') this.#lose(ctx, h, 'quorum')
      else if (h.state === 'releasing') this.#kill(ctx, h)
      else if (h.state !== 'dead') this.#deny(ctx, h, 'ERR_NO_QUORUM', 'this partition lost quorum')
    }
  }

  writable(ctx: ServiceContext): void {
    while (this.#outbox.length > 0) {
      if (ctx.mcast(this.#outbox[0]!, { guarantee: 'safe' }) === 'queue-full') return
      this.#outbox.shift()
    }
  }

  timer(ctx: ServiceContext, name: string): void {
    if (name === DELAY_TIMER) {
      const names = this.#table.delayedNames()
      if (this.#leading(ctx) && names.length > 0) this.#send(ctx, { kind: 'delay-end', ring: ctx.ringId, names })
      return
    }
    if (name.startsWith('timeout:')) this.#cancel(ctx, this.#local.get(name.slice('timeout:'.length)), 'timeout')
  }

  /** Sends the one cancel of an acquire the client still waits for. */
  #cancel(ctx: ServiceContext, h: LocalHold | undefined, why: 'timeout' | 'abort'): void {
    if (h === undefined || h.cancel !== undefined || !(h.state === 'sending' || h.state === 'waiting' || h.state === 'deferred')) return
    h.cancel = why
    this.#send(ctx, { kind: 'cancel', id: h.id })
  }

  request(ctx: ServiceContext, request: ClientRequest, answer: Answer): void {
    const ok = (value?: unknown): void => { answer({ client: request.client, id: request.id, ok: true, value }) }
    const fail = (code: string, message: string): void => { answer({ client: request.client, id: request.id, ok: false, code, message }) }
    switch (request.op) {
      case 'acquire': return this.#acquire(ctx, request, answer, fail)
      case 'release': return this.#release(ctx, request, ok, fail)
      case 'list': return ok(this.#table.records())
      case 'cancel':
        ok()
        return this.#cancel(ctx, this.#local.byWaiter(request.client, stringArg(request.args, 'waiterId') ?? ''), 'abort')
      default: return fail('ERR_INVALID_ARGUMENT', `lck has no operation ${request.op}`)
    }
  }

  clientGone(ctx: ServiceContext, client: string): void {
    for (const h of this.#local.all()) {
      if (h.client !== client) continue
      h.answer = undefined
      h.releases = []
      this.#kill(ctx, h)
    }
  }

  #acquire(ctx: ServiceContext, request: ClientRequest, answer: Answer, fail: (code: string, message: string) => void): void {
    const a = parseAcquire(request.args)
    if (typeof a === 'string') return fail('ERR_INVALID_ARGUMENT', a)
    if (this.#local.byWaiter(request.client, a.waiterId) !== undefined) return fail('ERR_INVALID_ARGUMENT', `waiter ${a.waiterId} is already waiting`)
    if (!ctx.quorate) return fail('ERR_NO_QUORUM', 'locks are granted only in a quorate partition')
    this.#stamp ??= ctx.ringId.seq
    const id = `${ctx.self}.${this.#stamp}.${++this.#counter}`
    const result = ctx.mcast(this.#codec.encode({ kind: 'acquire', id, name: a.name, mode: a.mode, try: a.try }), { guarantee: 'safe' })
    if (result !== 'ok') return fail(mcastError(result), `acquire not sent: ${result}`)
    this.#local.add({
      id, client: request.client, waiterId: a.waiterId, name: a.name, mode: a.mode, try: a.try, requestId: request.id,
      state: 'sending', delivered: false, token: undefined, cancel: undefined, releaseSent: false, answer, releases: [],
    })
    if (a.timeoutMs !== undefined && !a.try) ctx.setTimer(timeoutTimer(id), ctx.now + a.timeoutMs)
  }

  #release(ctx: ServiceContext, request: ClientRequest, ok: () => void, fail: (code: string, message: string) => void): void {
    const h = this.#local.get(stringArg(request.args, 'holderId') ?? '')
    if (h === undefined || h.client !== request.client || (h.state !== 'held' && h.state !== 'releasing')) return ok()
    if (h.state === 'held') {
      const result = ctx.mcast(this.#codec.encode({ kind: 'release', id: h.id }), { guarantee: 'safe' })
      if (result !== 'ok') return fail(mcastError(result), `release not sent: ${result}`)
      h.state = 'releasing'
      h.releaseSent = true
    }
    h.releases.push(ok)
  }

  #onAcquire(ctx: ServiceContext, from: NodeId, m: Extract<LckMessage, { kind: 'acquire' }>): void {
    const h = from === ctx.self ? this.#local.get(m.id) : undefined
    if (h !== undefined) h.delivered = true
    const waiter: Waiter = { id: m.id, node: from, mode: m.mode }
    if (!ctx.quorate) {
      // Not queued anywhere: every member sees the same verdict at this point of the order.
      if (h?.state === 'sending') this.#deny(ctx, h, 'ERR_NO_QUORUM', 'locks are granted only in a quorate partition')
    } else if (m.try) {
      const holder = this.#open ? this.#table.grantNow(m.name, waiter, ctx.ringId.seq) : undefined
      if (holder !== undefined) {
        if (h?.state === 'sending') h.state = 'waiting'
        this.#granted(ctx, [holder])
      } else if (h?.state === 'sending') {
        this.#answer(ctx, h, { ok: true, value: null }, 'null')
        this.#kill(ctx, h)
      }
    } else if (!this.#table.enqueue(m.name, waiter)) {
      this.dropped++
    } else {
      if (h?.state === 'sending') h.state = 'waiting'
      this.#runGrants(ctx, m.name)
    }
    if (h?.state === 'dead') this.#cleanup(ctx, h)
  }

  #onRelease(ctx: ServiceContext, id: string): void {
    const name = this.#table.removeHolder(id)
    const h = this.#local.get(id)
    if (h?.state === 'releasing') {
      this.#emitTrace(ctx, h, 'release', true)
      this.#kill(ctx, h)
    } else if (h?.state === 'dead') {
      this.#cleanup(ctx, h)
    }
    if (name !== undefined) this.#runGrants(ctx, name)
  }

  #onCancel(ctx: ServiceContext, id: string): void {
    const name = this.#table.removeWaiter(id)
    const h = this.#local.get(id)
    const code = h === undefined ? undefined : cancelCode(h)
    if (h !== undefined && code !== undefined && ((h.state === 'waiting' && name !== undefined) || h.state === 'deferred')) {
      // A deferred grant was never told: the client sees the cancel win, and the hold is released.
      this.#deny(ctx, h, code, code === 'ERR_LOCK_TIMEOUT' ? 'timed out waiting for the lock' : 'acquire cancelled')
    } else if (h?.state === 'dead') {
      this.#cleanup(ctx, h)
    }
    if (name !== undefined) this.#runGrants(ctx, name)
  }

  /** Grants resume in this ring: every member activated it (the message is safe). Deferred grants are told first. */
  #onRegrant(ctx: ServiceContext, ring: RingId): void {
    if (!ringIdEqual(ring, ctx.ringId) || !ctx.quorate) return
    this.#open = true
    if (ring.seq > this.#epoch) this.#epoch = ring.seq
    if (!this.#transitional) {
      for (const h of this.#local.all()) {
        if (h.state !== 'deferred') continue
        if (this.#table.holder(h.id) !== undefined) this.#grantVisible(ctx, h)
        else this.#deny(ctx, h, 'ERR_NO_QUORUM', 'the grant did not survive a membership change')
      }
    }
    for (const name of this.#table.names()) this.#runGrants(ctx, name)
  }

  #onDelayEnd(ctx: ServiceContext, ring: RingId, names: readonly string[]): void {
    if (!ringIdEqual(ring, ctx.ringId)) return
    for (const name of [...names].sort()) if (this.#table.undelay(name)) this.#runGrants(ctx, name)
  }

  /** Grants are made only in a quorate partition, in a ring whose regrant was delivered. */
  #runGrants(ctx: ServiceContext, name: string): void {
    if (this.#open && ctx.quorate) this.#granted(ctx, this.#table.grant(name, ctx.ringId.seq))
  }

  /** New holders in the table: tell local clients now, or later if this is a transitional configuration. */
  #granted(ctx: ServiceContext, holders: readonly Holder[]): void {
    for (const holder of holders) {
      if (holder.node !== ctx.self) continue
      const h = this.#local.get(holder.id)
      if (h === undefined) {
        // An entry no local record knows (an earlier run of this node): give it back.
        this.#send(ctx, { kind: 'release', id: holder.id })
        continue
      }
      h.token = holder.token
      if (h.state === 'dead') this.#cleanup(ctx, h)
      if (h.state !== 'waiting') continue
      if (!this.#transitional) {
        this.#grantVisible(ctx, h)
        continue
      }
      h.state = 'deferred'
      this.#emitTrace(ctx, h, 'grant', false)
    }
  }

  /** After a merge: what the merged table says about each local acquire. */
  #reconcile(ctx: ServiceContext, h: LocalHold): void {
    const holder = this.#table.holder(h.id)
    if (holder !== undefined) h.token = holder.token
    switch (h.state) {
      case 'waiting':
        if (holder !== undefined) {
          h.state = 'deferred'
          this.#emitTrace(ctx, h, 'grant', false)
        } else if (!this.#table.isWaiter(h.id)) {
          // The client may have cancelled meanwhile: it hears its own reason then.
          this.#deny(ctx, h, cancelCode(h) ?? 'ERR_NO_QUORUM', 'the request did not survive a membership change')
        }
        return
      case 'deferred':
        // A grant made on a replica the merge did not keep: back to waiting if the merged table queues it.
        if (holder === undefined && this.#table.isWaiter(h.id)) h.state = 'waiting'
        else if (holder === undefined) this.#deny(ctx, h, 'ERR_NO_QUORUM', 'the grant did not survive a membership change')
        return
      case 'held':
        if (holder === undefined) this.#lose(ctx, h, 'membership')
        return
      case 'releasing':
        if (holder === undefined) this.#kill(ctx, h)
        return
      case 'dead':
        return this.#cleanup(ctx, h)
      case 'sending':
        return
    }
  }

  /** The lowest member of a quorate, synchronised ring reopens grants (and times the lock delay). */
  #kick(ctx: ServiceContext): void {
    if (!this.#leading(ctx)) return
    this.#send(ctx, { kind: 'regrant', ring: ctx.ringId })
    if (this.#lockDelayMs > 0 && this.#table.delayedNames().length > 0) ctx.setTimer(DELAY_TIMER, ctx.now + this.#lockDelayMs)
  }

  #leading(ctx: ServiceContext): boolean {
    return !this.#syncing && !this.#transitional && ctx.quorate && ctx.members.length > 0 && Math.min(...ctx.members) === ctx.self
  }

  #grantVisible(ctx: ServiceContext, h: LocalHold): void {
    h.state = 'held'
    ctx.cancelTimer(timeoutTimer(h.id))
    this.#answer(ctx, h, { ok: true, value: { holderId: h.id, fencingToken: h.token } }, undefined)
  }

  #deny(ctx: ServiceContext, h: LocalHold, code: string, message: string): void {
    this.#answer(ctx, h, { ok: false, code, message }, code)
    this.#kill(ctx, h)
  }

  #lose(ctx: ServiceContext, h: LocalHold, reason: LckLostEvent['reason']): void {
    const event: LckLostEvent = { type: 'lost', client: h.client, holderId: h.id, reason }
    ctx.emit(event)
    this.#emitTrace(ctx, h, 'lost', true)
    this.#kill(ctx, h)
  }

  /** Answers the client's acquire (once) and traces it: a grant (`code` undefined) or a deny. */
  #answer(ctx: ServiceContext, h: LocalHold, outcome: Pick<ClientAnswer, 'ok' | 'value' | 'code' | 'message'>, code: string | undefined): void {
    const answer = h.answer
    h.answer = undefined
    this.#local.detach(h)
    ctx.cancelTimer(timeoutTimer(h.id))
    if (code === undefined) this.#emitTrace(ctx, h, 'grant', true)
    else this.#emitTrace(ctx, h, 'deny', true, code)
    answer?.({ client: h.client, id: h.requestId, ...outcome })
  }

  /** The client is done with it (answered, lost, released or gone); what the table still lists is cleaned up. */
  #kill(ctx: ServiceContext, h: LocalHold): void {
    const releases = h.releases
    h.releases = []
    h.answer = undefined
    h.state = 'dead'
    this.#local.detach(h)
    ctx.cancelTimer(timeoutTimer(h.id))
    for (const done of releases) done()
    this.#cleanup(ctx, h)
  }

  #cleanup(ctx: ServiceContext, h: LocalHold): void {
    if (this.#table.isWaiter(h.id)) {
      if (h.cancel === undefined) {
        h.cancel = 'abort'
        this.#send(ctx, { kind: 'cancel', id: h.id })
      }
    } else if (this.#table.holder(h.id) !== undefined) {
      if (!h.releaseSent) {
        h.releaseSent = true
        this.#send(ctx, { kind: 'release', id: h.id })
      }
    } else if (h.delivered) {
      this.#local.forget(h)
    }
  }

  #send(ctx: ServiceContext, m: LckMessage): void {
    const body = this.#codec.encode(m)
    if (this.#outbox.length === 0 && ctx.mcast(body, { guarantee: 'safe' }) !== 'queue-full') return
    this.#outbox.push(body)
  }

  #emitTrace(ctx: ServiceContext, h: LocalHold, kind: LckTraceEntry['kind'], visible: boolean, code?: string): void {
    this.#trace?.(traceEntry(ctx, h, kind, visible, code))
  }
}
