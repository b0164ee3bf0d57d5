import { EventEmitter } from 'eventemitter3'
import { ClusterError } from '../errors.js'
import type { CheckpointInfo } from '../services/ckpt/types.js'
import type { EngineLink } from './link.js'

export type { CheckpointInfo } from '../services/ckpt/types.js'

export interface OpenOptions {
  /** Create the checkpoint when it does not exist (needs quorum). @default false */
  readonly create?: boolean
  /** How long the checkpoint outlives its last close anywhere in the cluster. @default 0 */
  readonly retentionMs?: number
  /** Limit on sections (set at creation). @default 4096 */
  readonly maxSections?: number
  /** Limit on one section's size in bytes (set at creation). @default 1 MiB */
  readonly maxSectionSize?: number
  readonly signal?: AbortSignal
}

/** What the CKPT service tells the library about checkpoints opened here. */
export type CheckpointEvent =
  | { readonly type: 'section'; readonly name: string; readonly section: string; readonly present: boolean }
  | { readonly type: 'unlinked'; readonly name: string }
  | { readonly type: 'synced'; readonly name: string; readonly bytes: number }

export type CheckpointEvents = {
  /** A section was written (`present`) or deleted, by any node. */
  section: (section: string, present: boolean) => void
  /** The checkpoint was unlinked; writes now fail with ERR_NOT_EXIST. */
  unlinked: () => void
  /** This node finished receiving the checkpoint's contents after joining. */
  synced: (bytes: number) => void
}

/**
 * An open checkpoint (OpenAIS CKPT): named sections replicated on every node.
 * A write resolves once every member of the configuration holds it, so it
 * survives the failure of any minority; nodes that join receive the contents
 * in the background.
 */
export class Checkpoint extends EventEmitter<CheckpointEvents> {
  readonly name: string
  /** @internal */
  readonly handleId: string
  readonly #link: EngineLink
  readonly #sections: Set<string>
  readonly #forget: () => void
  #closed: Promise<void> | undefined

  /** @internal Created by {@link CheckpointsApi.open}. */
  constructor(link: EngineLink, name: string, handleId: string, sections: readonly string[], forget: () => void) {
    super()
    this.#link = link
    this.name = name
    this.handleId = handleId
    this.#sections = new Set(sections)
    this.#forget = forget
  }

  /**
   * Replaces a section's contents (creating it); resolves when every member
   * holds the write. Rejects `ERR_NO_QUORUM` in an inquorate partition,
   * `ERR_MESSAGE_TOO_LARGE` / `ERR_NO_SPACE` beyond the checkpoint's limits,
   * and `ERR_TRY_AGAIN` when a configuration change left it unknown whether
   * the majority has the write (a write is an overwrite: repeating it is safe).
   */
  async write(section: string, data: Uint8Array | string, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    this.#usable()
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    await this.#link.requestWithRoom('ckpt', 'write', { name: this.name, handleId: this.handleId, section, data: bytes }, options.signal)
  }

  /** A section's contents, or undefined; waits while this node is still receiving the checkpoint. */
  async read(section: string): Promise<Buffer | undefined> {
    this.#usable()
    const data = await this.#link.request('ckpt', 'read', { name: this.name, section }) as Uint8Array | undefined
    return data === undefined ? undefined : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  }

  /** Deletes a section (a missing one is fine). */
  async delete(section: string): Promise<void> {
    this.#usable()
    await this.#link.requestWithRoom('ckpt', 'delete', { name: this.name, handleId: this.handleId, section })
  }

  /** Names of the sections, sorted, as of the last change delivered here. */
  sections(): string[] {
    return [...this.#sections].sort()
  }

  /** Closes this handle; the checkpoint lives on while others have it open, then for its retention time. */
  close(): Promise<void> {
    this.#closed ??= this.#close()
    return this.#closed
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Every checkpoint on this node with its size, sorted by name (`ts-ha status`, metrics). */
  async list(): Promise<CheckpointInfo[]> {
    return await this.#link.request('ckpt', 'list', {}) as CheckpointInfo[]
  }

  /** @internal */
  dispatch(event: CheckpointEvent): void {
    switch (event.type) {
      case 'section':
        if (event.present) this.#sections.add(event.section)
        else this.#sections.delete(event.section)
        this.emit('section', event.section, event.present)
        return
      case 'unlinked':
        this.#sections.clear()
        this.emit('unlinked')
        return
      case 'synced':
        this.emit('synced', event.bytes)
    }
  }

  /** @internal The cluster stopped. */
  abandon(): void {
    this.#closed ??= Promise.resolve()
    this.#forget()
  }

  #usable(): void {
    if (this.#closed !== undefined) throw new ClusterError('ERR_NOT_EXIST', `checkpoint ${this.name} is closed`)
  }

  async #close(): Promise<void> {
    this.#forget()
    if (this.#link.state !== 'running') return
    await this.#link.requestWithRoom('ckpt', 'close', { name: this.name, handleId: this.handleId })
  }
}

/** `cluster.checkpoints`: replicated checkpoints (OpenAIS CKPT), kept in memory on every node. */
export class CheckpointsApi {
  readonly #link: EngineLink
  readonly #open = new Map<string, Checkpoint>()
  #handles = 0

  /** @internal */
  constructor(link: EngineLink) {
    this.#link = link
  }

  /** Opens (or with `create`, creates) a checkpoint. Rejects `ERR_NOT_EXIST` when missing and not creating. */
  async open(name: string, options: OpenOptions = {}): Promise<Checkpoint> {
    if (typeof name !== 'string' || name.length === 0) throw new ClusterError('ERR_INVALID_ARGUMENT', 'a checkpoint needs a non-empty name')
    for (const key of ['retentionMs', 'maxSections', 'maxSectionSize'] as const) {
      const v = options[key]
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw new ClusterError('ERR_INVALID_ARGUMENT', `${key} must be an integer ≥ 0, got ${v}`)
    }
    const handleId = `h${++this.#handles}`
    const { signal, ...rest } = options
    const value = await this.#link.requestWithRoom('ckpt', 'open', { ...rest, name, handleId, create: options.create ?? false }, signal) as { sections: string[] }
    const ckpt = new Checkpoint(this.#link, name, handleId, value.sections, () => { this.#open.delete(handleId) })
    this.#open.set(handleId, ckpt)
    return ckpt
  }

  /** Removes the checkpoint everywhere, at once; open handles see `unlinked`. */
  async unlink(name: string): Promise<void> {
    await this.#link.requestWithRoom('ckpt', 'unlink', { name })
  }

  /** Every checkpoint on this node with its size, sorted by name (`ts-ha status`, metrics). */
  async list(): Promise<CheckpointInfo[]> {
    return await this.#link.request('ckpt', 'list', {}) as CheckpointInfo[]
  }

  /** @internal */
  dispatch(event: CheckpointEvent): void {
    for (const ckpt of this.#open.values()) if (ckpt.name === event.name) ckpt.dispatch(event)
  }

  /** @internal */
  closeAll(): void {
    for (const ckpt of [...this.#open.values()]) ckpt.abandon()
  }
}
