/**
 * The local, per-node CMAP: a typed key/value map with prefix iteration,
 * read-only rules and change tracking (corosync exec/icmap.c). It is not
 * replicated; every node builds its own from configuration and runtime state.
 */
import { ClusterError } from '../../errors.js'
import type { CmapChange, CmapEntry, CmapEventKind, CmapType, CmapValue } from '../cmap-types.js'
import {
  entriesEqual, inferType, isCmapType, isIntegerType, normalizeValue, validateKeyName, validatePrefix, valueSize, wrapAdd,
} from './values.js'

/** Which keys clients may not write or delete; internal writes ignore these rules. */
export interface CmapReadOnlyRules {
  /** Every key starting with one of these is read-only. */
  readonly prefixes: readonly string[]
  /** Exact read-only keys. */
  readonly keys: readonly string[]
}

/**
 * corosync's read-only set: `main.c set_icmap_ro_keys_flag`, plus the keys
 * votequorum and totemconfig protect. Changing these at runtime would desync
 * the running engine from the map (crypto, transport, identity) or make quorum
 * features unsafe to toggle, so only the cluster itself writes them.
 */
export const DEFAULT_READ_ONLY: CmapReadOnlyRules = Object.freeze({
  prefixes: Object.freeze([
    'internal_configuration.', 'runtime.services.', 'runtime.config.', 'runtime.totem.', 'uidgid.config.', 'system.',
    'nodelist.',
  ]),
  keys: Object.freeze([
    'totem.crypto_cipher', 'totem.crypto_hash', 'totem.crypto_model', 'totem.keyfile', 'totem.key', 'totem.secauth',
    'totem.ip_version', 'totem.ip_dscp', 'totem.transport', 'totem.cluster_name', 'totem.netmtu', 'totem.threads',
    'totem.version', 'totem.nodeid', 'totem.clear_node_high_bit', 'config.reload_in_progress',
    'config.totemconfig_reload_in_progress', 'quorum.allow_downscale', 'quorum.wait_for_all', 'quorum.last_man_standing',
    'quorum.last_man_standing_window', 'quorum.expected_votes_tracking', 'quorum.auto_tie_breaker',
    'quorum.auto_tie_breaker_node',
  ]),
})

/** Default bound on the number of keys. */
export const CMAP_MAX_KEYS = 100_000
/** Default bound on one value's size in bytes (strings counted as UTF-8). */
export const CMAP_MAX_VALUE_BYTES = 1024 * 1024

export interface CmapStoreOptions {
  /** Replaces {@link DEFAULT_READ_ONLY}; spread the default to extend it. */
  readonly readOnly?: CmapReadOnlyRules
  /** @default 100_000 */
  readonly maxKeys?: number
  /** @default 1 MiB */
  readonly maxValueBytes?: number
  /**
   * Receives what a tracker callback threw. The default rethrows it from a
   * microtask, so it surfaces (unhandled) without unwinding through the store.
   */
  readonly onTrackerError?: (error: unknown, change: CmapChange) => void
}

/** `client: true` applies the read-only rules (a write on behalf of an application). */
export interface CmapWriteOptions {
  /** @default false (an internal write by the cluster itself) */
  readonly client?: boolean
}

export interface CmapTrackOptions {
  /** Track every key starting with the given string instead of one exact key. @default false */
  readonly prefix?: boolean
  /** Which changes to report. @default ['add', 'modify', 'delete'] */
  readonly events?: readonly CmapEventKind[]
}

export type CmapTrackCallback = (change: CmapChange) => void

interface Tracker {
  readonly seq: number
  readonly key: string
  readonly prefix: boolean
  readonly events: ReadonlySet<CmapEventKind>
  readonly callback: CmapTrackCallback
  active: boolean
}

const ALL_EVENTS: readonly CmapEventKind[] = ['add', 'modify', 'delete']

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `CmapStore ${name} must be a positive integer, got ${value}`)
  }
  return value
}

/** Binary values are mutable; hand out copies so no caller can alter the store. */
function expose(entry: CmapEntry): CmapEntry
function expose(entry: CmapEntry | undefined): CmapEntry | undefined
function expose(entry: CmapEntry | undefined): CmapEntry | undefined {
  if (entry === undefined || !(entry.value instanceof Uint8Array)) return entry
  return Object.freeze({ type: entry.type, value: new Uint8Array(entry.value) })
}

/**
 * A per-node typed map. Notifications are synchronous: trackers run inside
 * `set`/`delete`/`adjust`, after the change is applied, in registration order.
 * A tracker that writes to the store causes nested notifications.
 */
export class CmapStore {
  readonly #map = new Map<string, CmapEntry>()
  readonly #roKeys: Set<string>
  readonly #roPrefixes: Set<string>
  readonly #maxKeys: number
  readonly #maxValueBytes: number
  readonly #onTrackerError: (error: unknown, change: CmapChange) => void
  /** Exact-key trackers indexed by key, so a write costs nothing for trackers of other keys. */
  readonly #exact = new Map<string, Tracker[]>()
  #prefixTrackers: Tracker[] = []
  #trackerSeq = 0

  constructor(options: CmapStoreOptions = {}) {
    const readOnly = options.readOnly ?? DEFAULT_READ_ONLY
    this.#roKeys = new Set(readOnly.keys)
    this.#roPrefixes = new Set(readOnly.prefixes)
    this.#maxKeys = positiveInteger('maxKeys', options.maxKeys, CMAP_MAX_KEYS)
    this.#maxValueBytes = positiveInteger('maxValueBytes', options.maxValueBytes, CMAP_MAX_VALUE_BYTES)
    this.#onTrackerError = options.onTrackerError ?? rethrowLater
  }

  /** Number of keys. */
  get size(): number {
    return this.#map.size
  }

  has(key: string): boolean {
    return this.#map.has(key)
  }

  /** The typed entry, or `undefined` when the key does not exist. */
  get(key: string): CmapEntry | undefined {
    return expose(this.#map.get(key))
  }

  /** The value alone, or `undefined` when the key does not exist. */
  getValue(key: string): CmapValue | undefined {
    return this.get(key)?.value
  }

  /**
   * Sets a key. Without `type`, a new key's type is inferred (see
   * {@link inferType}) and an existing key keeps its type; only an explicit
   * type changes it. Setting an identical type and value is a no-op with no
   * notification (corosync `icmap_set_r`), so periodic refreshes are cheap.
   * @returns whether the map changed.
   * @throws ClusterError ERR_INVALID_ARGUMENT for a bad name, type, value,
   *   out-of-range number, bound exceeded, or a client write to a read-only key.
   */
  set(key: string, value: CmapValue, type?: CmapType, options: CmapWriteOptions = {}): boolean {
    if (type !== undefined && !isCmapType(type)) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap key '${key}': unknown type ${JSON.stringify(type)}`)
    }
    const old = this.#map.get(key)
    // As in corosync, the name is only checked for new keys: existing keys were checked when added.
    if (old === undefined) validateKeyName(key)
    this.#checkAccess(key, options)
    const effective = type ?? old?.type ?? inferType(value)
    const entry = Object.freeze({ type: effective, value: this.#normalize(key, value, effective, type === undefined && old !== undefined) })
    const size = valueSize(entry)
    if (size > this.#maxValueBytes) {
      throw new ClusterError('ERR_INVALID_ARGUMENT',
        `cmap key '${key}': value of ${size} bytes exceeds the limit of ${this.#maxValueBytes}`)
    }
    if (old !== undefined && entriesEqual(old, entry)) return false
    if (old === undefined && this.#map.size >= this.#maxKeys) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap key '${key}': the map is full (${this.#maxKeys} keys)`)
    }
    this.#map.set(key, entry)
    this.#notify({ kind: old === undefined ? 'add' : 'modify', key, value: entry, old })
    return true
  }

  /**
   * Removes a key.
   * @throws ClusterError ERR_NOT_EXIST when missing; ERR_INVALID_ARGUMENT for a client delete of a read-only key.
   */
  delete(key: string, options: CmapWriteOptions = {}): void {
    this.#checkAccess(key, options)
    const old = this.#map.get(key)
    if (old === undefined) throw new ClusterError('ERR_NOT_EXIST', `cmap key '${key}' does not exist`)
    this.#map.delete(key)
    this.#notify({ kind: 'delete', key, value: undefined, old })
  }

  /**
   * Adds `step` (may be negative) to an integer key, wrapping at the type's
   * width like corosync `cmap_inc`/`cmap_dec`/`icmap_adjust_int`.
   * @returns the new value.
   * @throws ClusterError ERR_NOT_EXIST when missing; ERR_INVALID_ARGUMENT for a non-integer key or step.
   */
  adjust(key: string, step: number | bigint, options: CmapWriteOptions = {}): number | bigint {
    if (typeof step !== 'bigint' && !Number.isSafeInteger(step)) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap adjust '${key}': step must be an integer, got ${String(step)}`)
    }
    this.#checkAccess(key, options)
    const old = this.#map.get(key)
    if (old === undefined) throw new ClusterError('ERR_NOT_EXIST', `cmap key '${key}' does not exist`)
    if (!isIntegerType(old.type)) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap adjust '${key}': type ${old.type} is not an integer type`)
    }
    const value = wrapAdd(old.type, old.value, step)
    this.set(key, value, old.type, options)
    return value
  }

  /** Keys starting with `prefix`, sorted by code unit (the order of corosync's trie iteration). */
  keys(prefix = ''): string[] {
    const out: string[] = []
    for (const key of this.#map.keys()) if (key.startsWith(prefix)) out.push(key)
    return out.sort()
  }

  /** `[key, entry]` pairs for keys starting with `prefix`, sorted by key. */
  entries(prefix = ''): Array<[string, CmapEntry]> {
    return this.keys(prefix).map((key): [string, CmapEntry] => [key, expose(this.#map.get(key) as CmapEntry)])
  }

  /** Whether a client write to `key` would be refused. */
  isReadOnly(key: string): boolean {
    if (this.#roKeys.has(key)) return true
    for (const prefix of this.#roPrefixes) if (key.startsWith(prefix)) return true
    return false
  }

  /** Adds or removes a read-only rule at runtime (corosync `icmap_set_ro_access`). */
  setReadOnly(keyOrPrefix: string, prefix: boolean, readOnly = true): void {
    const set = prefix ? this.#roPrefixes : this.#roKeys
    if (readOnly) set.add(keyOrPrefix)
    else set.delete(keyOrPrefix)
  }

  /**
   * Calls `callback` after every matching change of `keyOrPrefix` (an exact key,
   * or with `prefix: true` every key starting with it; `''` tracks all keys).
   * @returns a function that stops tracking (idempotent; safe inside a callback).
   */
  track(keyOrPrefix: string, options: CmapTrackOptions, callback: CmapTrackCallback): () => void {
    const prefix = options.prefix ?? false
    if (prefix) validatePrefix(keyOrPrefix)
    else validateKeyName(keyOrPrefix)
    const events = options.events ?? ALL_EVENTS
    if (events.length === 0 || events.some((e) => !ALL_EVENTS.includes(e))) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap track: events must be a non-empty subset of ${ALL_EVENTS.join(', ')}`)
    }
    if (typeof callback !== 'function') throw new ClusterError('ERR_INVALID_ARGUMENT', 'cmap track: callback must be a function')
    const tracker: Tracker = { seq: this.#trackerSeq++, key: keyOrPrefix, prefix, events: new Set(events), callback, active: true }
    if (prefix) {
      this.#prefixTrackers.push(tracker)
    } else {
      const list = this.#exact.get(keyOrPrefix)
      if (list === undefined) this.#exact.set(keyOrPrefix, [tracker])
      else list.push(tracker)
    }
    return () => this.#untrack(tracker)
  }

  #untrack(tracker: Tracker): void {
    if (!tracker.active) return
    tracker.active = false
    // Replace rather than splice: a notification in progress iterates its own snapshot.
    if (tracker.prefix) {
      this.#prefixTrackers = this.#prefixTrackers.filter((t) => t !== tracker)
      return
    }
    const rest = (this.#exact.get(tracker.key) ?? []).filter((t) => t !== tracker)
    if (rest.length === 0) this.#exact.delete(tracker.key)
    else this.#exact.set(tracker.key, rest)
  }

  #checkAccess(key: string, options: CmapWriteOptions): void {
    if (options.client === true && this.isReadOnly(key)) {
      throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap key '${key}': key is read-only`)
    }
  }

  /** `keptType`: the type came from the existing key, so a mismatch deserves a hint. */
  #normalize(key: string, value: CmapValue, type: CmapType, keptType: boolean): CmapValue {
    try {
      return normalizeValue(key, type, value)
    } catch (error) {
      if (!keptType || !(error instanceof ClusterError)) throw error
      throw new ClusterError('ERR_INVALID_ARGUMENT', `${error.message} (pass an explicit type to change the key's type)`)
    }
  }

  /** Matching trackers in registration order: exact and prefix lists are each ordered, so merge them. */
  #matching(change: CmapChange): Tracker[] {
    const exact = (this.#exact.get(change.key) ?? []).filter((t) => t.events.has(change.kind))
    const prefixed = this.#prefixTrackers.filter((t) => t.events.has(change.kind) && change.key.startsWith(t.key))
    if (exact.length === 0) return prefixed
    if (prefixed.length === 0) return exact
    const out: Tracker[] = []
    let i = 0
    let j = 0
    while (i < exact.length || j < prefixed.length) {
      const a = exact[i]
      const b = prefixed[j]
      if (b === undefined || (a !== undefined && a.seq < b.seq)) {
        out.push(a as Tracker)
        i++
      } else {
        out.push(b)
        j++
      }
    }
    return out
  }

  #notify(change: CmapChange): void {
    for (const tracker of this.#matching(change)) {
      // A tracker removed by an earlier callback of this same change is skipped.
      if (!tracker.active) continue
      const view: CmapChange = Object.freeze({ ...change, value: expose(change.value), old: expose(change.old) })
      try {
        tracker.callback(view)
      } catch (error) {
        this.#reportTrackerError(error, view)
      }
    }
  }

  #reportTrackerError(error: unknown, change: CmapChange): void {
    try {
      this.#onTrackerError(error, change)
    } catch (hookError) {
      // The hook is user code too; never let it unwind through a write.
      rethrowLater(hookError)
    }
  }
}
