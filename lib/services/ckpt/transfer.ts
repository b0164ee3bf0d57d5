import type { NodeId } from '../../totem/ring-id.js'
import type { ServiceContext } from '../service.js'
import type { CkptCodec, CkptMessage, IndexEntry, Piece } from './messages.js'
import type { Checkpoint, CkptStore, Section } from './store.js'

/**
 * Background state transfer. After a sync round every checkpoint some member
 * lacks (or holds stale) is streamed by its lowest donor as ordinary agreed
 * messages: the index of its snapshot, chunks of section data, then done. The
 * snapshot holds references to the section buffers as of activation; writes
 * replace whole Sections, so a write during the transfer never tears a chunked
 * section. Pacing: at most `windowBytes` of this node's transfer messages are
 * in flight (sent, not yet delivered back), and nothing is sent while the
 * Totem queue is full, so the donor's other traffic and the ring keep flowing.
 */

/** Bytes a piece costs besides its data (section name, version, offsets, framing). */
const PIECE_OVERHEAD = 24

interface Job {
  readonly name: string
  readonly uid: string
  readonly plan: number
  readonly version: number
  readonly index: readonly IndexEntry[]
  readonly sections: readonly (readonly [string, Section])[]
  indexAt: number
  indexDone: boolean
  section: number
  offset: number
  finished: boolean
}

/** Sends this node's transfers of the current plan, one checkpoint after another. */
export class TransferSender {
  readonly #chunkBytes: number
  readonly #windowBytes: number
  readonly #codec: CkptCodec
  #jobs: Job[] = []
  #plan = 0
  #inflight = 0
  #blocked = false
  /** Section bytes sent by this node, for figures. */
  sentBytes = 0

  constructor(codec: CkptCodec, chunkBytes: number, windowBytes: number) {
    this.#codec = codec
    this.#chunkBytes = chunkBytes
    this.#windowBytes = windowBytes
  }

  get idle(): boolean {
    return this.#jobs.length === 0
  }

  /** A new plan (at activation): snapshots the copies this node must send. */
  start(plan: number, copies: readonly Checkpoint[]): void {
    this.#plan = plan
    this.#inflight = 0
    this.#jobs = copies.map((c) => {
      const sections = [...c.sections].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      const index = sections.map(([section, s]) => ({ section, version: s.version, length: s.data.length }))
      return { name: c.name, uid: c.uid, plan, version: c.version, index, sections, indexAt: 0, indexDone: false, section: 0, offset: 0, finished: false }
    })
  }

  /** The configuration changed: the plan is over (the next activation makes another). */
  stop(): void {
    this.#jobs = []
  }

  /** One of this node's transfer messages came back in the total order. */
  delivered(plan: number, bytes: number): void {
    if (plan === this.#plan) this.#inflight = Math.max(0, this.#inflight - bytes)
  }

  writable(): void {
    this.#blocked = false
  }

  /** Sends as much as the window and the send queue allow. */
  pump(ctx: ServiceContext, store: CkptStore): void {
    while (!this.#blocked && this.#jobs.length > 0 && this.#inflight < this.#windowBytes) {
      const job = this.#jobs[0]!
      const c = store.get(job.name)
      // The index always goes out: receivers hold back the changes delivered before it (an unlink, say) until it comes.
      if (job.indexDone && (c === undefined || c.uid !== job.uid)) {
        this.#jobs.shift()
        continue
      }
      const next = this.#next(job)
      const body = this.#codec.encode(next.message)
      // The index goes ahead with ordinary traffic; the bulk of the data only fills what is left.
      const result = ctx.mcast(body, next.message.kind === 'index' ? undefined : { bulk: true })
      if (result === 'queue-full') {
        this.#blocked = true
        return
      }
      if (result !== 'ok') {
        ctx.log(`transfer of ${job.name} stopped: ${result}`)
        this.#jobs = []
        return
      }
      next.commit()
      this.#inflight += body.length
      if (job.finished) this.#jobs.shift()
    }
  }

  #next(job: Job): { message: CkptMessage; commit: () => void } {
    if (!job.indexDone) return this.#indexPart(job)
    if (job.section < job.sections.length) return this.#chunk(job)
    return { message: { kind: 'done', name: job.name, plan: job.plan, version: job.version }, commit: () => { job.finished = true } }
  }

  #indexPart(job: Job): { message: CkptMessage; commit: () => void } {
    const part: IndexEntry[] = []
    let i = job.indexAt
    let bytes = 0
    while (i < job.index.length) {
      const e = job.index[i]!
      const cost = Buffer.byteLength(e.section) + PIECE_OVERHEAD
      if (part.length > 0 && bytes + cost > this.#chunkBytes) break
      part.push(e)
      bytes += cost
      i++
    }
    const last = i >= job.index.length
    const message: CkptMessage = { kind: 'index', name: job.name, plan: job.plan, version: job.version, sections: part, last }
    return { message, commit: () => { job.indexAt = i; job.indexDone = last } }
  }

  #chunk(job: Job): { message: CkptMessage; commit: () => void } {
    const pieces: Piece[] = []
    let budget = this.#chunkBytes
    let s = job.section
    let offset = job.offset
    while (s < job.sections.length) {
      const [section, sec] = job.sections[s]!
      const overhead = Buffer.byteLength(section) + PIECE_OVERHEAD
      const left = sec.data.length - offset
      if (pieces.length > 0 && budget < overhead + Math.min(left, 1)) break
      const take = Math.min(left, Math.max(pieces.length === 0 ? 1 : 0, budget - overhead))
      pieces.push({ section, version: sec.version, offset, total: sec.data.length, data: sec.data.subarray(offset, offset + take) })
      budget -= overhead + take
      offset += take
      if (offset < sec.data.length) break
      s++
      offset = 0
    }
    const message: CkptMessage = { kind: 'chunk', name: job.name, plan: job.plan, pieces }
    const sent = pieces.reduce((n, p) => n + p.data.length, 0)
    return { message, commit: () => { job.section = s; job.offset = offset; this.sentBytes += sent } }
  }
}

type Of<K extends CkptMessage['kind']> = Extract<CkptMessage, { kind: K }>

function receiving(c: Checkpoint | undefined, from: NodeId, plan: number): NonNullable<Checkpoint['receiving']> | undefined {
  const r = c?.receiving
  return r !== undefined && r.plan === plan && r.donor === from ? r : undefined
}

/** An index part from the donor; true when the section list just became known. */
export function receiveIndex(c: Checkpoint | undefined, from: NodeId, m: Of<'index'>): boolean {
  const r = receiving(c, from, m.plan)
  if (r === undefined || r.index !== undefined) return false
  r.indexParts.push(...m.sections)
  if (!m.last) return false
  r.index = new Map(r.indexParts.map((e) => [e.section, e]))
  for (const e of r.indexParts) r.names.add(e.section)
  r.indexParts.length = 0
  return true
}

/**
 * Pieces from the donor. A piece older than what is here (a write or delete
 * delivered since the snapshot) is dropped. Returns the sections completed,
 * and how many pieces did not fit (never expected).
 */
export function receiveChunk(c: Checkpoint | undefined, from: NodeId, m: Of<'chunk'>): { completed: string[]; anomalies: number } {
  const out = { completed: [] as string[], anomalies: 0 }
  const r = receiving(c, from, m.plan)
  if (c === undefined || r === undefined || r.index === undefined) return out
  for (const p of m.pieces) {
    const have = c.sections.get(p.section)
    if (!r.names.has(p.section) || (have !== undefined && have.version >= p.version) || (r.tombs.get(p.section) ?? -1) >= p.version) continue
    let a = r.assembling.get(p.section)
    if (p.offset === 0) {
      a = { version: p.version, total: p.total, parts: [], received: 0 }
      r.assembling.set(p.section, a)
    }
    if (a === undefined || a.version !== p.version || a.received !== p.offset || a.total !== p.total) {
      out.anomalies++
      continue
    }
    a.parts.push(p.data)
    a.received += p.data.length
    if (a.received < a.total) continue
    r.assembling.delete(p.section)
    c.setSection(p.section, a.parts.length === 1 ? a.parts[0]! : Buffer.concat(a.parts), a.version)
    out.completed.push(p.section)
  }
  return out
}

/** The donor's done marker: the copy is complete. Undefined if it is not this node's transfer. */
export function receiveDone(c: Checkpoint | undefined, from: NodeId, m: Of<'done'>): { missing: string[] } | undefined {
  const r = receiving(c, from, m.plan)
  if (c === undefined || r === undefined || r.index === undefined) return undefined
  const missing = [...r.names].filter((s) => !c.sections.has(s))
  c.settle()
  return { missing }
}
