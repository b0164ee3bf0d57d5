import { ConfigError } from '../errors.js'

/**
 * Totem timers and limits. Defaults and derivations follow corosync 3
 * (exec/totemconfig.c, totem_volatile_config_read): the token grows by
 * `tokenCoefficient` per node above two, and the retransmit, hold and consensus
 * timeouts derive from the effective token unless given explicitly.
 */
export interface TotemOptions {
  /** Token loss timeout in ms before the per-node coefficient (corosync `token`). @default 3000 */
  readonly token?: number
  /** Added to `token` for every node above two (corosync `token_coefficient`). @default 650 */
  readonly tokenCoefficient?: number
  /** Percentage of the token timeout after which a "token not received" warning is raised. @default 75 */
  readonly tokenWarning?: number
  /** @default 4 */
  readonly tokenRetransmitsBeforeLossConst?: number
  /** @default token / (tokenRetransmitsBeforeLossConst + 0.2) */
  readonly tokenRetransmit?: number
  /** How long the representative holds an idle token. @default tokenRetransmit × 0.8 − 10 */
  readonly hold?: number
  /** Join resend period in GATHER. @default 50 */
  readonly join?: number
  /** Upper bound of a random delay before each join (large clusters). @default 0 */
  readonly sendJoin?: number
  /** Time to reach agreement in GATHER before silent nodes are declared failed. @default 1.2 × token */
  readonly consensus?: number
  /** Merge-detect period of an idle ring. @default 200 */
  readonly merge?: number
  /** Transport interface re-check period. @default 1000 */
  readonly downcheck?: number
  /** Token visits with an unchanged aru before a lagging node removes itself. @default 2500 */
  readonly failRecvConst?: number
  /** Idle rotations before the representative holds the token. @default 30 */
  readonly seqnoUnchangedConst?: number
  /** Heartbeat failure detector (0 = off). @default 0 */
  readonly heartbeatFailuresAllowed?: number
  /** Only used by the heartbeat formula. @default 50 */
  readonly maxNetworkDelay?: number
  /** Messages per token rotation, ring-wide. @default 50 */
  readonly windowSize?: number
  /** Messages per token visit, per node. @default 17 */
  readonly maxMessages?: number
  /** Token visits a message must be missing before it is requested. @default 5 */
  readonly missCountConst?: number
  /** Network MTU in bytes; no datagram exceeds it (IPv4 + UDP headers included). @default 1500 */
  readonly netmtu?: number
  /** Let the representative forward a held token when retransmissions are pending. @default false */
  readonly cancelTokenHoldOnRetransmit?: boolean
  /** Largest application message accepted (fragmented on the wire). @default 1 MiB */
  readonly messageSizeMax?: number
  /** Bytes of application messages that may wait for the token; beyond it sends are refused. @default 8 MiB */
  readonly sendQueueBytesMax?: number
}

/** Fully derived, validated configuration; every field is in effect. */
export interface TotemConfig {
  readonly token: number
  readonly tokenCoefficient: number
  readonly tokenWarning: number
  readonly tokenRetransmitsBeforeLossConst: number
  readonly tokenRetransmit: number
  readonly hold: number
  readonly join: number
  readonly sendJoin: number
  readonly consensus: number
  readonly merge: number
  readonly downcheck: number
  readonly failRecvConst: number
  readonly seqnoUnchangedConst: number
  readonly heartbeatFailuresAllowed: number
  readonly maxNetworkDelay: number
  /** Derived heartbeat timeout, 0 when the heartbeat detector is off. */
  readonly heartbeatTimeout: number
  readonly windowSize: number
  readonly maxMessages: number
  readonly missCountConst: number
  readonly netmtu: number
  readonly cancelTokenHoldOnRetransmit: boolean
  readonly messageSizeMax: number
  readonly sendQueueBytesMax: number
  /** Receive window in messages (corosync QUEUE_RTR_ITEMS_SIZE_MAX). */
  readonly sortQueueSize: number
}

/** corosync's HZ-based tick (1000 / HZ with HZ = 100). */
const TICK_MS = 10
const IPV4_UDP_HEADER = 28
export const SORT_QUEUE_SIZE = 16384

const MINIMUM: Partial<Record<keyof TotemOptions, number>> = {
  token: 30, tokenRetransmit: 30, hold: 14, join: 30, consensus: 30, merge: 30, downcheck: 30,
  maxNetworkDelay: 30, windowSize: 1, maxMessages: 1, missCountConst: 1, netmtu: 576,
  failRecvConst: 1, seqnoUnchangedConst: 1, tokenRetransmitsBeforeLossConst: 1, messageSizeMax: 1,
}

function integer(options: TotemOptions, key: keyof TotemOptions, fallback: number): number {
  const value = options[key]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new ConfigError(`totem.${key}`, `expected a non-negative integer, got ${JSON.stringify(value)}`)
  }
  const min = MINIMUM[key]
  if (min !== undefined && value < min) throw new ConfigError(`totem.${key}`, `must be at least ${min}, got ${value}`)
  return value
}

/** Derives every Totem timer from the options for a nodelist of `nodeCount` nodes. */
export function totemConfig(options: TotemOptions = {}, nodeCount = 2): TotemConfig {
  const tokenCoefficient = integer(options, 'tokenCoefficient', 650)
  const baseToken = integer(options, 'token', 3000)
  const token = nodeCount > 2 ? baseToken + (nodeCount - 2) * tokenCoefficient : baseToken
  const trblc = integer(options, 'tokenRetransmitsBeforeLossConst', 4)
  const tokenRetransmit = integer(options, 'tokenRetransmit', Math.max(30, Math.floor(token / (trblc + 0.2))))
  const hold = integer(options, 'hold', Math.max(14, Math.floor(tokenRetransmit * 0.8 - TICK_MS)))
  const join = integer(options, 'join', 50)
  const consensus = integer(options, 'consensus', Math.floor(1.2 * token))
  if (consensus < join) throw new ConfigError('totem.consensus', `must be at least totem.join (${join}), got ${consensus}`)
  const maxNetworkDelay = integer(options, 'maxNetworkDelay', 50)
  const heartbeatFailuresAllowed = integer(options, 'heartbeatFailuresAllowed', 0)
  const hb = heartbeatFailuresAllowed * tokenRetransmit + maxNetworkDelay
  const heartbeatTimeout = heartbeatFailuresAllowed > 0 && hb < token ? hb : 0
  const tokenWarning = integer(options, 'tokenWarning', 75)
  if (tokenWarning > 100) throw new ConfigError('totem.tokenWarning', `is a percentage (0..100), got ${tokenWarning}`)
  const windowSize = integer(options, 'windowSize', 50)
  const maxMessages = integer(options, 'maxMessages', 17)
  if (windowSize + maxMessages * 2 > SORT_QUEUE_SIZE / 4) {
    throw new ConfigError('totem.windowSize', `window_size ${windowSize} is too large for the receive window of ${SORT_QUEUE_SIZE}`)
  }
  const netmtu = integer(options, 'netmtu', 1500)
  const messageSizeMax = integer(options, 'messageSizeMax', 1024 * 1024)
  const sendQueueBytesMax = integer(options, 'sendQueueBytesMax', 8 * 1024 * 1024)
  if (sendQueueBytesMax < messageSizeMax) {
    throw new ConfigError('totem.sendQueueBytesMax', `must be at least messageSizeMax (${messageSizeMax}), got ${sendQueueBytesMax}`)
  }
  const cancel = options.cancelTokenHoldOnRetransmit
  if (cancel !== undefined && typeof cancel !== 'boolean') {
    throw new ConfigError('totem.cancelTokenHoldOnRetransmit', `expected a boolean, got ${JSON.stringify(cancel)}`)
  }
  return Object.freeze({
    token, tokenCoefficient, tokenWarning, tokenRetransmitsBeforeLossConst: trblc, tokenRetransmit, hold, join,
    sendJoin: integer(options, 'sendJoin', 0), consensus, merge: integer(options, 'merge', 200),
    downcheck: integer(options, 'downcheck', 1000), failRecvConst: integer(options, 'failRecvConst', 2500),
    seqnoUnchangedConst: integer(options, 'seqnoUnchangedConst', 30), heartbeatFailuresAllowed, maxNetworkDelay,
    heartbeatTimeout, windowSize, maxMessages, missCountConst: integer(options, 'missCountConst', 5), netmtu,
    cancelTokenHoldOnRetransmit: cancel ?? false, messageSizeMax, sendQueueBytesMax, sortQueueSize: SORT_QUEUE_SIZE,
  })
}

/** Largest UDP payload for this MTU over IPv4. */
export function frameSizeMaxFor(config: TotemConfig): number {
  return config.netmtu - IPV4_UDP_HEADER
}
