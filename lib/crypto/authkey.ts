/**
 * The cluster authkey: a file of random bytes shared by every node, from
 * which {@link FrameCrypto} derives its keys. Same role, size limits and
 * default size as corosync's `/etc/corosync/authkey`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto' // determinism-exempt: key material must come from the OS CSPRNG
import { closeSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ClusterError } from '../errors.js'

/** Bytes {@link generateAuthKey} produces, like `corosync-keygen`. */
export const AUTHKEY_BYTES = 256
/** Smallest key accepted (knet's limit). */
export const AUTHKEY_MIN_BYTES = 128
/** Largest key accepted (knet's limit). */
export const AUTHKEY_MAX_BYTES = 4096
/** Where `ts-ha keygen` writes by default. */
export const DEFAULT_AUTHKEY_PATH = '/etc/ts-ha/authkey'

/** Owner read-only: the key is a shared secret and is never rewritten in place. */
const KEY_MODE = 0o400

/**
 * A fresh random authkey of {@link AUTHKEY_BYTES} bytes. Uses the OS CSPRNG
 * (getrandom / urandom), which never blocks once the kernel pool has been
 * seeded at boot — unlike historical `corosync-keygen`, which read
 * `/dev/random` and could stall for minutes on an idle server.
 */
export function generateAuthKey(): Buffer {
  return randomBytes(AUTHKEY_BYTES) // determinism-exempt: a secret key, never part of a replayed run
}

/** Options of {@link writeAuthKey}. */
export interface WriteAuthKeyOptions {
  /** Replace an existing key file (atomically). Default false: an existing key is never touched. */
  readonly force?: boolean
  /** The key to write; default a fresh {@link generateAuthKey}. */
  readonly key?: Uint8Array
}

/**
 * Writes an authkey file with mode 0400, creating its directory if needed,
 * and returns the key written. Without `force` the file is created with
 * `O_EXCL`, so an existing key (which the rest of the cluster may share) is
 * never overwritten; with `force` the new key is written to a temporary file
 * next to it and renamed over the old one, so a crash leaves either the old
 * or the new key, never a truncated one. Data and directory are fsynced.
 *
 * @throws ClusterError `ERR_EXIST` if the file exists and `force` is not set;
 *   `ERR_CONFIG` if the key is out of range or the file cannot be written.
 */
export function writeAuthKey(path: string, options: WriteAuthKeyOptions = {}): Buffer {
  const key = Buffer.from(options.key ?? generateAuthKey())
  checkKeySize(key.length, path)
  const dir = dirname(path)
  try {
    // 0755 like /etc/corosync: the directory may hold non-secret files too; the key's own mode protects it.
    mkdirSync(dir, { recursive: true, mode: 0o755 })
  } catch (err) {
    // Separate from the file's errors: mkdir reports EEXIST when a path component is a file.
    throw new ClusterError('ERR_CONFIG', `cannot write authkey ${path}: cannot create directory ${dir}: ${errnoOf(err) ?? String(err)}`, { cause: err })
  }
  try {
    if (options.force === true) replaceFile(path, key)
    else createFile(path, key)
    fsyncDirectory(dir)
  } catch (err) {
    throw writeError(err, path)
  }
  return key
}

/**
 * Reads and checks an authkey file. Refuses, with a message saying what to
 * run: a missing file, a file that group or others may read or write (a
 * leaked key lets anyone join the cluster and read its traffic), and a key
 * outside 128..4096 bytes. Mode and size are checked on the open descriptor,
 * so the file checked is the file read.
 *
 * @throws ClusterError `ERR_CONFIG`.
 */
export function readAuthKey(path: string): Buffer {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    throw readError(err, path)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new ClusterError('ERR_CONFIG', `authkey ${path} is not a regular file`)
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0')
      throw new ClusterError('ERR_CONFIG', `authkey ${path} is accessible by group or others (mode ${mode}); run: chmod 400 ${shellQuote(path)}`)
    }
    checkKeySize(st.size, path)
    const key = Buffer.alloc(st.size)
    let got = 0
    while (got < key.length) {
      const n = readSync(fd, key, got, key.length - got, got)
      if (n === 0) break
      got += n
    }
    // The file shrank between fstat and read: report the size actually read.
    checkKeySize(got, path)
    return got === key.length ? key : key.subarray(0, got)
  } catch (err) {
    throw readError(err, path)
  } finally {
    closeSync(fd)
  }
}

function checkKeySize(size: number, path: string): void {
  if (size >= AUTHKEY_MIN_BYTES && size <= AUTHKEY_MAX_BYTES) return
  const side = size < AUTHKEY_MIN_BYTES ? 'short' : 'long'
  throw new ClusterError(
    'ERR_CONFIG',
    `authkey ${path} is too ${side}: ${size} bytes, must be ${AUTHKEY_MIN_BYTES}..${AUTHKEY_MAX_BYTES}; ` +
      `generate a new one with: ts-ha keygen --force -k ${shellQuote(path)} (and copy it to every node)`,
  )
}

/** O_EXCL create: fails with EEXIST rather than touching a key the cluster may already share. */
function createFile(path: string, key: Buffer): void {
  const fd = openSync(path, 'wx', KEY_MODE)
  try {
    writeKey(fd, key)
  } catch (err) {
    closeSync(fd)
    // We created it, so a half-written file is ours to remove.
    tryUnlink(path)
    throw err
  }
  closeSync(fd)
}

/** Write-then-rename in the same directory: rename(2) is atomic, so readers see the old key or the new one. */
function replaceFile(path: string, key: Buffer): void {
  const unique = `${process.pid}.${randomBytes(4).toString('hex')}` // determinism-exempt: temp name, file I/O only
  const tmp = join(dirname(path), `.${basename(path)}.${unique}.tmp`)
  const fd = openSync(tmp, 'wx', KEY_MODE)
  try {
    writeKey(fd, key)
    closeSync(fd)
    renameSync(tmp, path)
  } catch (err) {
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    tryUnlink(tmp)
    throw err
  }
}

function writeKey(fd: number, key: Buffer): void {
  // The open() mode is masked by the umask; fchmod makes it exactly 0400 whatever the umask.
  fchmodSync(fd, KEY_MODE)
  let done = 0
  while (done < key.length) done += writeSync(fd, key, done, key.length - done)
  fsyncSync(fd)
}

/** Makes the new directory entry durable; some filesystems refuse fsync on a directory, which is harmless. */
function fsyncDirectory(dir: string): void {
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    return
  }
  try {
    fsyncSync(fd)
  } catch {
    // EINVAL on filesystems without directory fsync.
  } finally {
    closeSync(fd)
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // nothing to clean up
  }
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

function writeError(err: unknown, path: string): ClusterError {
  if (err instanceof ClusterError) return err
  const code = errnoOf(err)
  if (code === 'EEXIST') {
    return new ClusterError('ERR_EXIST', `authkey ${path} already exists; not overwriting it (use --force to replace it, then copy it to every node)`, { cause: err })
  }
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied (run as root, or choose another path with -k)' : String(err instanceof Error ? err.message : err)
  return new ClusterError('ERR_CONFIG', `cannot write authkey ${path}: ${why}`, { cause: err })
}

function readError(err: unknown, path: string): ClusterError {
  if (err instanceof ClusterError) return err
  const code = errnoOf(err)
  if (code === 'ENOENT') {
    return new ClusterError('ERR_CONFIG', `authkey ${path} does not exist; create one with: ts-ha keygen -k ${shellQuote(path)} (then copy it to every node)`, { cause: err })
  }
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied (run as the key owner)' : String(err instanceof Error ? err.message : err)
  return new ClusterError('ERR_CONFIG', `cannot read authkey ${path}: ${why}`, { cause: err })
}

/** Quotes a path for a copy-pasteable hint; plain paths stay unquoted so the common case reads naturally. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
