import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'
import { resolveQuorumConfig } from '../services/quorum/config.js'
import { CPG_GROUP_NAME_MAX } from '../services/cpg/types.js'
import type { TotemOptions } from '../totem/config.js'
import { NODES_MAX } from '../wire/codec.js'
import {
  abortSignal, array, boolean, bytesOrString, duration, either, fail, func, integer, object, oneOf, options, string,
  type Kind, type Rule, type Shape,
} from './check.js'
import { clusterTotemConfig } from './engine-runtime.js'
import type { Logger } from './logger.js'
import type { AdminOptions, ClusterOptions, LockOptions, MetricsOptions, NodeConfig, QuorumOptions } from './options.js'

/**
 * The one boundary where the public API's inputs are checked: `new Cluster()`
 * options raise ConfigError naming the option path, call arguments raise
 * InvalidArgumentError naming the argument. Nothing behind this layer
 * re-checks types.
 */

const nodeIdRule = integer(1, 0xffffffff)
const u32 = integer(0, 0xffffffff)
const ms = integer(0, Number.MAX_SAFE_INTEGER)

const node: Shape<NodeConfig> = { nodeId: nodeIdRule, addr: string({ nonEmpty: true }), name: string({ nonEmpty: true }), votes: u32 }

const quorum: Shape<QuorumOptions> = {
  provider: oneOf('votequorum', 'none'), expectedVotes: integer(1, 0xffffffff), twoNode: boolean(), waitForAll: boolean(),
  lastManStanding: boolean(), lastManStandingWindow: ms, autoTieBreaker: boolean(),
  autoTieBreakerNode: either([oneOf('lowest', 'highest'), array(nodeIdRule, { min: 1 })], '"lowest", "highest" or a list of node ids'),
}

// Ranges are totemConfig's to check (it names totem.<key>); here only names and types.
const totemNumber = integer(0, Number.MAX_SAFE_INTEGER)
const totem: Shape<TotemOptions> = {
  token: totemNumber, tokenCoefficient: totemNumber, tokenWarning: totemNumber, tokenRetransmitsBeforeLossConst: totemNumber,
  tokenRetransmit: totemNumber, hold: totemNumber, join: totemNumber, sendJoin: totemNumber, consensus: totemNumber, merge: totemNumber,
  downcheck: totemNumber, failRecvConst: totemNumber, seqnoUnchangedConst: totemNumber, heartbeatFailuresAllowed: totemNumber,
  maxNetworkDelay: totemNumber, windowSize: totemNumber, maxMessages: totemNumber, missCountConst: totemNumber, netmtu: totemNumber,
  cancelTokenHoldOnRetransmit: boolean(), messageSizeMax: totemNumber, sendQueueBytesMax: totemNumber,
}

const locks: Shape<LockOptions> = { lockDelayMs: ms }

const secauth: Rule = (value, path, kind) => {
  if (value === false) return
  if (typeof value === 'object' && value !== null && 'key' in value) return object<{ key: Uint8Array }>({ key: bytes }, ['key'])(value, path, kind)
  object<{ keyFile: string }>({ keyFile: string({ nonEmpty: true }) }, ['keyFile'])(value, path, kind)
}
function bytes(value: unknown, path: string, kind: Kind): void {
  if (!(value instanceof Uint8Array)) fail(kind, path, `expected a Uint8Array, got ${typeof value}`)
}

const logger: Rule = (value, path, kind) => {
  const l = value as Partial<Record<keyof Logger, unknown>> | null
  const missing = (['debug', 'info', 'warn', 'error'] as const).filter((m) => typeof l?.[m] !== 'function')
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    fail(kind, path, `expected a logger with debug, info, warn and error functions (pino's shape); missing ${missing.join(', ')}`)
  }
}

// Types only here; the shell (lib/shell/shell-options.ts) checks modes, path lengths and groups.
const admin: Rule = (value, path, kind) => {
  if (value === false) return
  const group = either([string({ nonEmpty: true }), u32], 'a group name or a gid')
  object<AdminOptions>({ socket: string({ nonEmpty: true }), group, mode: integer(0, 0o777) })(value, path, kind)
}
const metrics: Rule = (value, path, kind) => {
  if (value === false) return
  object<MetricsOptions>({ port: integer(0, 65535), host: string({ nonEmpty: true }) }, ['port'])(value, path, kind)
}

const instance: Rule = (value, path, kind) => { if (typeof value !== 'object' || value === null) fail(kind, path, 'expected an object') }

const cluster: Shape<ClusterOptions & { memoryHub: unknown }> = {
  clusterName: string({ nonEmpty: true }), nodeId: nodeIdRule, nodes: array(object(node, ['nodeId', 'addr']), { min: 1, max: NODES_MAX }),
  transport: oneOf('udpu', 'udp', 'memory'), port: integer(1, 65535), mcastAddr: string({ nonEmpty: true }), ttl: integer(0, 255),
  bindAddr: string({ nonEmpty: true }), totem: object(totem), quorum: object(quorum), locks: object(locks), secauth,
  engine: oneOf('worker', 'inline'), stateDir: either([string({ nonEmpty: true }), oneOf(false)], 'a directory path (a string) or false'),
  logger, engineWorker: either([string({ nonEmpty: true }), (v, p, k) => { if (!(v instanceof URL)) fail(k, p, 'not a URL') }], 'a path or a file: URL'),
  admin, metrics, memoryHub: instance,
}

/**
 * Checks options before any thread or socket exists, so a mistake surfaces
 * at `new Cluster()` as a ConfigError naming the option.
 */
export function validateOptions<T extends ClusterOptions>(options: T): T {
  object(cluster, ['clusterName', 'nodeId', 'nodes'])(options, '', 'config')
  const ids = new Set<number>()
  const transport = options.transport ?? 'udpu'
  for (const [i, n] of options.nodes.entries()) {
    if (ids.has(n.nodeId)) throw new ConfigError(`nodes[${i}].nodeId`, `duplicate node id ${n.nodeId}`)
    ids.add(n.nodeId)
    if (transport !== 'memory' && isIP(n.addr) === 0) throw new ConfigError(`nodes[${i}].addr`, `"${n.addr}" is not an IP address`)
  }
  if (!ids.has(options.nodeId)) throw new ConfigError('nodeId', `this node (${options.nodeId}) is not in the nodelist (node ids: ${[...ids].join(', ')})`)
  if (options.bindAddr !== undefined && isIP(options.bindAddr) === 0) throw new ConfigError('bindAddr', `"${options.bindAddr}" is not an IP address`)
  if (transport === 'udp' && options.mcastAddr === undefined) throw new ConfigError('mcastAddr', "transport 'udp' needs a multicast group (corosync mcastaddr)")
  if (options.mcastAddr !== undefined && isIP(options.mcastAddr) === 0) throw new ConfigError('mcastAddr', `"${options.mcastAddr}" is not an IP address`)
  if (transport === 'memory' && options.engine === 'worker') throw new ConfigError('engine', "transport 'memory' runs in one process: use engine 'inline'")
  clusterTotemConfig(options)
  if ((options.quorum?.provider ?? 'votequorum') === 'votequorum') {
    try {
      resolveQuorumConfig(options.nodeId, options.nodes, options.quorum ?? {})
    } catch (error) {
      // votequorum speaks corosync.conf keys; name the option instead.
      if (error instanceof ConfigError) throw new ConfigError(optionPath(error.key), error.message.slice(error.key.length + 2), undefined, { cause: error })
      throw error
    }
  }
  return options
}

/** `quorum.expected_votes` → `quorum.expectedVotes`. */
function optionPath(confKey: string): string {
  return confKey.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
}

// ---- call arguments -------------------------------------------------------

const signal = abortSignal()
const budget = { signal, timeoutMs: duration() }

export const args = {
  start: options<{ waitFor: unknown; signal: unknown; timeoutMs: unknown }>({
    waitFor: either([oneOf('ring', 'quorum', 'all'), object<{ members: number }>({ members: integer(1, NODES_MAX) }, ['members'])],
      '"ring", "quorum", "all" or { members: n }'),
    ...budget,
  }),
  ready: options<{ quorate: unknown; members: unknown; signal: unknown; timeoutMs: unknown }>({ quorate: boolean(), members: integer(1, NODES_MAX), ...budget }),
  stop: options<{ signal: unknown; timeoutMs: unknown }>(budget),
  groupName: string({ nonEmpty: true, maxBytes: CPG_GROUP_NAME_MAX }),
  join: options<{ signal: unknown; highWaterMark: unknown }>({ signal, highWaterMark: integer(1, Number.MAX_SAFE_INTEGER) }),
  payload: bytesOrString(),
  send: options<{ guarantee: unknown; signal: unknown }>({ guarantee: oneOf('agreed', 'safe'), signal }),
  lockName: string({ nonEmpty: true }),
  acquire: options<{ mode: unknown; timeoutMs: unknown; signal: unknown }>({ mode: oneOf('exclusive', 'shared'), ...budget }),
  tryAcquire: options<{ mode: unknown; signal: unknown }>({ mode: oneOf('exclusive', 'shared'), signal }),
  checkpointName: string({ nonEmpty: true }),
  open: options<{ create: unknown; retentionMs: unknown; maxSections: unknown; maxSectionSize: unknown; signal: unknown; timeoutMs: unknown }>({
    create: boolean(), retentionMs: either([ms, oneOf(Infinity)], 'an integer ≥ 0 or Infinity'), maxSections: u32, maxSectionSize: u32, ...budget,
  }),
  section: string({ nonEmpty: true }),
  data: bytesOrString(),
  write: options<{ signal: unknown; timeoutMs: unknown }>(budget),
  singletonName: string({ nonEmpty: true }),
  task: func(),
  singleton: options<{ signal: unknown; restartDelayMs: unknown; maxRestartDelayMs: unknown }>({ signal, restartDelayMs: ms, maxRestartDelayMs: ms }),
  votes: u32,
  expectedVotes: integer(1, 0xffffffff),
  nodeId: nodeIdRule,
} as const

/** Checks one argument of a call (`path` names it in the error). */
export function check(rule: Rule, value: unknown, path: string): void {
  rule(value, path, 'argument')
}
