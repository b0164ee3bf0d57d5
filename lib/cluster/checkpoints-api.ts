import { EventEmitter } from 'eventemitter3'
import { ClusterError } from '../errors.js'
import type { CheckpointInfo } from '../services/ckpt/types.js'
import { CKPT_RETAIN_FOREVER } from '../services/ckpt/types.js'
import { type CallBudget, hasBudget, retryWithin } from './budget.js'
import type { EngineLink } from './link.js'
import { deadlineOf, type Readiness } from './readiness.js'
import { args, check } from './validate.js'

export type { CheckpointInfo } from '../services/ckpt/types.js'

export interface OpenOptions {
  /** Create the checkpoint when it does not exist (needs quorum). @default false */
  readonly create?: boolean
  /**
   * How long the checkpoint outlives its last close anywhere in the cluster,
   * set at creation. A handle's close counts, and so does the end of its
   * process or node (kill -9 included). `Infinity` (the default) keeps the
   * checkpoint until `unlink()`: the state an application checkpoints is
   * there to outlive the process that wrote it. It is kept in memory, so it
   * is gone when every node has stopped.
   * @default Infinity
   */
  readonly retentionMs?: number
  /** Limit on sections (set at creation). @default 4096 */
  readonly maxSections?: number
  /** Limit on one section's size in bytes (set at creation). @default 1 MiB */
  readonly maxSectionSize?: number
  /** With a signal or `timeoutMs`, an open that needs quorum waits for it (bounded) instead of failing. */
  readonly signal?: AbortSignal
  /** Gives up with `ERR_TIMEOUT` after this long. */
  readonly timeoutMs?: number
}

/**
 * The wait budget of a write or delete. With one, a write refused for lack of
 * quorum or answered `ERR_TRY_AGAIN` after a configuration change is retried
 * inside the budget (a write is an overwrite, so repeating it is safe);
 * without one it fails at once.
 */
export interface WriteOptions {
  readonly signal?: AbortSignal
  /** Gives up with `ERR_TIMEOUT` after this long. */
  readonly timeoutMs?: number
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
  readonly #readiness: Readiness
  readonly #sections: Set<string>
  readonly #forget: () => void
  #closed: Promise<void> | undefined

  /** @internal Created by {@link CheckpointsApi.open}. */
  constructor(link: EngineLink, readiness: Readiness, name: string, handleId: string, sections: readonly string[], forget: () => void) {
    super()
    this.#link = link
    this.#readiness = readiness
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
  async write(section: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    check(args.section, section, 'section')
    check(args.data, data, 'data')
    check(args.write, options, 'options')
    this.#usable()
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    await this.#mutate('write', { name: this.name, handleId: this.handleId, section, data: bytes }, options)
  }

  /** A section's contents, or undefined; waits while this node is still receiving the checkpoint. */
  async read(section: string): Promise<Buffer | undefined> {
    check(args.section, section, 'section')
    this.#usable()
    const data = await this.#link.request('ckpt', 'read', { name: this.name, section }) as Uint8Array | undefined
    return data === undefined ? undefined : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  }

  /** Deletes a section (a missing one is fine); retried within a budget as {@link Checkpoint.write} is. */
  async delete(section: string, options: WriteOptions = {}): Promise<void> {
    check(args.section, section, 'section')
    check(args.write, options, 'options')
    this.#usable()
    await this.#mutate('delete', { name: this.name, handleId: this.handleId, section }, options)
  }

  async #mutate(op: 'write' | 'delete', request: object, options: WriteOptions): Promise<void> {
    const attempt = (): Promise<unknown> => this.#link.requestWithRoom('ckpt', op, request, options.signal)
    if (!hasBudget(options)) {
      await attempt()
      return
    }
    const what = `${op} of ${this.name}`
    await retryWithin(this.#readiness, { quorate: true }, { signal: options.signal, deadline: deadlineOf(options.timeoutMs), what }, attempt)
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
  readonly #readiness: Readiness
  readonly #open = new Map<string, Checkpoint>()
  #handles = 0

  /** @internal */
  constructor(link: EngineLink, readiness: Readiness) {
    this.#link = link
    this.#readiness = readiness
  }

  /** Checkpoints open here, for status(). */
  get opened(): readonly Checkpoint[] {
    return [...this.#open.values()]
  }

  /** Opens (or with `create`, creates) a checkpoint. Rejects `ERR_NOT_EXIST` when missing and not creating. */
  async open(name: string, options: OpenOptions = {}): Promise<Checkpoint> {
    check(args.checkpointName, name, 'name')
    check(args.open, options, 'options')
    const { signal, timeoutMs, retentionMs, ...rest } = options
    const retention = retentionMs === undefined || retentionMs === Infinity ? CKPT_RETAIN_FOREVER : retentionMs
    const attempt = async (): Promise<Checkpoint> => {
      const handleId = `h${++this.#handles}`
      const request = { ...rest, retentionMs: retention, name, handleId, create: options.create ?? false }
      const value = await this.#link.requestWithRoom('ckpt', 'open', request, signal) as { sections: string[] }
      const ckpt = new Checkpoint(this.#link, this.#readiness, name, handleId, value.sections, () => { this.#open.delete(handleId) })
      this.#open.set(handleId, ckpt)
      return ckpt
    }
    if (!hasBudget(options)) return await attempt()
    return await retryWithin(this.#readiness, { quorate: options.create === true }, { signal, deadline: deadlineOf(timeoutMs), what: `open of ${name}` }, attempt)
  }

  /** Removes the checkpoint everywhere, at once; open handles see `unlinked`. Retried within a budget as writes are. */
  async unlink(name: string, options: CallBudget = {}): Promise<void> {
    check(args.checkpointName, name, 'name')
    check(args.write, options, 'options')
    const attempt = (): Promise<unknown> => this.#link.requestWithRoom('ckpt', 'unlink', { name }, options.signal)
    if (!hasBudget(options)) await attempt()
    else await retryWithin(this.#readiness, { quorate: true }, { signal: options.signal, deadline: deadlineOf(options.timeoutMs), what: `unlink of ${name}` }, attempt)
  }

  /** @internal Closes every handle opened here: a graceful stop. */
  async closeEvery(): Promise<void> {
    await Promise.allSettled([...this.#open.values()].map((c) => c.close()))
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
