import type { RingId } from '../../totem/ring-id.js'
import type { ServiceContext } from '../service.js'
import type { CatalogEntry } from './messages.js'
import { dropHeld, EXPIRE_TIMER, type Replica } from './replica.js'
import { Checkpoint, newReceiving } from './store.js'
import { compareEntries, type Decision, handlesOf } from './sync.js'

/**
 * Sync activation: every member applies the same decisions at the same point
 * of the total order. Donors keep their copy; every other member starts an
 * empty copy of the winner and receives it in the background; handles are the
 * union of what the members announced (those of departed nodes are gone);
 * changes delivered in the transitional configuration are confirmed (or not).
 */

export interface Activation {
  readonly ring: RingId
  readonly quorate: boolean
  /** This node's own catalog entries of the round. */
  readonly mine: ReadonlyMap<string, CatalogEntry>
}

/** Applies the merge; returns the copies this node must send (it is their lowest donor). */
export function activate(ctx: ServiceContext, replica: Replica, decisions: readonly Decision[], a: Activation): Checkpoint[] {
  const send: Checkpoint[] = []
  replica.unavailable = new Set(decisions.filter((d) => d.kind === 'unavailable').map((d) => d.name))
  for (const d of decisions) {
    if (d.kind === 'tombstone') bury(ctx, replica, d, a)
    else if (d.kind === 'unavailable') suspend(ctx, replica, d)
    else {
      const c = adopt(ctx, replica, d, a)
      if (d.receivers.length > 0 && d.donors[0] === ctx.self) send.push(c)
    }
  }
  confirm(ctx, replica, decisions, a)
  for (const c of replica.store.checkpoints.values()) replica.armRetention(ctx, c)
  replica.local.wake()
  return send
}

function adopt(ctx: ServiceContext, replica: Replica, d: Decision, a: Activation): Checkpoint {
  const w = d.winner!
  let c = replica.store.get(d.name)
  let kind: 'adopt' | 'promote' | undefined
  const prior = c === undefined ? undefined : { epoch: c.epoch, version: c.version, complete: c.complete }
  if (!d.donors.includes(ctx.self) || c === undefined) {
    dropHeld(c)
    const heard = c !== undefined && c.uid === w.uid && c.known && replica.local.listening(d.name).length > 0
    const previous = heard ? new Set(c!.sectionNames()) : undefined
    c = new Checkpoint(d.name, w.uid, w.attributes, w.version + (d.promoted ? 1 : 0), w.epoch)
    c.complete = false
    c.receiving = newReceiving(a.ring.seq, d.donors[0]!, previous)
    replica.store.install(c)
    kind = 'adopt'
  } else if (d.promoted) {
    dropHeld(c)
    c.settle()
    c.version = w.version + 1
    kind = 'promote'
  }
  c.available = true
  c.epoch = a.quorate ? a.ring.seq : w.epoch
  c.handles = new Set(handlesOf(d, w.uid))
  c.closeSeq = d.closeSeq
  if (kind !== undefined) {
    const winner = { epoch: w.epoch, version: w.version }
    replica.trace(ctx, kind, d.name, { digest: c.digest, detail: `donor ${d.donors[0]}`, winner, ...(prior === undefined ? {} : { prior }) })
  }
  replica.gone(ctx, d.name, w.uid)
  return c
}

function bury(ctx: ServiceContext, replica: Replica, d: Decision, a: Activation): void {
  const w = d.winner!
  const had = replica.store.get(d.name)
  const old = replica.store.tombstones.get(d.name)
  dropHeld(had)
  replica.store.bury(d.name, { version: w.version, epoch: a.quorate ? a.ring.seq : w.epoch })
  ctx.cancelTimer(EXPIRE_TIMER + d.name)
  if (had !== undefined || old?.version !== w.version) {
    const prior = had === undefined ? undefined : { epoch: had.epoch, version: had.version, complete: had.complete }
    replica.trace(ctx, 'adopt', d.name, { detail: 'tombstone', winner: { epoch: w.epoch, version: w.version }, ...(prior === undefined ? {} : { prior }) })
  }
  replica.gone(ctx, d.name)
}

/** No member holds the latest complete copy: keep what is here, change nothing until one comes back. */
function suspend(ctx: ServiceContext, replica: Replica, d: Decision): void {
  const c = replica.store.get(d.name)
  if (c === undefined) return
  dropHeld(c)
  c.available = false
  const r = c.receiving
  if (r !== undefined) c.receiving = { ...r, plan: 0, donor: 0, assembling: new Map(), held: [] }
  c.handles = new Set(handlesOf(d, c.uid))
  ctx.cancelTimer(EXPIRE_TIMER + d.name)
  replica.gone(ctx, d.name, c.uid)
}

/**
 * A change delivered in a transitional configuration was promised to every
 * transitional member only. It is confirmed if this node's copy, which holds
 * it, won the merge of a quorate configuration; otherwise its fate is unknown.
 */
function confirm(ctx: ServiceContext, replica: Replica, decisions: readonly Decision[], a: Activation): void {
  const byName = new Map(decisions.map((d) => [d.name, d]))
  const deferred = replica.local.deferred
  replica.local.deferred = []
  for (const x of deferred) {
    const d = byName.get(x.name)
    const e = a.mine.get(x.name)
    const kept = a.quorate && d?.winner !== undefined && e !== undefined && compareEntries(e, d.winner) === 0 && (e.complete || d.promoted)
    if (kept) {
      replica.acked(ctx, x, 'confirmed at activation')
      continue
    }
    x.reply.fail('ERR_TRY_AGAIN', `the configuration changed before the ${x.op} of ${x.name} was confirmed; it may or may not have been applied`)
    // The client never got the handle of an unconfirmed create: it must not keep the checkpoint open.
    const h = x.handleId === undefined ? undefined : replica.local.handles.get(x.handleId)
    if (h?.state === 'dead') replica.local.handles.delete(h.handleId)
    else if (h !== undefined) h.abandoned = true
  }
  replica.closeAbandoned(ctx)
}
