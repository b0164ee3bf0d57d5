import { lstatSync, type Stats } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { ClusterError, type ClusterErrorCode } from '../errors.js'
import { readCookie } from './cookie.js'
import { cookiePathFor } from './paths.js'
import { ADMIN_FRAME_MAX, ADMIN_PROTOCOL, type AdminErrorBody, encodeFrame, FrameReader, type HelloResult } from './protocol.js'

export interface AdminConnectOptions {
  /** The node's admin socket. */
  readonly socket: string
  /** Its cookie file; default beside the socket (`.sock` → `.cookie`). */
  readonly cookie?: string
  /** For connecting and the hello. @default 5000 */
  readonly timeoutMs?: number
}

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: ClusterError) => void
}

/**
 * Subscriptions by id → their event callback. Events can arrive in the same
 * read as the subscribe answer, before the callback is registered: those
 * wait in `early` (bounded) until it is.
 */
interface Listeners {
  readonly callbacks: Map<number, (data: unknown) => void>
  readonly early: Map<number, unknown[]>
}

/** Events kept for a subscription whose callback is not registered yet. */
const EARLY_EVENTS_MAX = 1000

function toError(body: AdminErrorBody): ClusterError {
  return new ClusterError(body.code as ClusterErrorCode, body.message)
}

/**
 * Refuses to hand the cookie to a socket that is not what it seems: not a
 * socket, or owned by someone other than the owner of the cookie (another
 * user may have put it there to collect cookies).
 */
function checkedCookie(socket: string, cookiePath: string): Buffer {
  let st: Stats
  try {
    st = lstatSync(socket)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ClusterError('ERR_NOT_EXIST', `no admin socket at ${socket} (is the node running?)`)
    throw new ClusterError('ERR_ACCESS', `cannot inspect ${socket}: ${(error as Error).message}`)
  }
  if (!st.isSocket()) throw new ClusterError('ERR_ACCESS', `${socket} is not a socket`)
  const { cookie, uid } = readCookie(cookiePath)
  if (st.uid !== uid) {
    throw new ClusterError('ERR_ACCESS', `${socket} belongs to uid ${st.uid} but its cookie to uid ${uid}: another user may have put the socket there, so the cookie is not sent`)
  }
  return cookie
}

function connectError(socket: string, error: NodeJS.ErrnoException): ClusterError {
  switch (error.code) {
    case 'ECONNREFUSED': return new ClusterError('ERR_NOT_EXIST', `nothing listens on ${socket}: the node that made it is gone`)
    case 'EACCES': return new ClusterError('ERR_ACCESS', `permission denied on ${socket} (run as the node's user or a member of its admin group)`)
    case 'ENOENT': return new ClusterError('ERR_NOT_EXIST', `no admin socket at ${socket} (is the node running?)`)
    default: return new ClusterError('ERR_TRANSPORT', `cannot reach ${socket}: ${error.message}`)
  }
}

/**
 * A connection to one node's admin socket (what the `ts-ha` commands use):
 * numbered requests, and subscriptions whose events arrive on callbacks.
 */
export class AdminClient {
  readonly hello: HelloResult
  readonly #socket: Socket
  readonly #pending: Map<number, Pending>
  readonly #listeners: Listeners
  #nextId = 1
  #closedWith: ClusterError | undefined

  private constructor(socket: Socket, hello: HelloResult, pending: Map<number, Pending>, listeners: Listeners, nextId: number) {
    this.#socket = socket
    this.hello = hello
    this.#pending = pending
    this.#listeners = listeners
    this.#nextId = nextId
    socket.once('close', () => { this.#closedWith ??= new ClusterError('ERR_STOPPED', 'the node closed the admin connection') })
  }

  /** Checks the socket and cookie, connects and greets; rejects with a ClusterError that says what is wrong. */
  static async connect(options: AdminConnectOptions): Promise<AdminClient> {
    const cookie = checkedCookie(options.socket, options.cookie ?? cookiePathFor(options.socket))
    const socket = connect(options.socket)
    const pending = new Map<number, Pending>()
    const listeners: Listeners = { callbacks: new Map(), early: new Map() }
    attach(socket, pending, listeners)
    const timeoutMs = options.timeoutMs ?? 5000
    const timer = setTimeout(() => { socket.destroy(new Error(`no answer from ${options.socket} within ${timeoutMs} ms`)) }, timeoutMs)
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve)
        socket.once('error', (e: NodeJS.ErrnoException) => { reject(connectError(options.socket, e)) })
      })
      const hello = await send(socket, pending, 0, 'hello', { protocol: ADMIN_PROTOCOL, cookie: cookie.toString('hex') }) as HelloResult
      return new AdminClient(socket, hello, pending, listeners, 1)
    } catch (error) {
      socket.destroy()
      throw error instanceof ClusterError ? error : new ClusterError('ERR_TIMEOUT', (error as Error).message)
    } finally {
      clearTimeout(timer)
    }
  }

  request<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.#closedWith !== undefined) return Promise.reject(this.#closedWith)
    return send(this.#socket, this.#pending, this.#nextId++, method, params) as Promise<T>
  }

  /** Subscribes to `topic`; resolves with a function that ends the subscription. */
  async subscribe(topic: string, params: Record<string, unknown>, onEvent: (data: unknown) => void): Promise<() => Promise<void>> {
    const { subscription } = await this.request<{ subscription: number }>('subscribe', { ...params, topic })
    this.#listeners.callbacks.set(subscription, onEvent)
    const early = this.#listeners.early.get(subscription) ?? []
    this.#listeners.early.delete(subscription)
    for (const data of early) onEvent(data)
    return async () => {
      this.#listeners.callbacks.delete(subscription)
      await this.request('unsubscribe', { subscription })
    }
  }

  /** Resolves when the node closes the connection (or it breaks). */
  closed(): Promise<void> {
    if (this.#socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => { this.#socket.once('close', () => { resolve() }) })
  }

  close(): void {
    this.#socket.destroy()
  }
}

function send(socket: Socket, pending: Map<number, Pending>, id: number, method: string, params: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    socket.write(encodeFrame({ id, method, params }))
  })
}

/** Routes responses to their requests and events to their subscriptions; fails everything pending when the stream ends. */
function attach(socket: Socket, pending: Map<number, Pending>, listeners: Listeners): void {
  const reader = new FrameReader(ADMIN_FRAME_MAX)
  let lastError: ClusterError | undefined
  const failAll = (error: ClusterError): void => {
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  socket.on('data', (chunk: Buffer) => {
    const { frames, fault } = reader.push(chunk)
    if (fault !== undefined) {
      socket.destroy()
      return failAll(new ClusterError('ERR_PROTOCOL', `the node sent a bad frame (${fault})`))
    }
    for (const f of frames) {
      const m = JSON.parse(f.toString('utf8')) as { id?: number | null; ok?: boolean; result?: unknown; error?: AdminErrorBody; event?: string; subscription?: number; data?: unknown }
      if (m.event !== undefined) { event(listeners, m.subscription!, m.data); continue }
      if (m.id === null || m.id === undefined) { lastError = toError(m.error!); failAll(lastError); continue }
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (m.ok === true) p?.resolve(m.result)
      else p?.reject(toError(m.error!))
    }
  })
  socket.on('error', () => { /* reported through close */ })
  socket.on('close', () => { failAll(lastError ?? new ClusterError('ERR_STOPPED', 'the node closed the admin connection')) })
}

function event(listeners: Listeners, subscription: number, data: unknown): void {
  const callback = listeners.callbacks.get(subscription)
  if (callback !== undefined) return callback(data)
  const held = listeners.early.get(subscription) ?? []
  if (held.length < EARLY_EVENTS_MAX) held.push(data)
  listeners.early.set(subscription, held)
}
