import type dgram from 'node:dgram'
import { ClusterError } from '../errors.js'
import type { NodeId } from '../totem/ring-id.js'
import {
  checkFrameSize, checkPort, closeSocket, deliver, findSelf, listedAddresses, openSocket, type ReceiveFilter, sendConnected, sendDatagram,
  socketFamily,
} from './socket.js'
import { emptyTransportStats, type ReceiveHandler, type Transport, type TransportNode } from './transport.js'


/** Corosync's default `mcastport`. */
export const DEFAULT_PORT = 5405

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
 * unicast datagram to every other node of the nodelist. One socket bound to
 * `bindAddr:port` receives; as in corosync, each peer also gets a sending
 * socket of its own (bound to `bindAddr`, so the source address is ours),
 * here connected, which spares Node's per-datagram address handling.
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
    // Sockets exist whenever this runs: callers check `closing` and `socket` first.
    const out = peer.socket
    if (out !== undefined) sendConnected(out, stats, bytes)
    else sendDatagram(socket as dgram.Socket, stats, bytes, peer.port, peer.addr)
  }
  const connectPeers = async (): Promise<void> => {
    for (const peer of peerList) {
      const out = await openSocket({ family, bindAddr, port: 0, bufferBytes: options.socketBufferBytes, stats })
      await new Promise<void>((resolve) => { out.connect(peer.port, peer.addr, () => resolve()) })
      peer.socket = out
    }
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
      opening ??= openSocket({ family, bindAddr, port: bindPort, bufferBytes: options.socketBufferBytes, stats }).then(async (s) => {
        s.on('message', (msg, rinfo) => {
          if (closing === undefined) deliver(filter, receive, msg, rinfo.address)
        })
        await connectPeers()
        socket = s
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
        await Promise.all(peerList.map(async (peer) => { if (peer.socket !== undefined) await closeSocket(peer.socket) }))
        if (socket !== undefined) await closeSocket(socket)
      })()
      return closing
    },
  }
}

interface Peer {
  readonly addr: string
  readonly port: number
  /** Connected sending socket, once open. */
  socket?: dgram.Socket
}

