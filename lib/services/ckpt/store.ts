import { createHash } from 'node:crypto'
import type { NodeId } from '../../totem/ring-id.js'
import type { CkptMessage, IndexEntry } from './messages.js'
import type { Reply } from './local.js'
import type { CkptAttributes } from './types.js'

/** One section's contents. Buffers are never changed in place: a write replaces the whole Section. */
export interface Section {
  readonly data: Uint8Array
  /** The checkpoint version the write that produced it got. */
  readonly version: number
  /** sha1 of (section name, version, data). */
  readonly hash: Uint8Array
}

export function sectionHash(section: string, version: number, data: Uint8Array): Uint8Array {
  return createHash('sha1').update(section).update('\0').update(String(version)).update('\0').update(data).digest()
}

/** A section of the donor's snapshot being put together from chunks. */
export interface Assembly {
  readonly version: number
  readonly total: number
  readonly parts: Uint8Array[]
  received: number
}

export type Mutation = Extract<CkptMessage, { readonly kind: 'open' | 'close' | 'write' | 'delete' | 'unlink' | 'expire' }>

/** A delivered mutation with the verdicts of its point in the total order. */
export interface Delivery {
  readonly from: NodeId
  readonly message: Mutation
  readonly quorate: boolean
  readonly ringSeq: number
  /** Delivered in a transitional configuration: its writer's answer waits for the next activation. */
  readonly transitional: boolean
}

/**
 * What a write or delete does to the sections, with the version it got at
 * delivery. On a copy whose section list has not arrived yet it is kept
 * (versions are taken at once, so nothing else has to wait) and applied, in
 * order, when the donor's index comes.
 */
export interface Effect {
  readonly kind: 'write' | 'delete'
  readonly section: string
  readonly data: Uint8Array
  readonly version: number
  readonly quorate: boolean
  readonly transitional: boolean
  /** The local writer's answer, when it was this node's request. */
  readonly reply: Reply | undefined
}

/** State of a copy this node is receiving from a donor. */
export interface Receiving {
  /** Ring seq of the activation that planned the transfer; messages of other plans are ignored. */
  readonly plan: number
  readonly donor: NodeId
  /** The donor's snapshot: section → version and length; undefined until its last index part. */
  index: Map<string, IndexEntry> | undefined
  readonly indexParts: IndexEntry[]
  /** Section names now (snapshot ± mutations since), valid once the index is known. */
  readonly names: Set<string>
  /** Sections deleted during the transfer, at which version: older chunks must not bring them back. */
  readonly tombs: Map<string, number>
  readonly assembling: Map<string, Assembly>
  /** Section changes delivered before the index, applied in order once it arrives. */
  readonly held: Effect[]
  /** Sections of the copy this one replaces, when local handles listened to it (they hear the difference). */
  readonly previous: ReadonlySet<string> | undefined
}

export function newReceiving(plan: number, donor: NodeId, previous?: ReadonlySet<string>): Receiving {
  return { plan, donor, index: undefined, indexParts: [], names: new Set(), tombs: new Map(), assembling: new Map(), held: [], previous }
}

/** One replica of a checkpoint on this node. */
export class Checkpoint {
  readonly name: string
  uid: string
  attributes: CkptAttributes
  /**
   * Mutation counter: bumped by every create, and by every write or delete past
   * the handle, quorum and size checks (even one refused for space or deleting
   * nothing), so a copy still receiving can number changes before it knows its sections.
   */
  version: number
  /** Ring seq of the last quorate configuration that activated (or created) this copy here. */
  epoch: number
  /** Bumped whenever the last handle closes: an expiry naming an older one is void. */
  closeSeq = 0
  /** Sections present here (on a receiving copy, those that arrived or were written since). */
  readonly sections = new Map<string, Section>()
  /** Open handles cluster-wide: `${node}/${handleId}`. */
  handles = new Set<string>()
  /** False while this copy is being received (or was left unfinished when its donors failed). */
  complete = true
  /** False when no member holds the latest complete copy: mutations are refused, reads wait. */
  available = true
  receiving: Receiving | undefined
  readonly #digest = Buffer.alloc(20)

  constructor(name: string, uid: string, attributes: CkptAttributes, version: number, epoch: number) {
    this.name = name
    this.uid = uid
    this.attributes = attributes
    this.version = version
    this.epoch = epoch
  }

  /** XOR of the section hashes: equal for equal contents, whatever the order they were built in. */
  get digest(): string {
    return this.#digest.toString('hex')
  }

  /** Whether the section names are known here (complete, or the donor's index arrived). */
  get known(): boolean {
    return this.receiving === undefined || this.receiving.index !== undefined
  }

  hasSection(section: string): boolean {
    return this.receiving === undefined ? this.sections.has(section) : this.receiving.names.has(section)
  }

  get sectionCount(): number {
    return this.receiving === undefined ? this.sections.size : this.receiving.names.size
  }

  sectionNames(): string[] {
    return [...(this.receiving === undefined ? this.sections.keys() : this.receiving.names)].sort()
  }

  get bytes(): number {
    let total = 0
    for (const s of this.sections.values()) total += s.data.length
    return total
  }

  setSection(section: string, data: Uint8Array, version: number): Section {
    this.removeSection(section)
    const s: Section = { data, version, hash: sectionHash(section, version, data) }
    this.sections.set(section, s)
    this.#xor(s.hash)
    return s
  }

  removeSection(section: string): void {
    const old = this.sections.get(section)
    if (old === undefined) return
    this.sections.delete(section)
    this.#xor(old.hash)
  }

  /** Drops whatever never arrived: what is here becomes the whole checkpoint. */
  settle(): void {
    this.receiving = undefined
    this.complete = true
  }

  #xor(hash: Uint8Array): void {
    for (let i = 0; i < this.#digest.length; i++) this.#digest[i]! ^= hash[i]!
  }
}

export type Outcome =
  | { readonly ok: true; readonly changed: boolean; readonly section?: Section }
  | { readonly ok: false; readonly code: string; readonly message: string }

/** Overwrites (or creates) one section at `version`; identical on every replica given the same prior state. */
export function writeSection(c: Checkpoint, section: string, data: Uint8Array, version: number): Outcome {
  if (!c.hasSection(section) && c.sectionCount >= c.attributes.maxSections) {
    return { ok: false, code: 'ERR_NO_SPACE', message: `checkpoint ${c.name} already has its ${c.attributes.maxSections} sections` }
  }
  const s = c.setSection(section, data, version)
  const r = c.receiving
  if (r !== undefined) {
    r.names.add(section)
    r.assembling.delete(section)
  }
  return { ok: true, changed: true, section: s }
}

/** Deletes one section (a missing one: nothing to do); `version` is the delete's. */
export function deleteSection(c: Checkpoint, section: string, version: number): Outcome {
  if (!c.hasSection(section)) return { ok: true, changed: false }
  c.removeSection(section)
  const r = c.receiving
  if (r !== undefined) {
    r.names.delete(section)
    r.assembling.delete(section)
    r.tombs.set(section, version)
  }
  return { ok: true, changed: true }
}

export interface Tombstone {
  readonly version: number
  readonly epoch: number
}

/** Every checkpoint replica on this node, and the names unlinked (so stale copies never come back). */
export class CkptStore {
  readonly checkpoints = new Map<string, Checkpoint>()
  readonly tombstones = new Map<string, Tombstone>()

  get(name: string): Checkpoint | undefined {
    return this.checkpoints.get(name)
  }

  /** A new incarnation of `name`: its versions continue above the tombstone's. */
  create(name: string, uid: string, attributes: CkptAttributes, epoch: number): Checkpoint {
    const version = (this.tombstones.get(name)?.version ?? 0) + 1
    this.tombstones.delete(name)
    const c = new Checkpoint(name, uid, attributes, version, epoch)
    this.checkpoints.set(name, c)
    return c
  }

  /** Removes the checkpoint and leaves a tombstone one version above it. */
  remove(name: string): Tombstone | undefined {
    const c = this.checkpoints.get(name)
    if (c === undefined) return undefined
    const t = { version: c.version + 1, epoch: c.epoch }
    this.checkpoints.delete(name)
    this.tombstones.set(name, t)
    return t
  }

  /** Replaces whatever is here under `name` (the merge chose another copy). */
  install(c: Checkpoint): void {
    this.tombstones.delete(c.name)
    this.checkpoints.set(c.name, c)
  }

  bury(name: string, t: Tombstone): void {
    this.checkpoints.delete(name)
    this.tombstones.set(name, t)
  }
}
