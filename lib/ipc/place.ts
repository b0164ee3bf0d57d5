import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync, type Stats } from 'node:fs'
import { connect } from 'node:net'
import { dirname } from 'node:path'
import { ClusterError, ConfigError } from '../errors.js'
import { SOCKET_PATH_MAX } from './paths.js'

/** The admin directory: owner rwx, group r-x (to reach the socket), others nothing. */
export const ADMIN_DIR_MODE = 0o750

function myUid(): number {
  return process.getuid?.() ?? -1
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** A group by name or id → its gid (Node has no getgrnam: /etc/group is read). */
export function resolveGroup(group: string | number, groupFile = '/etc/group'): number {
  if (typeof group === 'number') {
    if (!Number.isInteger(group) || group < 0) throw new ConfigError('admin.group', `must be a group name or a gid ≥ 0, got ${group}`)
    return group
  }
  if (/^\d+$/.test(group)) return Number(group)
  let text = ''
  try { text = readFileSync(groupFile, 'utf8') } catch { /* no group database: the name is unknown */ }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':')
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid)
  }
  throw new ConfigError('admin.group', `no group named ${JSON.stringify(group)} in ${groupFile}`)
}

/**
 * Makes sure the socket's directory exists, belongs to this user (or root)
 * and, when `own` (the default directory, which ts-ha manages), has mode
 * 0750 and the admin group.
 */
export function prepareDirectory(dir: string, own: boolean, gid: number | undefined): void {
  let st = lstatOrUndefined(dir)
  if (st === undefined) {
    mkdirSync(dir, { recursive: true, mode: ADMIN_DIR_MODE })
    st = lstatSync(dir)
  }
  if (!st.isDirectory()) throw new ClusterError('ERR_ACCESS', `admin socket directory ${dir} is not a directory`)
  if (st.uid !== myUid() && st.uid !== 0) throw new ClusterError('ERR_ACCESS', `admin socket directory ${dir} belongs to uid ${st.uid}, not to this user (${myUid()})`)
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) throw new ClusterError('ERR_ACCESS', `admin socket directory ${dir} is writable by everyone without the sticky bit`)
  if (!own || st.uid !== myUid()) return
  if ((st.mode & 0o777) !== ADMIN_DIR_MODE) chmodSync(dir, ADMIN_DIR_MODE)
  if (gid !== undefined && st.gid !== gid) chownSync(dir, myUid(), gid)
}

/** Whether something accepts connections at `path`. */
export function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { resolve(false) })
  })
}

/**
 * Clears the way for a socket at `path`: a stale one of ours (its node died)
 * is removed; a live one, another user's, or a file that is not a socket is
 * refused with the reason.
 */
export async function clearSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > SOCKET_PATH_MAX) {
    throw new ConfigError('admin.socket', `${path} is ${Buffer.byteLength(path)} bytes long; a Unix socket path holds at most ${SOCKET_PATH_MAX}`)
  }
  const st = lstatOrUndefined(path)
  if (st === undefined) return
  if (!st.isSocket()) throw new ClusterError('ERR_ACCESS', `${path} exists and is not a socket; refusing to replace it`)
  if (st.uid !== myUid()) throw new ClusterError('ERR_ACCESS', `${path} belongs to uid ${st.uid}, not to this user (${myUid()}); refusing to replace it`)
  if (await probe(path)) throw new ClusterError('ERR_EXIST', `another process already serves ${path} (a second node with the same cluster name and node id?)`)
  unlinkSync(path)
}

/** The socket's directory. */
export function socketDir(path: string): string {
  return dirname(path)
}

/** Removes `path` if it is still the file we created (same inode), so a successor's socket is never deleted. */
export function removeIfOurs(path: string, ino: number | undefined): void {
  const st = lstatOrUndefined(path)
  if (st === undefined || (ino !== undefined && st.ino !== ino)) return
  try { unlinkSync(path) } catch { /* already gone */ }
}
