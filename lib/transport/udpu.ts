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
  return new UdpuTransport(options)
}

class UdpuTransport implements Transport {
  readonly frameSizeMax: number
  readonly stats = emptyTransportStats()
  readonly #options: UdpuOptions
  readonly #family: 'udp4' | 'udp6'
  readonly #bindAddr: string
  readonly #bindPort: number
  readonly #peers = new Map<NodeId, Peer>()
  readonly #filter: ReceiveFilter
  #socket: dgram.Socket | undefined
  #opening: Promise<void> | undefined
  #closing: Promise<void> | undefined

  constructor(options: UdpuOptions) {
    const self = findSelf(options.nodes, options.self)
    this.#options = options
    this.#family = socketFamily(self.addr)
    this.frameSizeMax = checkFrameSize(options.frameSizeMax, this.#family)
    const port = checkPort('port', options.port ?? DEFAULT_PORT)
    const portOf = (id: NodeId): number => checkPort(`ports.${id}`, options.ports?.[id] ?? port)
    this.#bindPort = portOf(options.self)
    this.#bindAddr = options.bindAddr ?? self.addr
    for (const node of options.nodes) {
      if (node.nodeId !== options.self) this.#peers.set(node.nodeId, { addr: node.addr, port: portOf(node.nodeId) })
    }
    const listed = options.blockUnlistedIps === false ? undefined : listedAddresses(options.nodes)
    this.#filter = { stats: this.stats, frameSizeMax: this.frameSizeMax, listed }
  }

  open(receive: ReceiveHandler): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new ClusterError('ERR_TRANSPORT', 'udpu: open() after close()'))
    this.#opening ??= this.#bind(this.#bindPort).then(async (s) => {
      s.on('message', (msg, rinfo) => {
        if (this.#closing === undefined) deliver(this.#filter, receive, msg, rinfo.address)
      })
      await this.#connectPeers()
      this.#socket = s
    })
    return this.#opening
  }

  send(to: NodeId, bytes: Uint8Array): void {
    const peer = this.#peers.get(to)
    const copy = peer === undefined ? undefined : this.#accept(bytes)
    if (peer !== undefined && copy !== undefined) this.#transmit(copy, peer)
  }

  multicast(bytes: Uint8Array): void {
    const copy = this.#accept(bytes)
    if (copy !== undefined) for (const peer of this.#peers.values()) this.#transmit(copy, peer)
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => undefined)
      await Promise.all([...this.#peers.values()].map(async (peer) => { if (peer.socket !== undefined) await closeSocket(peer.socket) }))
      if (this.#socket !== undefined) await closeSocket(this.#socket)
    })()
    return this.#closing
  }

  #bind(port: number): Promise<dgram.Socket> {
    return openSocket({ family: this.#family, bindAddr: this.#bindAddr, port, bufferBytes: this.#options.socketBufferBytes, stats: this.stats })
  }

  /** One connected sending socket per peer, bound to our address so the source is one of the nodelist's. */
  async #connectPeers(): Promise<void> {
    for (const peer of this.#peers.values()) {
      const out = await this.#bind(0)
      await new Promise<void>((resolve) => { out.connect(peer.port, peer.addr, () => resolve()) })
      peer.socket = out
    }
  }

  #transmit(bytes: Buffer, peer: Peer): void {
    if (peer.socket !== undefined) sendConnected(peer.socket, this.stats, bytes)
    else sendDatagram(this.#socket as dgram.Socket, this.stats, bytes, peer.port, peer.addr)
  }

  #accept(bytes: Uint8Array): Buffer | undefined {
    if (this.#socket === undefined || this.#closing !== undefined) return undefined
    if (bytes.length > this.frameSizeMax) {
      this.stats.oversize++
      return undefined
    }
    // Copy once: dgram may still read the buffer after send() returns, and the caller may reuse it.
    return Buffer.from(bytes)
  }
}

interface Peer {
  readonly addr: string
  readonly port: number
  /** Connected sending socket, once open. */
  socket?: dgram.Socket
}

