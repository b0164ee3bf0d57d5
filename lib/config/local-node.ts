/**
 * Which nodelist entry is this host, and loading a corosync.conf file into complete
 * ClusterOptions. corosync finds the local node by matching the nodelist against the
 * host's interface addresses and host name; ts-ha does the same without DNS, and
 * refuses to guess when several entries match.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import type { ClusterOptions, NodeConfig } from '../cluster/options.js'
import { ConfigError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import { canonicalAddr } from './conf-nodelist.js'
import { parseConfText, type ConfigWarning, type ParseOptions } from './conf-parser.js'
import { configFromConf, type ParsedConfig } from './conf-to-options.js'

/** The shape of `os.networkInterfaces()`; only addresses are looked at. */
export type InterfaceMap = Readonly<Record<string, ReadonlyArray<{ readonly address: string }> | undefined>>

const stripZone = (addr: string): string => canonicalAddr(addr).split('%')[0] ?? addr

function describe(node: NodeConfig): string {
  return `${node.nodeId} (${node.addr}${node.name === undefined ? '' : `, name ${node.name}`})`
}

/**
 * Picks this host's node id from the nodelist: the entry whose ring0_addr is one of
 * the host's interface addresses, or whose `name` is the host name (full or up to the
 * first dot, case-insensitive). Throws {@link ConfigError} (key `nodelist`) when no
 * entry or more than one entry matches, listing the candidates.
 */
export function localNodeId(parsed: ParsedConfig, interfaces: InterfaceMap = os.networkInterfaces(), hostname: string = os.hostname()): NodeId {
  const local = new Set<string>()
  for (const list of Object.values(interfaces)) for (const info of list ?? []) local.add(stripZone(info.address))
  const host = hostname.toLowerCase()
  const short = host.split('.')[0] ?? host
  const reasons = new Map<NodeId, string[]>()
  for (const node of parsed.options.nodes) {
    const why: string[] = []
    if (local.has(stripZone(node.addr))) why.push(`address ${node.addr}`)
    const name = node.name?.toLowerCase()
    if (name !== undefined && (name === host || name === short)) why.push(`name ${node.name}`)
    if (why.length > 0) reasons.set(node.nodeId, why)
  }
  const line = parsed.lines.get('nodelist')
  const [only, ...more] = [...reasons.keys()]
  if (only !== undefined && more.length === 0) return only
  if (only === undefined) {
    throw new ConfigError('nodelist', `no node is this host: none has a ring0_addr among this host's addresses ` +
      `(${[...local].join(', ') || 'none'}) or the name "${hostname}". Nodes: ${parsed.options.nodes.map(describe).join('; ')}. ` +
      'Fix the nodelist or pass nodeId explicitly', line)
  }
  const list = [...reasons].map(([id, why]) => `${id} (${why.join(', ')})`).join('; ')
  throw new ConfigError('nodelist', `several nodes match this host: ${list}. Each node needs its own address; ` +
    'or pass nodeId explicitly', line)
}

/** A loaded configuration file. */
export interface LoadedConfig {
  readonly options: ClusterOptions
  readonly warnings: readonly ConfigWarning[]
  /** The flat corosync key space (see {@link ParsedConfig.keys}). */
  readonly keys: ReadonlyMap<string, string | number>
  readonly lines: ReadonlyMap<string, number>
}

/**
 * Reads and maps a corosync.conf file. `overrides` replace parsed options;
 * `overrides.nodeId` skips the local node lookup ({@link localNodeId}). Every error
 * is a {@link ConfigError} whose message names the file.
 */
export function loadConfigFile(path: string, overrides: Partial<ClusterOptions> = {}, parseOptions: ParseOptions = {}): LoadedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(path, `cannot read the configuration file: ${(error as Error).message}`, undefined, { cause: error })
  }
  const parsed = configFromConf(parseConfText(text, path, parseOptions))
  const merged = { ...parsed.options, ...overrides }
  let nodeId: NodeId
  try {
    nodeId = overrides.nodeId ?? localNodeId({ ...parsed, options: merged })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const reason = error.message.replace(/^line [0-9]+: /, '').slice(error.key.length + 2)
    throw new ConfigError(error.key, `${reason} (in ${path})`, error.line, { cause: error })
  }
  if (!merged.nodes.some((n) => n.nodeId === nodeId)) {
    throw new ConfigError('nodeId', `${nodeId} is not in the nodelist of ${path} (ids: ${merged.nodes.map((n) => n.nodeId).join(', ')})`)
  }
  return { options: { ...merged, nodeId }, warnings: parsed.warnings, keys: parsed.keys, lines: parsed.lines }
}
