import type { ClusterOptions } from '../cluster/options.js'
import { ConfigError } from '../errors.js'
import { defaultSocketPath, SOCKET_PATH_MAX } from '../ipc/paths.js'
import { resolveGroup } from '../ipc/place.js'

/** Where and how the admin socket is served. */
export interface AdminPlan {
  readonly path: string
  readonly mode: number
  readonly gid: number | undefined
  /** The default directory, which ts-ha creates and keeps at 0750. */
  readonly ownDirectory: boolean
  /** Asked for explicitly: failing to serve it fails start(); the default path only warns. */
  readonly explicit: boolean
}

/** The admin socket plan of these options (undefined with `admin: false`); bad values throw ConfigError naming the key. */
export function adminPlan(options: ClusterOptions): AdminPlan | undefined {
  const admin = options.admin ?? {}
  if (admin === false) return undefined
  if (typeof admin !== 'object' || admin === null) throw new ConfigError('admin', 'must be an object ({ socket, group, mode }) or false')
  if (admin.socket !== undefined) {
    if (typeof admin.socket !== 'string' || admin.socket === '') throw new ConfigError('admin.socket', 'must be a non-empty path')
    if (Buffer.byteLength(admin.socket) > SOCKET_PATH_MAX) throw new ConfigError('admin.socket', `is ${Buffer.byteLength(admin.socket)} bytes long; a Unix socket path holds at most ${SOCKET_PATH_MAX}`)
  }
  const gid = admin.group === undefined ? undefined : resolveGroup(admin.group)
  const mode = admin.mode ?? (gid === undefined ? 0o600 : 0o660)
  if (!Number.isInteger(mode) || mode < 0 || (mode & ~0o660) !== 0 || (mode & 0o600) !== 0o600) {
    throw new ConfigError('admin.mode', `must give the owner read and write and nobody but the group anything (0600, 0640, 0660), got ${typeof mode === 'number' ? `0${mode.toString(8)}` : JSON.stringify(mode)}`)
  }
  return {
    path: admin.socket ?? defaultSocketPath(options.clusterName, options.nodeId), mode, gid,
    ownDirectory: admin.socket === undefined, explicit: admin.socket !== undefined || admin.group !== undefined || admin.mode !== undefined,
  }
}

/** Checks the `metrics` option; returns it normalised, or undefined when off. */
export function metricsPlan(options: ClusterOptions): { readonly port: number; readonly host: string } | undefined {
  const m = options.metrics ?? false
  if (m === false) return undefined
  if (typeof m !== 'object' || m === null) throw new ConfigError('metrics', 'must be an object ({ port, host }) or false')
  if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) throw new ConfigError('metrics.port', `must be an integer from 0 to 65535, got ${JSON.stringify(m.port)}`)
  if (m.host !== undefined && (typeof m.host !== 'string' || m.host === '')) throw new ConfigError('metrics.host', 'must be a non-empty address')
  return { port: m.port, host: m.host ?? '127.0.0.1' }
}
