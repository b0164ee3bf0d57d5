import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
export const SOCKET_PATH_MAX = 107

function uid(): number {
  return process.getuid?.() ?? -1
}

/**
 * Where nodes put their admin sockets by default: `/run/ts-ha` as root,
 * else `$XDG_RUNTIME_DIR/ts-ha`, else a per-user directory under the
 * temporary directory.
 */
export function defaultAdminDir(env: NodeJS.ProcessEnv = process.env, userId: number = uid()): string {
  if (userId === 0) return '/run/ts-ha'
  const runtime = env['XDG_RUNTIME_DIR']
  if (runtime !== undefined && runtime !== '') return join(runtime, 'ts-ha')
  return join(tmpdir(), `ts-ha-${userId}`)
}

/** `<cluster>-<nodeId>.sock`, with characters a file name should not carry replaced. */
export function socketFileName(clusterName: string, nodeId: number): string {
  return `${clusterName.replace(/[^A-Za-z0-9._-]/g, '_')}-${nodeId}.sock`
}

export function defaultSocketPath(clusterName: string, nodeId: number): string {
  return join(defaultAdminDir(), socketFileName(clusterName, nodeId))
}

/** The cookie file beside a socket: `demo-1.sock` → `demo-1.cookie`. */
export function cookiePathFor(socket: string): string {
  return socket.endsWith('.sock') ? `${socket.slice(0, -'.sock'.length)}.cookie` : `${socket}.cookie`
}

/** The `*.sock` files in a directory (none if it does not exist), sorted. */
export function socketsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.sock')).sort().map((f) => join(dir, f))
  } catch {
    return []
  }
}
