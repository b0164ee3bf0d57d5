/**
 * corosync.conf tree → ts-ha ClusterOptions. Two passes, like corosync: the tree is
 * first flattened into the typed key space CMAP sees (conf-keys), then the options
 * are read from those keys (conf-totem, conf-nodelist, conf-quorum), so every error
 * and warning can name the corosync key and its line.
 */
import type { ClusterOptions } from '../cluster/options.js'
import { ConfigError } from '../errors.js'
import { totemConfig, type TotemOptions } from '../totem/config.js'
import { flattenConf } from './conf-keys.js'
import { readNodelist } from './conf-nodelist.js'
import type { ConfigWarning, ConfSection } from './conf-parser.js'
import { readQuorum } from './conf-quorum.js'
import { ConfReader } from './conf-reader.js'
import { readTotem, TOTEM_KEYS } from './conf-totem.js'

export type { ConfigWarning } from './conf-parser.js'

/** The result of reading a corosync.conf. */
export interface ParsedConfig {
  /** Everything but nodeId (chosen later, see localNodeId). */
  readonly options: Omit<ClusterOptions, 'nodeId'>
  readonly warnings: readonly ConfigWarning[]
  /**
   * Flat corosync key space as CMAP sees it: 'totem.token' → value,
   * 'nodelist.node.0.ring0_addr' → …, 'logging.to_syslog' → … (typed: numbers for
   * corosync's typed keys, strings otherwise; a u64 beyond 2^53 stays a string).
   */
  readonly keys: ReadonlyMap<string, string | number>
  /** Where each key came from, for error messages; section paths ('totem', 'nodelist.node.0') too. */
  readonly lines: ReadonlyMap<string, number>
}

/** Sections ts-ha reads, or accepts silently because they only tune corosync's own process. */
const SILENT = new Set(['totem', 'nodelist', 'quorum', 'logging', 'system'])
/** The sub-sections ts-ha reads inside its own sections (others get a warning). */
const SUBSECTIONS: Readonly<Record<string, readonly string[]>> = { totem: ['interface'], nodelist: ['node'], quorum: ['device'] }
/** corosync sections without an equivalent in ts-ha. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  uidgid: 'IPC access control does not apply: ts-ha runs inside your process',
  resources: 'resource monitoring (watchdog, memory) is not part of ts-ha',
  nozzle: 'the knet tap device is not supported',
  pload: 'the pload test service is not supported',
}

/**
 * Maps a parsed corosync.conf (see {@link parseConfText}) to ts-ha options. Throws
 * {@link ConfigError} naming the corosync key and line for anything ts-ha cannot run
 * with; everything it accepts but ignores is reported in `warnings`.
 */
export function configFromConf(tree: ConfSection): ParsedConfig {
  const r = new ConfReader(tree.file, [...(tree.warnings ?? [])])
  flattenConf(tree, r)
  warnSections(r, tree)
  const totem = readTotem(r)
  const nodes = readNodelist(r, totem.clearNodeHighBit)
  const quorum = readQuorum(r, nodes)
  validateTotem(r, totem.totem, nodes.length)
  const options: Omit<ClusterOptions, 'nodeId'> = {
    clusterName: totem.clusterName,
    nodes,
    transport: totem.transport,
    ...totem.network,
    totem: totem.totem,
    quorum,
    secauth: totem.secauth,
  }
  // In file order, whichever pass found them (the sort is stable).
  const warnings = [...r.warnings].sort((a, b) => a.line - b.line)
  return { options, warnings, keys: r.keys, lines: r.lines }
}

/** One warning per section ts-ha ignores, and per stray top-level key. */
function warnSections(r: ConfReader, tree: ConfSection): void {
  for (const item of tree.items) {
    if (item.kind === 'key') {
      r.warn(item.name, `top-level key '${item.name}' is outside any section and is ignored`, item.line)
      continue
    }
    if (!SILENT.has(item.name)) r.warn(item.name, `section '${item.name}' is ignored: ${sectionReason(item)}`, item.line)
    const allowed = SUBSECTIONS[item.name]
    if (allowed === undefined) continue
    for (const sub of item.items) {
      if (sub.kind === 'section' && !allowed.includes(sub.name)) {
        r.warn(sub.path, `unknown section '${sub.name}' in ${item.name} is ignored (misspelt?)`, sub.line)
      }
    }
  }
}

function sectionReason(section: ConfSection): string {
  const known = NO_EFFECT[section.name]
  if (known !== undefined) return known
  const keys = section.items.filter((i) => i.kind === 'key')
  const name = keys.filter((k) => k.name === 'name').pop()?.value
  switch (section.name) {
    case 'service':
      return name === 'pacemaker'
        ? 'ts-ha has a built-in resource manager: use cluster.resources'
        : `corosync 1.x/2.x plugin loading${name === undefined ? '' : ` ('${name}')`} has no equivalent in ts-ha`
    case 'aisexec':
      return 'the OpenAIS/corosync 1.x process identity does not apply: ts-ha runs inside your process'
    case 'amf':
      return 'the OpenAIS availability management framework is not part of ts-ha'
    default:
      return 'ts-ha does not know this section'
  }
}

/** Timers corosync derives from the effective token when they are not set. */
const DERIVED = new Set(['token_retransmit', 'hold', 'consensus'])

/** Runs totemConfig's derivation checks and re-throws with the corosync key and line. */
function validateTotem(r: ConfReader, totem: TotemOptions, nodeCount: number): void {
  try {
    totemConfig(totem, nodeCount)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const field = error.key.replace(/^totem\./, '')
    const corosync = TOTEM_KEYS.find(([, f]) => f === field)?.[0] ?? field
    const key = `totem.${corosync}`
    // The inner message starts with "totem.<field>: "; keep only the reason, in corosync's words.
    let reason = error.message.startsWith(`${error.key}: `) ? error.message.slice(error.key.length + 2) : error.message
    for (const [snake, camel] of TOTEM_KEYS) reason = reason.replaceAll(`totem.${camel}`, `totem.${snake}`)
    const line = r.lines.get(key) ?? r.lines.get('totem')
    const derived = !r.has(key) && DERIVED.has(corosync) ? ' (derived from token and the node count; set it explicitly or raise token)' : ''
    throw new ConfigError(key, `${reason}${derived}${r.file === undefined ? '' : ` (in ${r.file})`}`, line, { cause: error })
  }
}
