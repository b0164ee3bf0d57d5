/**
 * Pacemaker's defaults, and the mapping between the JSON model's camelCased
 * names and Pacemaker's attribute names (used by the XML import and by the
 * scheduler, which works on Pacemaker-named attribute tables so inheritance
 * follows Pacemaker's precedence exactly).
 *
 * @module
 */
import type { ClusterOptions, OpDefaults, ResourceMeta } from './config.js'
import { formatScore, toScore } from './scores.js'

/** Pacemaker 2.1.5's cluster option defaults. */
export const CLUSTER_OPTION_DEFAULTS: Readonly<Required<Omit<ClusterOptions, 'extra' | 'clusterName'>>> = {
  noQuorumPolicy: 'stop',
  fencingEnabled: true,
  fencingAction: 'reboot',
  fencingTimeoutMs: 60_000,
  startupFencing: true,
  concurrentFencing: false,
  symmetricCluster: true,
  startFailureIsFatal: true,
  maintenanceMode: false,
  stopAllResources: false,
  stopOrphanResources: true,
  stopOrphanActions: true,
  enableStartupProbes: true,
  placementStrategy: 'default',
  watchdogFencingTimeoutMs: 0,
  batchLimit: 0,
}

/** Cluster option name in the model → Pacemaker's name. */
export const CLUSTER_OPTION_NAMES: Readonly<Record<keyof Omit<ClusterOptions, 'extra'>, string>> = {
  noQuorumPolicy: 'no-quorum-policy',
  fencingEnabled: 'stonith-enabled',
  fencingAction: 'stonith-action',
  fencingTimeoutMs: 'stonith-timeout',
  startupFencing: 'startup-fencing',
  concurrentFencing: 'concurrent-fencing',
  symmetricCluster: 'symmetric-cluster',
  startFailureIsFatal: 'start-failure-is-fatal',
  maintenanceMode: 'maintenance-mode',
  stopAllResources: 'stop-all-resources',
  stopOrphanResources: 'stop-orphan-resources',
  stopOrphanActions: 'stop-orphan-actions',
  enableStartupProbes: 'enable-startup-probes',
  placementStrategy: 'placement-strategy',
  watchdogFencingTimeoutMs: 'stonith-watchdog-timeout',
  batchLimit: 'batch-limit',
  clusterName: 'cluster-name',
}

/** Resource meta name in the model → Pacemaker's name. */
export const META_NAMES: Readonly<Record<keyof Omit<ResourceMeta, 'extra'>, string>> = {
  targetRole: 'target-role',
  isManaged: 'is-managed',
  maintenance: 'maintenance',
  priority: 'priority',
  stickiness: 'resource-stickiness',
  migrationThreshold: 'migration-threshold',
  failureTimeoutMs: 'failure-timeout',
  multipleActive: 'multiple-active',
  requires: 'requires',
  critical: 'critical',
  cloneMax: 'clone-max',
  cloneNodeMax: 'clone-node-max',
  cloneMin: 'clone-min',
  globallyUnique: 'globally-unique',
  interleave: 'interleave',
  ordered: 'ordered',
  notify: 'notify',
  promotable: 'promotable',
  promotedMax: 'promoted-max',
  promotedNodeMax: 'promoted-node-max',
}

const MS_META = new Set(['failure-timeout'])

/** A model meta object as Pacemaker-named string attributes, in a stable order. */
export function metaToAttributes(meta: ResourceMeta | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (meta === undefined) return out
  for (const [key, name] of Object.entries(META_NAMES) as Array<[keyof typeof META_NAMES, string]>) {
    const value = meta[key]
    if (value === undefined) continue
    out.set(name, attributeText(name, value))
  }
  for (const [name, value] of Object.entries(meta.extra ?? {})) {
    if (!out.has(name)) out.set(name, value)
  }
  return out
}

/** Op defaults as Pacemaker-named attributes. */
export function opDefaultsToAttributes(defaults: OpDefaults | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (defaults === undefined) return out
  if (defaults.timeoutMs !== undefined) out.set('timeout', `${defaults.timeoutMs}ms`)
  if (defaults.onFail !== undefined) out.set('on-fail', defaults.onFail)
  for (const [name, value] of Object.entries(defaults.extra ?? {})) {
    if (!out.has(name)) out.set(name, value)
  }
  return out
}

/** Cluster options as Pacemaker-named attributes (only those set). */
export function optionsToAttributes(options: ClusterOptions | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (options === undefined) return out
  for (const [key, name] of Object.entries(CLUSTER_OPTION_NAMES) as Array<[keyof typeof CLUSTER_OPTION_NAMES, string]>) {
    const value = options[key]
    if (value === undefined) continue
    out.set(name, typeof value === 'number' && name.endsWith('timeout') ? `${value}ms` : String(value))
  }
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (!out.has(name)) out.set(name, value)
  }
  return out
}

function attributeText(name: string, value: unknown): string {
  if (MS_META.has(name) && typeof value === 'number') return `${value}ms`
  if (name === 'resource-stickiness' || name === 'migration-threshold' || name === 'priority') {
    return formatScore(toScore(value as number | string))
  }
  return String(value)
}
