import type { NodeId, RingId } from '../../totem/ring-id.js'
import { ringIdEqual } from '../../totem/ring-id.js'
import type { ServiceContext } from '../service.js'
import type { CatalogEntry, CkptCodec } from './messages.js'
import type { Replica } from './replica.js'
import { CKPT_CATALOG_PART_BYTES } from './types.js'

/**
 * CKPT's part of sync: each member announces a catalog (per name: version,
 * epoch, digest, completeness, its own handles — never section data); at
 * activation every member runs the same merge over the same catalogs and
 * knows, per name, the winning copy, its donors and who must receive it.
 */

export type DecisionKind = 'tombstone' | 'copy' | 'unavailable'

export interface Decision {
  readonly name: string
  readonly kind: DecisionKind
  /** The copy (or tombstone) everyone ends up with; undefined when unavailable. */
  readonly winner: CatalogEntry | undefined
  /** The winner is an unfinished copy made whole (no complete copy existed anywhere). */
  readonly promoted: boolean
  /** Members holding the winner exactly (ascending); the first one sends it to the others. */
  readonly donors: readonly NodeId[]
  readonly receivers: readonly NodeId[]
  /** Every participant's entry for the name. */
  readonly entries: ReadonlyMap<NodeId, CatalogEntry>
  readonly closeSeq: number
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Total order of copies: newer epoch, then more mutations, then arbitrary but identical everywhere. */
export function compareEntries(a: CatalogEntry, b: CatalogEntry): number {
  return a.epoch - b.epoch || a.version - b.version || Number(a.tombstone) - Number(b.tombstone) || cmp(a.digest, b.digest) || cmp(a.uid, b.uid)
}

function max(entries: readonly CatalogEntry[]): CatalogEntry | undefined {
  let best: CatalogEntry | undefined
  for (const e of entries) if (best === undefined || compareEntries(e, best) > 0) best = e
  return best
}

/** Handles announced for the incarnation `uid`, as `${node}/${handleId}`. */
export function handlesOf(d: Decision, uid: string): string[] {
  const out: string[] = []
  for (const [node, e] of d.entries) if (!e.tombstone && e.uid === uid) for (const h of e.handles) out.push(`${node}/${h}`)
  return out.sort()
}

/**
 * The winner is the greatest complete copy, unless an unfinished copy has a
 * newer epoch: then the latest state lives only on nodes that are not here,
 * and the checkpoint stays unavailable rather than go back in time. With
 * `promote` (every configured node is a member, so no complete copy exists
 * anywhere), the greatest unfinished copy is made whole instead.
 */
function decide(name: string, entries: Map<NodeId, CatalogEntry>, participants: readonly NodeId[], promote: boolean): Decision {
  const all = [...entries.values()]
  const complete = max(all.filter((e) => e.complete))
  const partial = max(all.filter((e) => !e.complete))
  let winner: CatalogEntry | undefined
  let promoted = false
  if (complete !== undefined && (partial === undefined || complete.epoch >= partial.epoch)) winner = complete
  else if (promote && partial !== undefined) {
    winner = partial
    promoted = true
  }
  const base = { name, entries, promoted }
  if (winner === undefined) return { ...base, kind: 'unavailable', winner, donors: [], receivers: [], closeSeq: 0 }
  const w = winner
  const donors = [...entries].filter(([, e]) => compareEntries(e, w) === 0 && (e.complete || promoted)).map(([n]) => n).sort((a, b) => a - b)
  const receivers = participants.filter((n) => !donors.includes(n))
  const closeSeq = Math.max(...all.map((e) => e.closeSeq))
  const d: Decision = { ...base, kind: w.tombstone ? 'tombstone' : 'copy', winner: w, donors, receivers, closeSeq }
  return w.tombstone || handlesOf(d, w.uid).length > 0 ? d : { ...d, closeSeq: closeSeq + 1 }
}

/** The merge: identical on every member, given the same catalogs. */
export function merge(catalogs: ReadonlyMap<NodeId, readonly CatalogEntry[]>, promote: boolean): Decision[] {
  const participants = [...catalogs.keys()].sort((a, b) => a - b)
  const byName = new Map<string, Map<NodeId, CatalogEntry>>()
  for (const node of participants) {
    for (const e of catalogs.get(node)!) {
      const m = byName.get(e.name) ?? new Map<NodeId, CatalogEntry>()
      m.set(node, e)
      byName.set(e.name, m)
    }
  }
  return [...byName.keys()].sort(cmp).map((name) => decide(name, byName.get(name)!, participants, promote))
}

/** This node's catalog: its copies (own open handles only) and its tombstones. */
export function buildCatalog(replica: Replica): CatalogEntry[] {
  const entries: CatalogEntry[] = []
  for (const c of replica.store.checkpoints.values()) {
    entries.push({
      name: c.name, tombstone: false, epoch: c.epoch, version: c.version, digest: c.digest, complete: c.complete, uid: c.uid,
      attributes: c.attributes, closeSeq: c.closeSeq, handles: replica.local.announced(c.name, c.uid),
    })
  }
  const none = { retentionMs: 0, maxSections: 0, maxSectionSize: 0 }
  for (const [name, t] of replica.store.tombstones) {
    entries.push({ name, tombstone: true, epoch: t.epoch, version: t.version, digest: '', complete: true, uid: '', attributes: none, closeSeq: 0, handles: [] })
  }
  return entries.sort((a, b) => cmp(a.name, b.name))
}

function entryBytes(e: CatalogEntry): number {
  return Buffer.byteLength(e.name) + e.uid.length + 80 + e.handles.reduce((n, h) => n + h.length + 2, 0)
}

/** One sync round's catalog exchange. */
export class CatalogRound {
  #ring: RingId | undefined
  #members: readonly NodeId[] = []
  #parts: Uint8Array[] | undefined
  /** Catalogs delivered this round, by member (a member that sent none does not take part). */
  readonly catalogs = new Map<NodeId, CatalogEntry[]>()
  /** What this node announced, by name: transitional changes are confirmed against it. */
  mine = new Map<string, CatalogEntry>()

  get ring(): RingId | undefined {
    return this.#ring
  }

  init(ring: RingId, members: readonly NodeId[]): void {
    this.#ring = ring
    this.#members = members
    this.#parts = undefined
    this.catalogs.clear()
    this.mine = new Map()
  }

  end(): void {
    this.#ring = undefined
    this.#parts = undefined
    this.catalogs.clear()
  }

  /** Sends this node's catalog, in parts; false while the sync queue is full. */
  process(ctx: ServiceContext, replica: Replica, codec: CkptCodec): boolean {
    const ring = this.#ring
    if (ring === undefined) return true
    if (this.#parts === undefined) {
      const entries = buildCatalog(replica)
      this.mine = new Map(entries.map((e) => [e.name, e]))
      const parts: CatalogEntry[][] = [[]]
      let bytes = 0
      for (const e of entries) {
        if (bytes + entryBytes(e) > CKPT_CATALOG_PART_BYTES && parts.at(-1)!.length > 0) {
          parts.push([])
          bytes = 0
        }
        parts.at(-1)!.push(e)
        bytes += entryBytes(e)
      }
      this.#parts = parts.map((p) => codec.encode({ kind: 'catalog', ring, entries: p }))
    }
    while (this.#parts.length > 0) {
      const result = ctx.syncMcast(this.#parts[0]!)
      if (result === 'queue-full') return false
      if (result !== 'ok') ctx.log(`catalog part not sent: ${result}`)
      this.#parts.shift()
    }
    return true
  }

  /** A catalog part; one of an earlier (aborted) round is ignored. */
  onCatalog(from: NodeId, ring: RingId, entries: readonly CatalogEntry[]): void {
    if (this.#ring === undefined || !ringIdEqual(ring, this.#ring) || !this.#members.includes(from)) return
    const list = this.catalogs.get(from) ?? []
    for (const e of entries) if (e.name.length > 0) list.push(e)
    this.catalogs.set(from, list)
  }
}
