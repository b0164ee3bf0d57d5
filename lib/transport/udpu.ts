import dgram from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'
import createDebug from 'debug'
import { ClusterError, ConfigError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import { emptyTransportStats, type ReceiveHandler, type Transport, type TransportNode, type TransportStats } from './transport.js'

const debug = createDebug('ts-ha:transport')

/** Corosync's default `mcastport`. */
export const DEFAULT_PORT = 5405

/** Large kernel buffers absorb bursts of the token rotation; the kernel caps it at `rmem_max`/`wmem_max`. */
export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

/** Largest UDP payload: 65535 minus the IP and UDP headers. */
const MAX_UDP_PAYLOAD = { udp4: 65_507, udp6: 65_527 } as const

/** Options of {@link udpu}. */
export interface UdpuOptions {
  /** This node's id; must appear in `nodes`. */
  readonly self: NodeId
  /** The nodelist (corosync `nodelist { node { ring0_addr } }`), self included. */
  readonly nodes: readonly TransportNode[]
  /** Port every node listens on, on its own address (corosync `mcastport`). Default 5405. */
  readonly port?: number
  /** Largest datagram accepted, in bytes (at most 65507 for IPv4, 65527 for IPv6). */
  readonly frameSizeMax: number
  /** Local address to bind; default: self's `addr`. */
  readonly bindAddr?: string
  /** Per-node port overrides, so several nodes can share one address (tests, one-host demos). */
  readonly ports?: Readonly<Record<NodeId, number>>
  /** Drop datagrams whose source address is not in the nodelist (counted in `rxUnlisted`). Default true. */
  readonly blockUnlistedIps?: boolean
  /** SO_RCVBUF / SO_SNDBUF request. Default 4 MiB. */
  readonly socketBufferBytes?: number
}

/**
 * Corosync's UDPU transport: no multicast on the wire, a "multicast" is one
 * unicast datagram to every other node of the nodelist. One socket, bound to
 * `bindAddr:port`, both sends and receives.
 *
 * `txFrames` counts datagrams handed to the OS, so one multicast to n peers counts n.
 * Sends to a node id outside the nodelist (or to self) are dropped silently.
 *
 * @throws ConfigError when the options are inconsistent (self missing, bad port, …).
 */
export function udpu(options: UdpuOptions): Transport {
  const self = findSelf(options.nodes, options.self)
  const family = socketFamily(self.addr)
  const frameSizeMax = checkFrameSize(options.frameSizeMax, family)
  const port = checkPort('port', options.port ?? DEFAULT_PORT)
  const portOf = (id: NodeId): number => checkPort(`ports.${id}`, options.ports?.[id] ?? port)
  const bindPort = portOf(options.self)
  const bindAddr = options.bindAddr ?? self.addr
  const peers = new Map<NodeId, Peer>()
  for (const node of options.nodes) {
    if (node.nodeId !== options.self) peers.set(node.nodeId, { addr: node.addr, port: portOf(node.nodeId) })
  }
  const listed = options.blockUnlistedIps === false ? undefined : listedAddresses(options.nodes)
  const stats = emptyTransportStats()
  const filter: ReceiveFilter = { stats, frameSizeMax, listed }
  const peerList = [...peers.values()]
  let socket: dgram.Socket | undefined
  let opening: Promise<void> | undefined
  let closing: Promise<void> | undefined

  const transmit = (bytes: Buffer, peer: Peer): void => {
    // socket is defined whenever this runs: callers check `closing` and `socket` first.
    sendDatagram(socket as dgram.Socket, stats, bytes, peer.port, peer.addr)
  }
  const accept = (bytes: Uint8Array): Buffer | undefined => {
    if (socket === undefined || closing !== undefined) return undefined
    if (bytes.length > frameSizeMax) {
      stats.oversize++
      return undefined
    }
    // Copy once: dgram may still read the buffer after send() returns, and the caller may reuse it.
    return Buffer.from(bytes)
  }

  return {
    frameSizeMax,
    stats,
    open(receive: ReceiveHandler): Promise<void> {
      if (closing !== undefined) return Promise.reject(new ClusterError('ERR_TRANSPORT', 'udpu: open() after close()'))
      opening ??= openSocket({ family, bindAddr, port: bindPort, bufferBytes: options.socketBufferBytes, stats }).then((s) => {
        socket = s
        s.on('message', (msg, rinfo) => {
          if (closing === undefined) deliver(filter, receive, msg, rinfo.address)
        })
      })
      return opening
    },
    send(to: NodeId, bytes: Uint8Array): void {
      const peer = peers.get(to)
      const copy = peer === undefined ? undefined : accept(bytes)
      if (peer !== undefined && copy !== undefined) transmit(copy, peer)
    },
    multicast(bytes: Uint8Array): void {
      const copy = accept(bytes)
      if (copy !== undefined) for (const peer of peerList) transmit(copy, peer)
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await opening?.catch(() => undefined)
        if (socket !== undefined) await closeSocket(socket)
      })()
      return closing
    },
  }
}

interface Peer {
  readonly addr: string
  readonly port: number
}

/** @internal Shared with the UDP multicast transport. */
export function findSelf(nodes: readonly TransportNode[], self: NodeId): TransportNode {
  const ids = new Set<NodeId>()
  for (const node of nodes) {
    if (ids.has(node.nodeId)) throw new ConfigError('nodelist', `duplicate nodeid ${node.nodeId}`)
    if (!isIPv4(node.addr) && !isIPv6(node.addr)) throw new ConfigError('nodelist', `node ${node.nodeId}: "${node.addr}" is not an IP address`)
    ids.add(node.nodeId)
  }
  const found = nodes.find((n) => n.nodeId === self)
  if (found === undefined) throw new ConfigError('nodelist', `this node (${self}) is not in the nodelist`)
  return found
}

/** @internal */
export function socketFamily(addr: string): 'udp4' | 'udp6' {
  return isIPv6(addr) ? 'udp6' : 'udp4'
}

/** @internal */
export function checkFrameSize(size: number, family: 'udp4' | 'udp6'): number {
  const max = MAX_UDP_PAYLOAD[family]
  if (!Number.isInteger(size) || size < 1 || size > max) throw new ConfigError('frameSizeMax', `must be an integer in 1..${max}, got ${size}`)
  return size
}

/** @internal */
export function checkPort(key: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(key, `must be a port number in 1..65535, got ${port}`)
  return port
}

/**
 * Text forms of the nodelist addresses as the kernel reports datagram sources.
 * @internal
 */
export function listedAddresses(nodes: readonly TransportNode[]): ReadonlySet<string> {
  return new Set(nodes.map((n) => canonicalAddress(n.addr)))
}

/** @internal */
export function isListed(listed: ReadonlySet<string>, source: string): boolean {
  // Fast path: the kernel's text form usually matches the configured one already.
  return listed.has(source) || listed.has(canonicalAddress(source))
}

/**
 * One spelling per address, so "::1", "0:0::1" and "::ffff:10.0.0.1" vs
 * "10.0.0.1" compare equal. Only the slow path of {@link isListed} pays for it.
 * @internal
 */
export function canonicalAddress(addr: string): string {
  const unscoped = addr.replace(/%.*$/, '').toLowerCase()
  if (!isIPv6(unscoped)) return unscoped
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(unscoped)
  if (mapped?.[1] !== undefined) return mapped[1]
  // The WHATWG URL serializer writes IPv6 in RFC 5952 compressed form.
  const host = new URL(`http://[${unscoped}]/`).hostname.slice(1, -1)
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host)
  if (mappedHex?.[1] !== undefined && mappedHex[2] !== undefined) {
    const hi = parseInt(mappedHex[1], 16)
    const lo = parseInt(mappedHex[2], 16)
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  return host
}

/**
 * Hands one datagram to the OS. Never throws: a synchronous throw (socket
 * closing underneath us) and an asynchronous error are both loss to Totem.
 * @internal
 */
export function sendDatagram(socket: dgram.Socket, stats: TransportStats, bytes: Buffer, port: number, addr: string): void {
  stats.txFrames++
  stats.txBytes += bytes.length
  try {
    socket.send(bytes, port, addr, (err) => {
      if (err) stats.txErrors++
    })
  } catch {
    stats.txErrors++
  }
}

/** @internal What the receive path of a socket transport checks against. */
export interface ReceiveFilter {
  readonly stats: TransportStats
  readonly frameSizeMax: number
  /** Allowed source addresses; undefined when blockUnlistedIps is off. */
  readonly listed: ReadonlySet<string> | undefined
}

/** @internal Source and size checks and rx counters common to every socket transport. */
export function deliver(filter: ReceiveFilter, receive: ReceiveHandler, msg: Buffer, source: string): void {
  const { stats, frameSizeMax, listed } = filter
  if (listed !== undefined && !isListed(listed, source)) {
    stats.rxUnlisted++
    return
  }
  if (msg.length > frameSizeMax) {
    stats.oversize++
    return
  }
  stats.rxFrames++
  stats.rxBytes += msg.length
  receive(msg)
}

/** @internal */
export interface SocketSpec {
  readonly family: 'udp4' | 'udp6'
  readonly bindAddr: string
  readonly port: number
  readonly bufferBytes: number | undefined
  readonly stats: TransportStats
  readonly reuseAddr?: boolean
}

/**
 * Creates and binds a socket. Rejects with ERR_TRANSPORT naming the address
 * (EADDRINUSE, EADDRNOTAVAIL, …). Once bound, stray 'error' events are
 * counted as send errors instead of crashing the process.
 * @internal
 */
export function openSocket(spec: SocketSpec): Promise<dgram.Socket> {
  const where = spec.family === 'udp6' ? `[${spec.bindAddr}]:${spec.port}` : `${spec.bindAddr}:${spec.port}`
  const socket = dgram.createSocket({ type: spec.family, reuseAddr: spec.reuseAddr ?? false })
  return new Promise<dgram.Socket>((resolve, reject) => {
    const onBindError = (err: Error): void => {
      debug('bind %s failed: %s', where, err.message)
      try {
        socket.close()
      } catch {
        // Never bound: nothing to release.
      }
      reject(new ClusterError('ERR_TRANSPORT', `cannot bind UDP socket to ${where}: ${err.message}`, { cause: err }))
    }
    socket.once('error', onBindError)
    socket.once('listening', () => {
      socket.off('error', onBindError)
      socket.on('error', (err) => {
        spec.stats.txErrors++
        debug('socket %s error: %s', where, err.message)
      })
      applyBufferSizes(socket, spec.bufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES)
      debug('bound %s', where)
      resolve(socket)
    })
    try {
      socket.bind({ port: spec.port, address: spec.bindAddr, exclusive: true })
    } catch (err) {
      // Invalid arguments throw synchronously instead of emitting 'error'.
      onBindError(err instanceof Error ? err : new Error(String(err)))
    }
  })
}

function applyBufferSizes(socket: dgram.Socket, bytes: number): void {
  try {
    socket.setRecvBufferSize(bytes)
    socket.setSendBufferSize(bytes)
  } catch (err) {
    // A small buffer costs throughput under bursts, not correctness.
    debug('cannot set socket buffers to %d: %s', bytes, (err as Error).message)
  }
}

/** @internal Resolves once the socket is closed; tolerates one already closed. */
export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve())
    } catch {
      resolve()
    }
  })
}
