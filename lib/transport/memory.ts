import { ClusterError, ConfigError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import { emptyTransportStats, type ReceiveHandler, type Transport, type TransportStats } from './transport.js'

/** Same ceiling as UDP over IPv4, so code tried on the hub also fits on the wire. */
const DEFAULT_FRAME_SIZE_MAX = 65_507
const DEFAULT_INBOX_MAX = 10_000

/** Options of {@link MemoryHub}. */
export interface MemoryHubOptions {
  /** Datagrams waiting per receiver before new ones are dropped. Default 10000. */
  readonly inboxMax?: number
}

/** What the hub dropped, and why; everything it delivered. */
export interface MemoryHubCounters {
  delivered: number
  /** The receiver's inbox was full. */
  overflow: number
  /** No such node attached, sent to self, or the link was cut (at send or before delivery). */
  unreachable: number
}

/** @internal */
export interface PendingDatagram {
  readonly from: NodeId
  readonly bytes: Uint8Array
}

/** @internal One attached node, as the hub sees it. */
export interface MemoryEndpoint {
  readonly id: NodeId
  readonly receive: ReceiveHandler
  readonly stats: TransportStats
  inbox: PendingDatagram[]
  scheduled: boolean
  closed: boolean
}

/**
 * An in-process "network" for examples and quick tests; the deterministic
 * simulator lives in `lib/sim`. Delivery is asynchronous (one setImmediate
 * batch per receiver, so a sender looping on send() cannot starve the others),
 * copies every datagram, never loops back to the sender, and bounds each
 * receiver's inbox so memory stays bounded when a receiver falls behind.
 */
export class MemoryHub {
  readonly inboxMax: number
  readonly counters: MemoryHubCounters = { delivered: 0, overflow: 0, unreachable: 0 }
  readonly #endpoints = new Map<NodeId, MemoryEndpoint>()
  /** Cut links, as "low:high" node id pairs: cuts are symmetric. */
  readonly #cut = new Set<string>()

  constructor(options: MemoryHubOptions = {}) {
    const inboxMax = options.inboxMax ?? DEFAULT_INBOX_MAX
    if (!Number.isInteger(inboxMax) || inboxMax < 1) throw new ConfigError('inboxMax', `must be a positive integer, got ${inboxMax}`)
    this.inboxMax = inboxMax
  }

  /** Node ids currently attached (opened and not closed). */
  get nodes(): NodeId[] {
    return [...this.#endpoints.keys()]
  }

  /** Cuts the link between a and b in both directions; datagrams in flight on it are lost too. */
  disconnect(a: NodeId, b: NodeId): void {
    this.#cut.add(linkKey(a, b))
  }

  reconnect(a: NodeId, b: NodeId): void {
    this.#cut.delete(linkKey(a, b))
  }

  /** Heals every cut link. */
  reconnectAll(): void {
    this.#cut.clear()
  }

  connected(a: NodeId, b: NodeId): boolean {
    return a !== b && !this.#cut.has(linkKey(a, b))
  }

  /** @internal */
  attach(endpoint: MemoryEndpoint): void {
    if (this.#endpoints.has(endpoint.id)) throw new ClusterError('ERR_TRANSPORT', `memory hub: node ${endpoint.id} is already attached`)
    this.#endpoints.set(endpoint.id, endpoint)
  }

  /** @internal */
  detach(endpoint: MemoryEndpoint): void {
    endpoint.closed = true
    endpoint.inbox = []
    if (this.#endpoints.get(endpoint.id) === endpoint) this.#endpoints.delete(endpoint.id)
  }

  /** @internal Queues one datagram; returns how many datagrams entered the hub (0 or 1). */
  post(from: NodeId, to: NodeId, bytes: Uint8Array): number {
    const dest = this.#endpoints.get(to)
    if (dest === undefined || !this.connected(from, to)) {
      this.counters.unreachable++
      return 0
    }
    if (dest.inbox.length >= this.inboxMax) {
      this.counters.overflow++
      return 1
    }
    // A copy per receiver (not Buffer#slice, which shares memory): neither sender nor other receivers may alter it.
    dest.inbox.push({ from, bytes: new Uint8Array(bytes) })
    if (!dest.scheduled) {
      dest.scheduled = true
      setImmediate(() => this.#drain(dest))
    }
    return 1
  }

  /** @internal Every attached node but the sender. */
  others(self: NodeId): NodeId[] {
    return this.nodes.filter((id) => id !== self)
  }

  #drain(endpoint: MemoryEndpoint): void {
    endpoint.scheduled = false
    // Take the batch now: datagrams the handlers send in reply wait for the next turn.
    const batch = endpoint.inbox
    endpoint.inbox = []
    for (const { from, bytes } of batch) {
      if (endpoint.closed) return
      if (!this.connected(from, endpoint.id)) {
        this.counters.unreachable++
        continue
      }
      this.counters.delivered++
      endpoint.stats.rxFrames++
      endpoint.stats.rxBytes += bytes.length
      endpoint.receive(bytes)
    }
  }
}

function linkKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`
}

/** Options of {@link memory}. */
export interface MemoryOptions {
  /** Largest datagram accepted. Default 65507, like UDP over IPv4. */
  readonly frameSizeMax?: number
}

/**
 * A {@link Transport} attached to `hub` as node `self`. Its nodelist is
 * whatever is attached to the hub when a datagram is sent. `txFrames`
 * counts datagrams the hub accepted, one per receiver for a multicast.
 */
export function memory(hub: MemoryHub, self: NodeId, options: MemoryOptions = {}): Transport {
  const frameSizeMax = options.frameSizeMax ?? DEFAULT_FRAME_SIZE_MAX
  if (!Number.isInteger(frameSizeMax) || frameSizeMax < 1) throw new ConfigError('frameSizeMax', `must be a positive integer, got ${frameSizeMax}`)
  const stats = emptyTransportStats()
  let endpoint: MemoryEndpoint | undefined
  let closed = false

  const transmit = (to: NodeId, bytes: Uint8Array): void => {
    const entered = hub.post(self, to, bytes)
    stats.txFrames += entered
    stats.txBytes += entered * bytes.length
  }
  const accept = (bytes: Uint8Array): boolean => {
    if (endpoint === undefined || closed) return false
    if (bytes.length > frameSizeMax) {
      stats.oversize++
      return false
    }
    return true
  }

  return {
    frameSizeMax,
    stats,
    open(receive: ReceiveHandler): Promise<void> {
      if (closed) return Promise.reject(new ClusterError('ERR_TRANSPORT', `memory: node ${self}: open() after close()`))
      if (endpoint !== undefined) return Promise.resolve()
      const candidate: MemoryEndpoint = { id: self, receive, stats, inbox: [], scheduled: false, closed: false }
      try {
        hub.attach(candidate)
      } catch (err) {
        return Promise.reject(err)
      }
      endpoint = candidate
      return Promise.resolve()
    },
    send(to: NodeId, bytes: Uint8Array): void {
      if (accept(bytes)) transmit(to, bytes)
    },
    multicast(bytes: Uint8Array): void {
      if (accept(bytes)) for (const to of hub.others(self)) transmit(to, bytes)
    },
    close(): Promise<void> {
      closed = true
      if (endpoint !== undefined) hub.detach(endpoint)
      return Promise.resolve()
    },
  }
}
