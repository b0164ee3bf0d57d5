import type { McastResult } from '../../totem/events.js'
import type { ServiceContext } from '../service.js'
import type { Guarantee } from '../../wire/frames.js'
import { type Deferred, LocalState, type Pending } from './local.js'
import { CkptCodec, type CkptMessage } from './messages.js'
import { type Checkpoint, CkptStore, deleteSection, type Delivery, type Effect, type Outcome, writeSection } from './store.js'
import { CKPT_RETAIN_FOREVER, type CkptTraceEntry, type CkptTraceKind } from './types.js'

type Of<K extends Delivery['message']['kind']> = Extract<Delivery['message'], { kind: K }>

export const EXPIRE_TIMER = 'expire:'

export function lowest(ctx: ServiceContext): boolean {
  return ctx.members.length > 0 && ctx.self === Math.min(...ctx.members)
}

function hex(hash: Uint8Array | undefined): string | undefined {
  return hash === undefined ? undefined : Buffer.from(hash).toString('hex')
}

/** Section changes held for a copy that is being dropped: applied elsewhere (or refused there), not here. */
export function dropHeld(c: Checkpoint | undefined): void {
  for (const e of c?.receiving?.held.splice(0) ?? []) {
    e.reply?.fail('ERR_TRY_AGAIN', `the checkpoint changed before this ${e.kind} was applied here; it may have been applied elsewhere`)
  }
}

/**
 * The replicated state machine: applies each delivered mutation to this
 * node's replicas, identically on every member (same state, same verdicts,
 * same order), and answers the local requests they complete.
 */
export class Replica {
  readonly store = new CkptStore()
  readonly local = new LocalState()
  readonly codec = new CkptCodec()
  /** Names the last merge left unavailable (the same on every member, whether it holds a copy or not). */
  unavailable = new Set<string>()
  readonly #trace: ((e: CkptTraceEntry) => void) | undefined

  constructor(trace: ((e: CkptTraceEntry) => void) | undefined) {
    this.#trace = trace
  }

  send(ctx: ServiceContext, m: CkptMessage, guarantee: Guarantee = 'agreed'): McastResult {
    return ctx.mcast(this.codec.encode(m), { guarantee })
  }

  trace(ctx: ServiceContext, kind: CkptTraceKind, name: string, fields: Partial<CkptTraceEntry> = {}): void {
    if (this.#trace === undefined) return
    const c = this.store.get(name)
    this.#trace({
      kind, node: ctx.self, name, version: c?.version ?? this.store.tombstones.get(name)?.version ?? 0, epoch: c?.epoch ?? 0,
      quorate: ctx.quorate, at: ctx.now, ringId: ctx.ringId, ...fields,
    })
  }

  /** Applies one delivered mutation. */
  deliver(ctx: ServiceContext, d: Delivery): void {
    const m = d.message
    switch (m.kind) {
      case 'open': return this.#open(ctx, d, m)
      case 'close': return this.#close(ctx, d, m)
      case 'write': case 'delete': return this.#mutate(ctx, d, m)
      case 'unlink': return this.#unlink(ctx, d, m)
      case 'expire': return this.#expire(ctx, d, m)
    }
  }

  /** The lowest member keeps the retention clock of every unopened checkpoint. */
  armRetention(ctx: ServiceContext, c: Checkpoint): void {
    const expires = c.attributes.retentionMs !== CKPT_RETAIN_FOREVER
    if (expires && c.available && c.handles.size === 0 && lowest(ctx)) ctx.setTimer(EXPIRE_TIMER + c.name, ctx.now + c.attributes.retentionMs)
    else ctx.cancelTimer(EXPIRE_TIMER + c.name)
  }

  emitSection(ctx: ServiceContext, name: string, section: string, present: boolean): void {
    if (this.local.listening(name).length > 0) ctx.emit({ type: 'section', name, section, present })
  }

  /** `name` is gone here (unlinked, expired, buried or replaced by another incarnation). */
  gone(ctx: ServiceContext, name: string, keepUid?: string): void {
    let heard = false
    for (const h of this.local.handles.values()) {
      if (h.name !== name || h.state === 'opening' || h.state === 'dead' || h.uid === keepUid) continue
      heard ||= h.state === 'open' || h.state === 'closing'
      h.state = 'dead'
    }
    if (heard) ctx.emit({ type: 'unlinked', name })
    this.local.wake(name)
  }

  #mine(ctx: ServiceContext, d: Delivery, request: number): Pending | undefined {
    return d.from === ctx.self ? this.local.take(request) : undefined
  }

  #open(ctx: ServiceContext, d: Delivery, m: Of<'open'>): void {
    const mine = this.#mine(ctx, d, m.request)
    const handle = d.from === ctx.self ? this.local.handles.get(m.handleId) : undefined
    let c = this.store.get(m.name)
    let created = false
    if (c === undefined) {
      const code = !m.create ? 'ERR_NOT_EXIST' : !d.quorate ? 'ERR_NO_QUORUM' : undefined
      if (code !== undefined) {
        if (handle?.state === 'opening') this.local.handles.delete(m.handleId)
        mine?.reply.fail(code, code === 'ERR_NOT_EXIST' ? `no checkpoint ${m.name}` : `creating ${m.name} needs quorum`)
        return
      }
      c = this.store.create(m.name, '', m.attributes, d.ringSeq)
      // Unique even if the creator restarts with the same handle ids: ring seqs never repeat on a node.
      c.uid = `${d.ringSeq}.${d.from}/${m.handleId}@${c.version}`
      created = true
      this.trace(ctx, 'create', m.name, { quorate: d.quorate })
    }
    c.handles.add(`${d.from}/${m.handleId}`)
    ctx.cancelTimer(EXPIRE_TIMER + m.name)
    if (handle !== undefined && handle.state === 'opening') {
      handle.state = 'open'
      handle.uid = c.uid
      if (handle.abandoned) this.closeAbandoned(ctx)
    }
    if (mine === undefined) return
    if (created && d.transitional) {
      const value = { sections: [] }
      this.local.deferred.push({ name: m.name, reply: mine.reply, op: 'create', value, section: undefined, version: c.version, digest: undefined, handleId: m.handleId })
      return
    }
    const name = m.name
    this.local.wait(name, {
      client: mine.reply.client,
      check: () => {
        const now = this.store.get(name)
        if (now === undefined) {
          if (this.local.handles.get(m.handleId)?.state === 'dead') this.local.handles.delete(m.handleId)
          mine.reply.fail('ERR_NOT_EXIST', `checkpoint ${name} is gone`)
        } else if (!now.known) return false
        else mine.reply.ok({ sections: now.sectionNames() })
        return true
      },
    })
  }

  /** Closes handles whose client went away (retried when the queue was full). */
  closeAbandoned(ctx: ServiceContext): void {
    for (const h of this.local.handles.values()) {
      if (!h.abandoned || h.state !== 'open') continue
      if (this.send(ctx, { kind: 'close', name: h.name, handleId: h.handleId, request: 0 }) !== 'ok') return
      h.state = 'closing'
    }
  }

  #close(ctx: ServiceContext, d: Delivery, m: Of<'close'>): void {
    const c = this.store.get(m.name)
    if (c !== undefined && c.handles.delete(`${d.from}/${m.handleId}`) && c.handles.size === 0) {
      c.closeSeq++
      this.armRetention(ctx, c)
    }
    if (d.from !== ctx.self) return
    const h = this.local.handles.get(m.handleId)
    if (h !== undefined && (h.state === 'closing' || h.state === 'dead')) this.local.handles.delete(m.handleId)
    this.local.take(m.request)?.reply.ok()
  }

  #refusal(c: Checkpoint | undefined, d: Delivery, handleId: string): [string, string] | undefined {
    const name = d.message.name
    if (c === undefined || !c.handles.has(`${d.from}/${handleId}`)) return ['ERR_NOT_EXIST', `checkpoint ${name} is not open on that handle`]
    if (!d.quorate) return ['ERR_NO_QUORUM', `checkpoint ${name} cannot change without quorum`]
    if (!c.available) return ['ERR_TRY_AGAIN', `no member holds the latest copy of ${name}`]
    return undefined
  }

  /**
   * A write or delete takes its version at once; what it does to the sections
   * waits, on a copy still receiving, until the donor's index says which exist.
   */
  #mutate(ctx: ServiceContext, d: Delivery, m: Of<'write'> | Of<'delete'>): void {
    const mine = this.#mine(ctx, d, m.request)
    const c = this.store.get(m.name)
    const refusal = this.#refusal(c, d, m.handleId)
    if (refusal !== undefined) return mine?.reply.fail(...refusal)
    if (m.kind === 'write' && m.data.length > c!.attributes.maxSectionSize) {
      return mine?.reply.fail('ERR_MESSAGE_TOO_LARGE', `${m.data.length} bytes exceeds the section limit of ${c!.attributes.maxSectionSize}`)
    }
    const data = m.kind === 'write' ? m.data : new Uint8Array(0)
    const effect: Effect = { kind: m.kind, section: m.section, data, version: ++c!.version, quorate: d.quorate, transitional: d.transitional, reply: mine?.reply }
    const r = c!.receiving
    if (r !== undefined && r.index === undefined && r.donor !== 0) r.held.push(effect)
    else this.applyEffect(ctx, c!, effect, false)
  }

  /** Applies a write's or delete's effect on the sections, and answers its writer. */
  applyEffect(ctx: ServiceContext, c: Checkpoint, e: Effect, held: boolean): void {
    const out: Outcome = e.kind === 'write' ? writeSection(c, e.section, e.data, e.version) : deleteSection(c, e.section, e.version)
    if (!out.ok) return e.reply?.fail(out.code, out.message)
    const digest = hex(out.section?.hash)
    if (out.changed) {
      this.trace(ctx, e.kind, c.name, { section: e.section, version: e.version, quorate: e.quorate, ...(digest === undefined ? {} : { digest }), ...(held ? { detail: 'held' } : {}) })
      this.emitSection(ctx, c.name, e.section, e.kind === 'write')
      this.local.wake(c.name)
    }
    if (e.reply === undefined) return
    this.#confirm(ctx, e.transitional, { name: c.name, reply: e.reply, op: e.kind, value: undefined, section: e.section, version: e.version, digest })
  }

  /** A change delivered in a transitional configuration is only confirmed at the next activation. */
  #confirm(ctx: ServiceContext, transitional: boolean, x: Deferred): void {
    if (transitional) this.local.deferred.push(x)
    else this.acked(ctx, x)
  }

  /** Answers a local writer ok (and tells the checkers which version it was promised). */
  acked(ctx: ServiceContext, a: Deferred, detail?: string): void {
    this.trace(ctx, 'acked', a.name, {
      op: a.op, version: a.version, ...(a.section === undefined ? {} : { section: a.section }), ...(a.digest === undefined ? {} : { digest: a.digest }),
      ...(detail === undefined ? {} : { detail }),
    })
    a.reply.ok(a.value)
  }

  #unlink(ctx: ServiceContext, d: Delivery, m: Of<'unlink'>): void {
    if (d.quorate && this.unavailable.has(m.name)) return this.#unlinkUnavailable(ctx, d, m)
    const mine = this.#mine(ctx, d, m.request)
    const c = this.store.get(m.name)
    const code = c === undefined ? 'ERR_NOT_EXIST' : !d.quorate ? 'ERR_NO_QUORUM' : !c.available ? 'ERR_TRY_AGAIN' : undefined
    if (code !== undefined) return mine?.reply.fail(code, `checkpoint ${m.name} cannot be unlinked (${code})`)
    dropHeld(c)
    const t = this.store.remove(m.name)!
    ctx.cancelTimer(EXPIRE_TIMER + m.name)
    this.trace(ctx, 'unlink', m.name, { quorate: d.quorate, version: t.version, epoch: t.epoch, uid: c!.uid })
    this.gone(ctx, m.name)
    if (mine === undefined) return
    this.#confirm(ctx, d.transitional, { name: m.name, reply: mine.reply, op: 'unlink', value: undefined, section: undefined, version: t.version, digest: undefined })
  }

  /**
   * The way out of an unavailable checkpoint: every member drops whatever it
   * holds and keeps a tombstone of this ring's epoch, which beats every copy
   * that may come back (they are all older). Version 0: no member knows better.
   */
  #unlinkUnavailable(ctx: ServiceContext, d: Delivery, m: Of<'unlink'>): void {
    const mine = this.#mine(ctx, d, m.request)
    this.unavailable.delete(m.name)
    dropHeld(this.store.get(m.name))
    this.store.bury(m.name, { version: 0, epoch: d.ringSeq })
    ctx.cancelTimer(EXPIRE_TIMER + m.name)
    this.trace(ctx, 'unlink', m.name, { quorate: d.quorate, version: 0, epoch: d.ringSeq, detail: 'unavailable' })
    this.gone(ctx, m.name)
    if (mine === undefined) return
    this.#confirm(ctx, d.transitional, { name: m.name, reply: mine.reply, op: 'unlink', value: undefined, section: undefined, version: 0, digest: undefined })
  }

  #expire(ctx: ServiceContext, d: Delivery, m: Of<'expire'>): void {
    const c = this.store.get(m.name)
    if (c === undefined || !c.available || c.handles.size > 0 || c.closeSeq !== m.closeSeq || !d.quorate) return
    dropHeld(c)
    const t = this.store.remove(m.name)!
    this.trace(ctx, 'expire', m.name, { quorate: d.quorate, version: t.version, epoch: t.epoch })
    this.gone(ctx, m.name)
  }
}
