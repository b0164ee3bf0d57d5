import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { threadId } from 'node:worker_threads'
import { ClusterError } from '../errors.js'

/**
 * Where a node keeps the highest ring sequence number it has used, so that a
 * restarted node never forms a ring with an id that was already in use
 * (corosync's `ringid_<nodeid>` file).
 */
export interface RingSeqStore {
  load(): number
  /** Durable when it returns: Totem sends the commit token right after. */
  save(seq: number): void
}

/** Kept in memory only: ring ids restart from 0 with the process (tests, examples). */
export function memoryRingStore(initial = 0): RingSeqStore {
  let value = initial
  return { load: () => value, save: (seq) => { value = seq } }
}

/** A file holding the seq as decimal text, replaced atomically and fsynced. */
export function fileRingStore(path: string): RingSeqStore {
  // Writers in other threads or processes may share a directory: each uses its own temporary file.
  const tmp = `${path}.${process.pid}.${threadId}.tmp`
  return {
    load(): number {
      let text: string
      try {
        text = readFileSync(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
        throw new ClusterError('ERR_CONFIG', `cannot read the ring id file ${path}: ${(error as Error).message}`, { cause: error })
      }
      const seq = Number(text.trim())
      if (!Number.isSafeInteger(seq) || seq < 0) {
        throw new ClusterError('ERR_CONFIG', `the ring id file ${path} is corrupt (${JSON.stringify(text.slice(0, 40))}); delete it to start over`)
      }
      return seq
    },
    save(seq: number): void {
      mkdirSync(dirname(path), { recursive: true })
      const fd = openSync(tmp, 'w', 0o600)
      try {
        writeSync(fd, `${seq}\n`)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(tmp, path)
    },
  }
}
