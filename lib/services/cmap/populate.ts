/**
 * Fills a {@link CmapStore} with the key families corosync exposes: the
 * configuration (`totem.*`, `nodelist.*`, `quorum.*`), the effective totem
 * values (`runtime.config.totem.*`), members (`runtime.members.*`) and protocol
 * statistics (`runtime.totem.stats.*`). Pure functions: all writes are
 * internal (read-only rules do not apply) and identical values do not notify.
 */
import type { ClusterOptions, QuorumOptions } from '../../cluster/options.js'
import type { TotemConfig, TotemOptions } from '../../totem/config.js'
import type { NodeId } from '../../totem/ring-id.js'
import type { SrpStats } from '../../totem/srp/stats.js'
import type { TransportStats } from '../../transport/transport.js'
import type { CmapType } from '../cmap-types.js'
import type { CmapStore } from './store.js'
import { inferType, toValidKeyPart } from './values.js'

/** corosync's default `mcastport`. */
const DEFAULT_PORT = 5405

/** `tokenRetransmitsBeforeLossConst` → `token_retransmits_before_loss_const` (corosync's spelling). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** Records every key written, so typed keys can shadow the raw `extra` ones. */
class Writer {
  readonly written = new Set<string>()

  constructor(private readonly store: CmapStore) {}

  set(key: string, value: string | number, type: CmapType): void {
    this.store.set(key, value, type)
    this.written.add(key)
  }
}

/** Configured totem options as corosync.conf would hold them: u32 numbers, yes/no booleans. */
function totemKeys(w: Writer, options: ClusterOptions): void {
  w.set('totem.version', 2, 'uint32')
  w.set('totem.cluster_name', options.clusterName, 'string')
  w.set('totem.transport', options.transport ?? 'udpu', 'string')
  w.set('totem.nodeid', options.nodeId, 'uint32')
  const secauth = options.secauth ?? false
  w.set('totem.secauth', secauth === false ? 'off' : 'on', 'string')
  // Only the key file's path: the key itself must never be readable through cmap.
  if (secauth !== false && 'keyFile' in secauth) w.set('totem.keyfile', secauth.keyFile, 'string')
  // corosync stores the effective port for UDP/UDPU even when the file leaves it out.
  w.set('totem.interface.0.mcastport', options.port ?? DEFAULT_PORT, 'uint16')
  if (options.mcastAddr !== undefined) w.set('totem.interface.0.mcastaddr', options.mcastAddr, 'string')
  if (options.ttl !== undefined) w.set('totem.interface.0.ttl', options.ttl, 'uint8')
  if (options.bindAddr !== undefined) w.set('totem.interface.0.bindnetaddr', options.bindAddr, 'string')
  const configured: TotemOptions = options.totem ?? {}
  for (const [name, value] of Object.entries(configured)) {
    if (typeof value === 'boolean') w.set(`totem.${snakeCase(name)}`, value ? 'yes' : 'no', 'string')
    else if (typeof value === 'number') w.set(`totem.${snakeCase(name)}`, value, 'uint32')
  }
}

/** Every effective value, including derived ones, as u32 (booleans 0/1, as corosync does). */
function runtimeTotemKeys(w: Writer, config: TotemConfig): void {
  for (const [name, value] of Object.entries(config)) {
    if (typeof value === 'boolean') w.set(`runtime.config.totem.${snakeCase(name)}`, value ? 1 : 0, 'uint32')
    else if (typeof value === 'number') w.set(`runtime.config.totem.${snakeCase(name)}`, value, 'uint32')
  }
}

function nodelistKeys(w: Writer, options: ClusterOptions): void {
  options.nodes.forEach((node, i) => {
    const base = `nodelist.node.${i}`
    w.set(`${base}.nodeid`, node.nodeId, 'uint32')
    w.set(`${base}.ring0_addr`, node.addr, 'string')
    w.set(`${base}.name`, node.name ?? `node${node.nodeId}`, 'string')
    w.set(`${base}.quorum_votes`, node.votes ?? 1, 'uint32')
  })
  const local = options.nodes.findIndex((node) => node.nodeId === options.nodeId)
  if (local >= 0) w.set('nodelist.local_node_pos', local, 'uint32')
}

/**
 * After a reload with fewer nodes the positions beyond the list no longer exist.
 * Keys written by this run (from `extra`) are kept, so an unchanged reload stays silent.
 */
function dropStaleNodes(store: CmapStore, nodeCount: number, written: ReadonlySet<string>): void {
  for (const key of store.keys('nodelist.node.')) {
    const index = Number(key.slice('nodelist.node.'.length).split('.')[0])
    if (Number.isInteger(index) && index >= nodeCount && !written.has(key)) store.delete(key)
  }
}

/** corosync.conf `quorum { }` keys, present only when configured (as in the file). */
function quorumKeys(w: Writer, quorum: QuorumOptions): void {
  if ((quorum.provider ?? 'votequorum') === 'votequorum') w.set('quorum.provider', 'corosync_votequorum', 'string')
  const flag = (key: string, value: boolean | undefined): void => {
    if (value !== undefined) w.set(`quorum.${key}`, value ? 1 : 0, 'uint8')
  }
  if (quorum.expectedVotes !== undefined) w.set('quorum.expected_votes', quorum.expectedVotes, 'uint32')
  flag('two_node', quorum.twoNode)
  flag('wait_for_all', quorum.waitForAll)
  flag('last_man_standing', quorum.lastManStanding)
  if (quorum.lastManStandingWindow !== undefined) {
    w.set('quorum.last_man_standing_window', quorum.lastManStandingWindow, 'uint32')
  }
  flag('auto_tie_breaker', quorum.autoTieBreaker)
  const atbNode = quorum.autoTieBreakerNode
  if (atbNode !== undefined) {
    // votequorum(5): "lowest", "highest" or a space-separated list of node ids.
    w.set('quorum.auto_tie_breaker_node', typeof atbNode === 'string' ? atbNode : atbNode.join(' '), 'string')
  }
}

/**
 * Writes the configuration keys: `totem.*` (identity, transport, secauth and
 * each explicitly configured totem option), `runtime.config.totem.<name>` for
 * every effective {@link TotemConfig} value (u32), `nodelist.node.<i>.*`,
 * `nodelist.local_node_pos` and `quorum.*`. `extra` holds raw keys of a parsed
 * corosync.conf (logging.*, system.*, …), stored as strings or inferred numbers;
 * they never override a key written here.
 * @returns the keys written.
 */
export function configKeys(
  store: CmapStore, options: ClusterOptions, config: TotemConfig, extra?: ReadonlyMap<string, string | number>,
): ReadonlySet<string> {
  const w = new Writer(store)
  totemKeys(w, options)
  runtimeTotemKeys(w, config)
  nodelistKeys(w, options)
  quorumKeys(w, options.quorum ?? {})
  const typed = new Set(w.written)
  for (const [key, value] of extra ?? []) {
    if (!typed.has(key)) w.set(key, value, typeof value === 'string' ? 'string' : inferType(value))
  }
  dropStaleNodes(store, options.nodes.length, w.written)
  return w.written
}

/** One member as `runtime.members.<nodeid>.*` describes it. */
export interface CmapMember {
  readonly nodeId: NodeId
  readonly addr: string
  /** Times the node joined this node's membership (corosync increments it on every rejoin). */
  readonly joinCount: number
  readonly status: 'joined' | 'left'
}

/**
 * Writes `runtime.members.<nodeid>.ip` (corosync's `r(0) ip(<addr>)`),
 * `.join_count` (u32) and `.status` (`joined`/`left`) for each member.
 */
export function memberKeys(store: CmapStore, members: readonly CmapMember[]): void {
  for (const member of members) {
    const base = `runtime.members.${member.nodeId}`
    store.set(`${base}.ip`, `r(0) ip(${member.addr})`, 'string')
    store.set(`${base}.join_count`, member.joinCount, 'uint32')
    store.set(`${base}.status`, member.status, 'string')
  }
}

/** Runtime figures that are not protocol or transport counters. */
export interface CmapStatsExtra {
  /** Received frames dropped before Totem, by reason (e.g. decode failures). */
  readonly rxDropped: Readonly<Record<string, number>>
  /** Latest measured event-loop lag of the engine's thread, in ms. */
  readonly eventLoopLagMs?: number
  /** Longest recent stall of the application's main thread, in ms. */
  readonly mainThreadStallMs?: number
}

function counters(store: CmapStore, prefix: string, values: object): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'number') store.set(`${prefix}${snakeCase(name)}`, value, 'uint64')
  }
}

/**
 * Writes `runtime.totem.stats.srp.<counter>` for every {@link SrpStats} field,
 * `runtime.totem.stats.net.<counter>` for every {@link TransportStats} field,
 * `runtime.totem.stats.net.rx_dropped.<reason>` (u64 counters) and the two
 * latency figures `runtime.totem.stats.event_loop_lag_ms` /
 * `main_thread_stall_ms` (double: they are measurements, not counts). Meant to
 * run periodically: unchanged values cost a comparison and notify nobody.
 */
export function statsKeys(store: CmapStore, srp: SrpStats, transport: TransportStats, extra: CmapStatsExtra): void {
  counters(store, 'runtime.totem.stats.srp.', srp)
  counters(store, 'runtime.totem.stats.net.', transport)
  for (const [reason, count] of Object.entries(extra.rxDropped)) {
    // Reasons are free-form runtime strings; map them onto the key alphabet like corosync does.
    store.set(`runtime.totem.stats.net.rx_dropped.${toValidKeyPart(reason)}`, count, 'uint64')
  }
  if (extra.eventLoopLagMs !== undefined) store.set('runtime.totem.stats.event_loop_lag_ms', extra.eventLoopLagMs, 'double')
  if (extra.mainThreadStallMs !== undefined) {
    store.set('runtime.totem.stats.main_thread_stall_ms', extra.mainThreadStallMs, 'double')
  }
}
