import { chmodSync, chownSync, lstatSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { AdminConnection, type ConnectionHost } from './connection.js'
import { writeCookie } from './cookie.js'
import { type AdminLimits, DEFAULT_ADMIN_LIMITS, REJECT_REASONS, type RejectReason } from './limits.js'
import { cookiePathFor } from './paths.js'
import { clearSocketPath, prepareDirectory, removeIfOurs, socketDir } from './place.js'
import { ADMIN_PROTOCOL, type HelloResult } from './protocol.js'
import type { AdminTable } from './table.js'

export interface AdminServerOptions<C> {
  /** Socket path; the cookie goes beside it (`.sock` → `.cookie`). */
  readonly path: string
  /** Socket mode: 0660 with a group, 0600 without. */
  readonly mode: number
  /** Group that may administer the node (socket, cookie and default directory get it). */
  readonly gid?: number
  /** The directory is ts-ha's own default one: create it 0750 and keep it so. */
  readonly ownDirectory: boolean
  readonly table: AdminTable<C>
  readonly context: C
  /** Cluster name and node id for `hello`. */
  readonly identity: () => Pick<HelloResult, 'clusterName' | 'nodeId' | 'version'>
  readonly limits?: Partial<AdminLimits>
}

/**
 * Sockets and cookies to remove if the process exits without close() (an
 * uncaught exception, process.exit()): one 'exit' listener for all servers.
 * Only kill -9 leaves them behind, and the next node at that path replaces them.
 */
const atExit = new Set<() => void>()
function onExit(): void {
  for (const remove of atExit) remove()
}

/** Counters of one admin server (metrics `tsha_admin_*`). */
export interface AdminServerStats {
  /** Connections open now. */
  connections: number
  /** Connections accepted since start. */
  accepted: number
  /** Requests after hello. */
  requests: number
  /** Connections closed by the node, by reason. */
  readonly rejected: Record<RejectReason, number>
}

/**
 * A node's admin socket: a Unix socket only the node's user (and its admin
 * group) can reach, with a cookie beside it that every client must present,
 * because Node cannot read a peer's credentials. Serves `table` to each
 * connection; knows nothing else about clusters.
 */
export class AdminServer<C> {
  readonly path: string
  readonly cookiePath: string
  readonly stats: AdminServerStats = { connections: 0, accepted: 0, requests: 0, rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number> }
  readonly #options: AdminServerOptions<C>
  readonly #limits: AdminLimits
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #inodes: { socket?: number; cookie?: number } = {}

  constructor(options: AdminServerOptions<C>) {
    this.#options = options
    this.path = options.path
    this.cookiePath = cookiePathFor(options.path)
    this.#limits = { ...DEFAULT_ADMIN_LIMITS, ...options.limits }
  }

  /** Prepares the directory, writes a fresh cookie, then listens (so a client that sees the socket finds its cookie). */
  async listen(): Promise<void> {
    const o = this.#options
    prepareDirectory(socketDir(o.path), o.ownDirectory, o.gid)
    await clearSocketPath(o.path)
    const cookie = writeCookie(this.cookiePath, o.gid)
    this.#inodes.cookie = lstatSync(this.cookiePath).ino
    const host = this.#host(cookie)
    const server = createServer((socket) => { this.#accept(socket, host) })
    server.maxConnections = this.#limits.connectionsMax
    server.on('drop', () => { this.stats.rejected.too_many_connections++ })
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(o.path, () => { server.off('error', reject); resolve() })
      })
      chmodSync(o.path, o.mode)
      if (o.gid !== undefined) chownSync(o.path, process.getuid?.() ?? -1, o.gid)
      this.#inodes.socket = lstatSync(o.path).ino
    } catch (error) {
      server.close()
      removeIfOurs(this.cookiePath, this.#inodes.cookie)
      throw error
    }
    server.on('error', () => { /* a failed accept concerns one client only */ })
    this.#server = server
    if (atExit.size === 0) process.on('exit', onExit)
    atExit.add(this.#removeFiles)
  }

  /** Stops listening, closes every connection and removes the socket and cookie (if they are still ours). */
  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const s of this.#sockets) s.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    this.#removeFiles()
    atExit.delete(this.#removeFiles)
    if (atExit.size === 0) process.off('exit', onExit)
  }

  readonly #removeFiles = (): void => {
    removeIfOurs(this.path, this.#inodes.socket)
    removeIfOurs(this.cookiePath, this.#inodes.cookie)
  }

  #host(cookie: Buffer): ConnectionHost<C> {
    const o = this.#options
    return {
      table: o.table, context: o.context, cookie, limits: this.#limits,
      hello: () => ({ server: 'ts-ha', protocol: ADMIN_PROTOCOL, ...o.identity(), methods: Object.keys(o.table.methods).sort(), topics: Object.keys(o.table.topics).sort() }),
      rejected: (reason) => { this.stats.rejected[reason]++ },
      requested: () => { this.stats.requests++ },
    }
  }

  #accept(socket: Socket, host: ConnectionHost<C>): void {
    this.stats.accepted++
    this.stats.connections++
    this.#sockets.add(socket)
    socket.once('close', () => {
      this.stats.connections--
      this.#sockets.delete(socket)
    })
    new AdminConnection(socket, host)
  }
}
