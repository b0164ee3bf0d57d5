import { homedir } from 'node:os'
import { join } from 'node:path'
import type { ClusterOptions } from './options.js'

/** Where this node's ring id file lives, and whether the application chose the place. */
export interface RingFile {
  readonly path: string | undefined
  /** An explicit `stateDir`: failing to use it is a ConfigError. The default one only warns. */
  readonly explicit: boolean
}

/**
 * The per-user default (XDG base directory spec): `$XDG_STATE_HOME/ts-ha/<cluster>`
 * or `~/.local/state/ts-ha/<cluster>`. One directory per cluster name, so two
 * clusters on one machine with the same node ids do not share a file.
 */
export function ringFile(options: Pick<ClusterOptions, 'clusterName' | 'nodeId' | 'stateDir'>): RingFile {
  if (options.stateDir === false) return { path: undefined, explicit: true }
  if (options.stateDir !== undefined) return { path: join(options.stateDir, `ringid_${options.nodeId}`), explicit: true }
  const base = process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state')
  return { path: join(base, 'ts-ha', encodeURIComponent(options.clusterName), `ringid_${options.nodeId}`), explicit: false }
}
