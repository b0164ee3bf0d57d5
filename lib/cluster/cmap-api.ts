import type { CmapEntry, CmapType, CmapValue } from '../services/cmap-types.js'
import type { CmapStore, CmapTrackCallback, CmapTrackOptions } from '../services/cmap/store.js'

/**
 * `cluster.cmap`: this node's configuration and statistics under corosync's
 * key names (totem.*, nodelist.*, quorum.*, runtime.*). Local to the node, as
 * in corosync; runtime keys are read-only to applications.
 */
export class CmapApi {
  readonly #store: CmapStore

  /** @internal */
  constructor(store: CmapStore) {
    this.#store = store
  }

  get(key: string): CmapValue | undefined {
    return this.#store.getValue(key)
  }

  /** Value with its corosync type. */
  getEntry(key: string): CmapEntry | undefined {
    return this.#store.get(key)
  }

  set(key: string, value: CmapValue, type?: CmapType): void {
    this.#store.set(key, value, type, { client: true })
  }

  delete(key: string): void {
    this.#store.delete(key, { client: true })
  }

  keys(prefix = ''): string[] {
    return this.#store.keys(prefix)
  }

  /** Calls back on every add/modify/delete of keys under `prefix` (or of exactly `prefix` with { prefix: false }); returns untrack. */
  track(prefix: string, callback: CmapTrackCallback, options: CmapTrackOptions = { prefix: true }): () => void {
    return this.#store.track(prefix, options, callback)
  }
}
