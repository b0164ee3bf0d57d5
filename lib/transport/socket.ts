import dgram from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'
import createDebug from 'debug'
import { ClusterError, ConfigError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import type { ReceiveHandler, TransportNode, TransportStats } from './transport.js'

/**
 * Socket plumbing shared by the UDP transports: option checks, address
 * canonicalisation for the unlisted-source filter, never-throwing sends and
 * binding with clear errors. Internal to lib/transport.
 */

const debug = createDebug('ts-ha:transport')

/** Large kernel buffers absorb bursts of the token rotation; the kernel caps it at `rmem_max`/`wmem_max`. */
export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

/** Largest UDP payload: 65535 minus the IP and UDP headers. */
const MAX_UDP_PAYLOAD = { udp4: 65_507, udp6: 65_527 } as const

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
  sendVia(socket, stats, bytes, (cb) => { socket.send(bytes, port, addr, cb) })
}

/** @internal Like {@link sendDatagram}, on a connected socket. */
export function sendConnected(socket: dgram.Socket, stats: TransportStats, bytes: Buffer): void {
  sendVia(socket, stats, bytes, (cb) => { socket.send(bytes, cb) })
}

function sendVia(socket: dgram.Socket, stats: TransportStats, bytes: Buffer, send: (cb: (err: Error | null) => void) => void): void {
  stats.txFrames++
  stats.txBytes += bytes.length
  const pending = inFlight.get(socket) ?? { count: 0, drained: [] }
  inFlight.set(socket, pending)
  pending.count++
  const done = (): void => {
    pending.count--
    if (pending.count === 0) for (const resolve of pending.drained.splice(0)) resolve()
  }
  try {
    send((err) => {
      if (err) stats.txErrors++
      done()
    })
  } catch {
    stats.txErrors++
    done()
  }
}

/** Sends handed to each socket whose completion has not been reported yet. */
interface InFlight {
  count: number
  readonly drained: (() => void)[]
}

// A WeakMap keyed by socket is per socket, not shared state: it only adds a counter to each socket object.
const inFlight = new WeakMap<dgram.Socket, InFlight>()

/** Longest a close waits for queued datagrams (a leave message, the last token) to go out. */
const CLOSE_DRAIN_MS = 200

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
export async function closeSocket(socket: dgram.Socket): Promise<void> {
  // libuv cancels sends still queued when a socket closes: a graceful leave would be lost.
  const pending = inFlight.get(socket)
  if (pending !== undefined && pending.count > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_DRAIN_MS)
      pending.drained.push(() => { clearTimeout(timer); resolve() })
    })
  }
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve())
    } catch {
      resolve()
    }
  })
}
