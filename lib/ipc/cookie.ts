import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chownSync, closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { ClusterError } from '../errors.js'
import { ADMIN_COOKIE_BYTES } from './protocol.js'

/** Cookie files are 0640: the node's user writes, the admin group reads. */
export const COOKIE_MODE = 0o640

/**
 * Writes a fresh random cookie (hex) to `path` with mode 0640, atomically
 * (a client never reads half a cookie), owned by `gid` if given.
 */
export function writeCookie(path: string, gid?: number): Buffer {
  const cookie = randomBytes(ADMIN_COOKIE_BYTES)
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'wx', COOKIE_MODE)
  try {
    writeSync(fd, `${cookie.toString('hex')}\n`)
  } finally {
    closeSync(fd)
  }
  try {
    if (gid !== undefined) chownSync(tmp, process.getuid?.() ?? -1, gid)
    renameSync(tmp, path)
  } catch (error) {
    try { unlinkSync(tmp) } catch { /* already gone */ }
    throw error
  }
  return cookie
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`
}

/**
 * Reads a cookie file the way the client must: refuses one that is not a
 * regular file, that others may read or the group may write (whoever can read
 * it can run the node), or that does not hold a cookie.
 */
export function readCookie(path: string): { readonly cookie: Buffer; readonly uid: number } {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new ClusterError('ERR_ACCESS', `no cookie file at ${path} (is the node running? pass --cookie if it lives elsewhere)`)
    if (code === 'EACCES') throw new ClusterError('ERR_ACCESS', `cannot read the cookie ${path}: permission denied (run as the node's user or a member of its admin group)`)
    throw new ClusterError('ERR_ACCESS', `cannot read the cookie ${path}: ${(error as Error).message}`)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new ClusterError('ERR_ACCESS', `the cookie ${path} is not a regular file`)
    if ((st.mode & 0o027) !== 0) {
      throw new ClusterError('ERR_ACCESS', `the cookie ${path} has mode ${octal(st.mode)}: others could use it to run the node, so it is refused (it must be 0640 or stricter: chmod 640 ${path})`)
    }
    const buf = Buffer.alloc(256)
    const n = readSync(fd, buf, 0, buf.length, 0)
    const text = buf.subarray(0, n).toString('utf8').trim()
    if (!new RegExp(`^[0-9a-f]{${ADMIN_COOKIE_BYTES * 2}}$`).test(text)) throw new ClusterError('ERR_ACCESS', `the cookie ${path} does not hold a cookie`)
    return { cookie: Buffer.from(text, 'hex'), uid: st.uid }
  } finally {
    closeSync(fd)
  }
}

/** Constant-time comparison of a presented cookie (hex) with the node's. */
export function cookieMatches(expected: Buffer, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== expected.length * 2 || !/^[0-9a-f]+$/.test(presented)) return false
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'))
}
