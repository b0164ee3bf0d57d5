import type dgram from 'node:dgram'
import { isIPv4 } from 'node:net'
import createDebug from 'debug'
import { ClusterError, ConfigError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import { emptyTransportStats, type ReceiveHandler, type Transport, type TransportNode, type TransportStats } from './transport.js'
import { DEFAULT_PORT } from './udpu.js'
import {
  canonicalAddress,
  checkFrameSize,
  checkPort,
  closeSocket,
  deliver,
  type ReceiveFilter,
  findSelf,
  listedAddresses,
  openSocket,
  sendDatagram,
  socketFamily,
} from './socket.js'

const debug = createDebug('ts-ha:transport')

/** Options of {@link udp}. */
export interface UdpOptions {
  /** This node's id; must appear in `nodes`. */
  readonly self: NodeId
  /** The nodelist, self included: token unicasts go to these addresses, and only they may send to us. */
  readonly nodes: readonly TransportNode[]
  /** Multicast group (corosync `mcastaddr`), e.g. 239.255.1.1; same address family as the nodes. */
  readonly mcastAddr: string
  /** Group port (corosync `mcastport`, default 5405). Unicasts use `port - 1`, as corosync does. */
  readonly port?: number
  /** Multicast TTL (default 1: never routed off the local network; 0: never leaves the host). */
  readonly ttl?: number
  /** Local interface address to send from and join the group on. Default: self's `addr`. */
  readonly bindAddr?: string
  /**
   * Interface for IP_MULTICAST_IF and the group join. Default: `bindAddr` for
   * IPv4; the OS choice for IPv6 (pass a scoped form such as `::%eth0` to pin it).
   */
  readonly multicastInterface?: string
  /** Largest datagram accepted, in bytes. */
  readonly frameSizeMax: number
  /** SO_RCVBUF / SO_SNDBUF request. Default 4 MiB. */
  readonly socketBufferBytes?: number
  /** Drop datagrams whose source address is not in the nodelist. Default true. */
  readonly blockUnlistedIps?: boolean
}

/**
 * Corosync's UDP multicast transport. Two sockets, as in corosync:
 * - the group socket, bound to the wildcard address on `port` with
 *   SO_REUSEADDR so every node on one host can receive the group, and joined
 *   to `mcastAddr`;
 * - the token socket, bound to `bindAddr:(port - 1)`: it sends the multicasts
 *   and sends and receives unicasts. A unicast to the shared group port would
 *   reach an arbitrary one of the reusing sockets, hence the distinct port.
 *
 * Multicast loopback stays on so nodes sharing a host hear each other; our
 * own multicasts are recognised by their source (`bindAddr:(port - 1)`) and dropped.
 *
 * @throws ConfigError when the options are inconsistent.
 */
export function udp(options: UdpOptions): Transport {
  const config = checkUdpOptions(options)
  const { port, bindAddr, frameSizeMax } = config
  const peers = new Map<NodeId, string>()
  for (const node of options.nodes) if (node.nodeId !== options.self) peers.set(node.nodeId, node.addr)
  const listed = options.blockUnlistedIps === false ? undefined : listedAddresses(options.nodes)
  const ownAddr = canonicalAddress(bindAddr)
  const stats = emptyTransportStats()
  const filter: ReceiveFilter = { stats, frameSizeMax, listed }
  let token: dgram.Socket | undefined
  let group: dgram.Socket | undefined
  let opening: Promise<void> | undefined
  let closing: Promise<void> | undefined

  const accept = (bytes: Uint8Array): Buffer | undefined => {
    if (token === undefined || closing !== undefined) return undefined
    if (bytes.length > frameSizeMax) {
      stats.oversize++
      return undefined
    }
    // Copy: dgram may read the buffer after send() returns and the caller may reuse it.
    return Buffer.from(bytes)
  }
  const onMessage = (receive: ReceiveHandler) => (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    if (closing !== undefined) return
    if (rinfo.port === port - 1 && canonicalAddress(rinfo.address) === ownAddr) return // our own multicast, looped back
    deliver(filter, receive, msg, rinfo.address)
  }

  return {
    frameSizeMax,
    stats,
    open(receive: ReceiveHandler): Promise<void> {
      if (closing !== undefined) return Promise.reject(new ClusterError('ERR_TRANSPORT', 'udp: open() after close()'))
      opening ??= openSockets(config, options.socketBufferBytes, stats).then((sockets) => {
        token = sockets.token
        group = sockets.group
        const handler = onMessage(receive)
        token.on('message', handler)
        group.on('message', handler)
      })
      return opening
    },
    send(to: NodeId, bytes: Uint8Array): void {
      const addr = peers.get(to)
      const copy = addr === undefined ? undefined : accept(bytes)
      if (addr !== undefined && copy !== undefined) sendDatagram(token as dgram.Socket, stats, copy, port - 1, addr)
    },
    multicast(bytes: Uint8Array): void {
      const copy = accept(bytes)
      if (copy !== undefined) sendDatagram(token as dgram.Socket, stats, copy, port, config.mcastAddr)
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await opening?.catch(() => undefined)
        await Promise.all([token, group].map((s) => (s === undefined ? undefined : closeSocket(s))))
      })()
      return closing
    },
  }
}

interface UdpConfig {
  readonly family: 'udp4' | 'udp6'
  readonly mcastAddr: string
  readonly port: number
  readonly ttl: number
  readonly bindAddr: string
  readonly iface: string | undefined
  readonly frameSizeMax: number
}

function checkUdpOptions(options: UdpOptions): UdpConfig {
  const self = findSelf(options.nodes, options.self)
  const family = socketFamily(self.addr)
  const port = checkPort('port', options.port ?? DEFAULT_PORT)
  if (port < 2) throw new ConfigError('port', 'must be at least 2: the token socket uses port - 1')
  const ttl = options.ttl ?? 1
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new ConfigError('ttl', `must be an integer in 0..255, got ${ttl}`)
  if (!isMulticast(options.mcastAddr, family)) {
    throw new ConfigError('mcastaddr', `"${options.mcastAddr}" is not an ${family === 'udp4' ? 'IPv4' : 'IPv6'} multicast address`)
  }
  const bindAddr = options.bindAddr ?? self.addr
  if (socketFamily(bindAddr) !== family || /^(0\.0\.0\.0|::)$/.test(canonicalAddress(bindAddr))) {
    // The source address identifies our own looped-back multicasts, so it must be a concrete address.
    throw new ConfigError('bindnetaddr', `"${bindAddr}" must be a concrete local ${family === 'udp4' ? 'IPv4' : 'IPv6'} address`)
  }
  const iface = options.multicastInterface ?? (family === 'udp4' ? bindAddr : undefined)
  return { family, mcastAddr: options.mcastAddr, port, ttl, bindAddr, iface, frameSizeMax: checkFrameSize(options.frameSizeMax, family) }
}

function isMulticast(addr: string, family: 'udp4' | 'udp6'): boolean {
  if (family === 'udp4') {
    const first = Number(addr.split('.')[0])
    return isIPv4(addr) && first >= 224 && first <= 239
  }
  return socketFamily(addr) === 'udp6' && canonicalAddress(addr).startsWith('ff')
}

async function openSockets(
  config: UdpConfig,
  bufferBytes: number | undefined,
  stats: TransportStats,
): Promise<{ token: dgram.Socket; group: dgram.Socket }> {
  const { family, bindAddr, port } = config
  const token = await openSocket({ family, bindAddr, port: port - 1, bufferBytes, stats })
  let group: dgram.Socket | undefined
  try {
    const wildcard = family === 'udp4' ? '0.0.0.0' : '::'
    group = await openSocket({ family, bindAddr: wildcard, port, bufferBytes, stats, reuseAddr: true })
    if (config.iface !== undefined) token.setMulticastInterface(config.iface)
    token.setMulticastTTL(config.ttl)
    // Nodes sharing a host hear each other only through loopback; our own copies are filtered by source.
    token.setMulticastLoopback(true)
    group.addMembership(config.mcastAddr, config.iface)
    debug('joined %s on %s (ttl %d)', config.mcastAddr, config.iface ?? 'default interface', config.ttl)
    return { token, group }
  } catch (err) {
    await Promise.all([closeSocket(token), group === undefined ? undefined : closeSocket(group)])
    if (err instanceof ClusterError) throw err
    const message = err instanceof Error ? err.message : String(err)
    debug('multicast setup for %s failed: %s', config.mcastAddr, message)
    throw new ClusterError('ERR_TRANSPORT', `cannot join ${config.mcastAddr} on ${config.iface ?? 'default interface'}: ${message}`, { cause: err })
  }
}
