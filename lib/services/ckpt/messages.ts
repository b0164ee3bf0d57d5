import type protobuf from 'protobufjs'
import type { RingId } from '../../totem/ring-id.js'
import { longToNumber, lookupType } from '../../wire/schema.js'
import type { CkptAttributes } from './types.js'

/** One checkpoint name in one node's sync catalog (see proto/ckpt.proto). */
export interface CatalogEntry {
  readonly name: string
  readonly tombstone: boolean
  readonly epoch: number
  readonly version: number
  /** Hex; '' for tombstones. */
  readonly digest: string
  readonly complete: boolean
  readonly uid: string
  readonly attributes: CkptAttributes
  readonly closeSeq: number
  readonly handles: readonly string[]
}

export interface IndexEntry {
  readonly section: string
  readonly version: number
  readonly length: number
}

export interface Piece {
  readonly section: string
  readonly version: number
  readonly offset: number
  readonly total: number
  readonly data: Uint8Array
}

export type CkptMessage =
  | { readonly kind: 'open'; readonly name: string; readonly handleId: string; readonly create: boolean; readonly attributes: CkptAttributes; readonly request: number }
  | { readonly kind: 'close'; readonly name: string; readonly handleId: string; readonly request: number }
  | { readonly kind: 'write'; readonly name: string; readonly handleId: string; readonly section: string; readonly data: Uint8Array; readonly request: number }
  | { readonly kind: 'delete'; readonly name: string; readonly handleId: string; readonly section: string; readonly request: number }
  | { readonly kind: 'unlink'; readonly name: string; readonly request: number }
  | { readonly kind: 'expire'; readonly name: string; readonly closeSeq: number }
  | { readonly kind: 'catalog'; readonly ring: RingId; readonly entries: readonly CatalogEntry[] }
  | { readonly kind: 'index'; readonly name: string; readonly plan: number; readonly version: number; readonly sections: readonly IndexEntry[]; readonly last: boolean }
  | { readonly kind: 'chunk'; readonly name: string; readonly plan: number; readonly pieces: readonly Piece[] }
  | { readonly kind: 'done'; readonly name: string; readonly plan: number; readonly version: number }

type Raw = Record<string, unknown>

const EMPTY = new Uint8Array(0)

function bytes(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : EMPTY
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function num(value: unknown): number {
  return longToNumber(value ?? 0)
}

function attributes(raw: unknown): CkptAttributes {
  const a = (raw ?? {}) as Raw
  return { retentionMs: num(a['retentionMs']), maxSections: num(a['maxSections']), maxSectionSize: num(a['maxSectionSize']) }
}

function catalogEntry(e: Raw): CatalogEntry {
  return {
    name: str(e['name']), tombstone: e['tombstone'] === true, epoch: num(e['epoch']), version: num(e['version']),
    digest: Buffer.from(bytes(e['digest'])).toString('hex'), complete: e['complete'] === true, uid: str(e['uid']),
    attributes: attributes(e['attributes']), closeSeq: num(e['closeSeq']),
    handles: ((e['handles'] ?? []) as unknown[]).map(str),
  }
}

function piece(p: Raw): Piece {
  return { section: str(p['section']), version: num(p['version']), offset: num(p['offset']), total: num(p['total']), data: bytes(p['data']) }
}

/** Decodes the body of one kind; undefined when a required name is missing. */
function fromRaw(kind: string, b: Raw): CkptMessage | undefined {
  const name = str(b['name'])
  const request = num(b['request'])
  const handleId = str(b['handleId'])
  switch (kind) {
    case 'open': return { kind, name, handleId, create: b['create'] === true, attributes: attributes(b['attributes']), request }
    case 'close': return { kind, name, handleId, request }
    case 'write': return { kind, name, handleId, section: str(b['section']), data: bytes(b['data']), request }
    case 'delete': return { kind, name, handleId, section: str(b['section']), request }
    case 'unlink': return { kind, name, request }
    case 'expire': return { kind, name, closeSeq: num(b['closeSeq']) }
    case 'catalog': {
      const entries = ((b['entries'] ?? []) as Raw[]).map(catalogEntry)
      return { kind, ring: { rep: num(b['ringRep']), seq: num(b['ringSeq']) }, entries }
    }
    case 'index': {
      const sections = ((b['sections'] ?? []) as Raw[]).map((s) => ({ section: str(s['section']), version: num(s['version']), length: num(s['length']) }))
      return { kind, name, plan: num(b['plan']), version: num(b['version']), sections, last: b['last'] === true }
    }
    case 'chunk': return { kind, name, plan: num(b['plan']), pieces: ((b['pieces'] ?? []) as Raw[]).map(piece) }
    case 'done': return { kind, name, plan: num(b['plan']), version: num(b['version']) }
    default: return undefined
  }
}

/** protobuf framing of CKPT's messages (proto/ckpt.proto). */
export class CkptCodec {
  readonly #type: protobuf.Type = lookupType('ckpt.proto', 'tsha.ckpt.v1.CkptMessage')

  encode(m: CkptMessage): Uint8Array {
    const { kind, ...body } = m
    if (kind === 'catalog') {
      const c = m as Extract<CkptMessage, { kind: 'catalog' }>
      const entries = c.entries.map((e) => ({ ...e, digest: Buffer.from(e.digest, 'hex') }))
      return this.#type.encode({ catalog: { ringRep: c.ring.rep, ringSeq: c.ring.seq, entries } }).finish()
    }
    return this.#type.encode({ [kind]: body }).finish()
  }

  /** Undefined for bytes that are not a CKPT message of this version (the caller counts them). */
  decode(body: Uint8Array): CkptMessage | undefined {
    let raw: Raw
    try {
      raw = this.#type.decode(body) as unknown as Raw
    } catch {
      return undefined
    }
    const kind = raw['kind']
    if (typeof kind !== 'string') return undefined
    const m = fromRaw(kind, (raw[kind] ?? {}) as Raw)
    if (m === undefined || (m.kind !== 'catalog' && m.name.length === 0)) return undefined
    return m
  }
}
