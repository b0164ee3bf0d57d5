/**
 * Pacemaker-named attribute tables → the JSON model's typed meta, options
 * and op defaults. Values that do not parse are kept verbatim under `extra`
 * so the scheduler sees exactly what Pacemaker would.
 *
 * @module
 */
import type { ClusterOptions, MultipleActive, OnFail, OpDefaults, Requires, ResourceMeta } from '../model/config.js'
import { CLUSTER_OPTION_NAMES, META_NAMES } from '../model/defaults.js'
import { INFINITY, toScore } from '../model/scores.js'
import { parseBool, parseIntervalMs, parseRole } from './xml-values.js'

type Parser = (raw: string) => unknown

const int: Parser = (raw) => (/^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : undefined)
const score: Parser = (raw) => {
  const t = raw.trim().toLowerCase()
  if (t === 'default') return undefined
  if (t === 'infinity' || t === '+infinity') return 'INFINITY'
  if (t === '-infinity') return '-INFINITY'
  return /^[+-]?\d+$/.test(t) ? toScore(t) : undefined
}
const bool: Parser = (raw) => parseBool(raw)
const ms: Parser = (raw) => parseIntervalMs(raw)
const oneOf = (...values: string[]): Parser => (raw) => (values.includes(raw) ? raw : undefined)

const META_PARSERS: Record<keyof Omit<ResourceMeta, 'extra'>, Parser> = {
  targetRole: (raw) => parseRole(raw),
  isManaged: bool,
  maintenance: bool,
  priority: (raw) => (score(raw) === undefined ? undefined : toScore(raw)),
  stickiness: score,
  migrationThreshold: (raw) => {
    const s = score(raw)
    return s === undefined ? undefined : Math.min(toScore(s as string | number), INFINITY)
  },
  failureTimeoutMs: ms,
  multipleActive: oneOf('stop_start', 'stop_only', 'block', 'stop_unexpected') as Parser,
  requires: oneOf('nothing', 'quorum', 'fencing', 'unfencing'),
  critical: bool,
  cloneMax: int,
  cloneNodeMax: int,
  cloneMin: int,
  globallyUnique: bool,
  interleave: bool,
  ordered: bool,
  notify: bool,
  promotable: bool,
  promotedMax: int,
  promotedNodeMax: int,
}

const LEGACY_META: Readonly<Record<string, string>> = {
  'master-max': 'promoted-max',
  'master-node-max': 'promoted-node-max',
}

/** Resource meta-attributes as the typed model. */
export function toResourceMeta(attrs: Map<string, string>): ResourceMeta | undefined {
  if (attrs.size === 0) return undefined
  const meta: Record<string, unknown> = {}
  const extra: Record<string, string> = {}
  const byName = new Map(Object.entries(META_NAMES).map(([k, n]) => [n, k as keyof typeof META_PARSERS]))
  for (const [rawName, raw] of attrs) {
    const name = LEGACY_META[rawName] !== undefined && !attrs.has(LEGACY_META[rawName]!) ? LEGACY_META[rawName]! : rawName
    const key = byName.get(name)
    const value = key === undefined ? undefined : META_PARSERS[key](raw)
    if (key !== undefined && value !== undefined) meta[key] = value
    else extra[rawName] = raw
  }
  if (Object.keys(extra).length > 0) meta['extra'] = extra
  return meta as ResourceMeta
}

const OPTION_PARSERS: Record<keyof Omit<ClusterOptions, 'extra'>, Parser> = {
  noQuorumPolicy: oneOf('stop', 'freeze', 'ignore', 'demote', 'suicide'),
  fencingEnabled: bool,
  fencingAction: (raw) => (raw === 'poweroff' ? 'off' : oneOf('reboot', 'off')(raw)),
  fencingTimeoutMs: ms,
  startupFencing: bool,
  concurrentFencing: bool,
  symmetricCluster: bool,
  startFailureIsFatal: bool,
  maintenanceMode: bool,
  stopAllResources: bool,
  stopOrphanResources: bool,
  stopOrphanActions: bool,
  enableStartupProbes: bool,
  placementStrategy: oneOf('default', 'utilization', 'minimal', 'balanced'),
  watchdogFencingTimeoutMs: ms,
  batchLimit: int,
  clusterName: (raw) => raw,
}

/** Cluster properties as typed options. */
export function toClusterOptions(attrs: Map<string, string>): ClusterOptions {
  const options: Record<string, unknown> = {}
  const extra: Record<string, string> = {}
  const byName = new Map(Object.entries(CLUSTER_OPTION_NAMES).map(([k, n]) => [n, k as keyof typeof OPTION_PARSERS]))
  for (const [name, raw] of attrs) {
    const key = byName.get(name === 'fencing-enabled' ? 'stonith-enabled' : name)
    const value = key === undefined ? undefined : OPTION_PARSERS[key](raw)
    if (key !== undefined && value !== undefined) options[key] = value
    else extra[name] = raw
  }
  if (Object.keys(extra).length > 0) options['extra'] = extra
  return options as ClusterOptions
}

const ON_FAIL = new Set<string>(['ignore', 'block', 'stop', 'restart', 'fence', 'standby', 'demote'])

/** Op defaults as the typed model. */
export function toOpDefaults(attrs: Map<string, string>): OpDefaults {
  const out: OpDefaults = {}
  const extra: Record<string, string> = {}
  for (const [name, raw] of attrs) {
    const timeout = name === 'timeout' ? parseIntervalMs(raw) : undefined
    if (timeout !== undefined) out.timeoutMs = timeout
    else if (name === 'on-fail' && ON_FAIL.has(raw)) out.onFail = raw as OnFail
    else extra[name] = raw
  }
  if (Object.keys(extra).length > 0) out.extra = extra
  return out
}

/** Narrowing helpers shared with the resource import. */
export const isOnFail = (raw: string | undefined): raw is OnFail => raw !== undefined && ON_FAIL.has(raw)
export type { MultipleActive, Requires }
