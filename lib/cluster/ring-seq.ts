import { ConfigError } from '../errors.js'
import { fileRingStore, memoryRingStore, type RingSeqStore } from '../runtime/ring-store.js'
import type { LogLevel } from './logger.js'
import type { RingFile } from './state-dir.js'

/**
 * The ring sequence a node starts from: the highest it saved, and never less
 * than the wall clock in milliseconds. Fencing tokens are at least ring seq
 * × 2²⁰ (LCK), so this is what keeps them growing across restarts:
 *
 * - with the ring id file kept (the default per-user state directory, or
 *   `stateDir`), whatever the clocks do;
 * - with it lost (or `stateDir: false`), as long as the wall clock of some
 *   node of the new quorate ring reads later than it did when the previous
 *   ring's seq was chosen (each membership change adds only 4 to the seq,
 *   far slower than a clock advances in ms).
 */
export function engineRingStore(file: RingFile, log: (level: LogLevel, layer: string, msg: string) => void): { store: RingSeqStore; initialSeq: number } {
  const floor = Date.now()
  if (file.path === undefined) return { store: memoryRingStore(floor), initialSeq: floor }
  const store = fileRingStore(file.path)
  let saved: number
  try {
    saved = store.load()
  } catch (error) {
    if (file.explicit) throw new ConfigError('stateDir', (error as Error).message, undefined, { cause: error })
    log('warn', 'runtime', `cannot use the default state directory (${(error as Error).message}); ring ids rest on the wall clock only`)
    return { store: memoryRingStore(floor), initialSeq: floor }
  }
  return { store: file.explicit ? store : tolerant(store, log), initialSeq: Math.max(saved, floor) }
}

/** The default directory may be read-only (containers): warn once and run on, instead of failing at the first ring. */
function tolerant(store: RingSeqStore, log: (level: LogLevel, layer: string, msg: string) => void): RingSeqStore {
  let warned = false
  return {
    load: () => store.load(),
    save(seq) {
      try {
        store.save(seq)
      } catch (error) {
        if (!warned) log('warn', 'runtime', `cannot save the ring id in the default state directory (${(error as Error).message}); set stateDir`)
        warned = true
      }
    },
  }
}
