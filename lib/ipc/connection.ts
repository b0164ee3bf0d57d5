import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ClusterError } from '../errors.js'
import { cookieMatches } from './cookie.js'
import { type AdminLimits, type RejectReason, TokenBucket } from './limits.js'
import { ADMIN_PROTOCOL, type AdminRequest, encodeFrame, FrameReader, type HelloResult } from './protocol.js'
import type { AdminParams, AdminTable } from './table.js'

/** What a connection needs from its server. */
export interface ConnectionHost<C> {
  readonly table: AdminTable<C>
  readonly context: C
  readonly cookie: Buffer
  readonly limits: AdminLimits
  hello(): HelloResult
  rejected(reason: RejectReason): void
  requested(): void
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** A frame as a request, or why it is not one. */
function parseRequest(body: Buffer): AdminRequest | string {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch {
    return 'the frame is not UTF-8 JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a request must be a JSON object'
  const { id, method, params } = value as Record<string, unknown>
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return 'a request needs an integer id ≥ 0'
  if (typeof method !== 'string' || method.length === 0 || method.length > 128) return 'a request needs a method name'
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return 'params must be an object'
  return { id, method, ...(params === undefined ? {} : { params: params as AdminParams }) }
}

/**
 * One client of the admin socket: the hello handshake, then requests answered
 * in any order, at a bounded rate and concurrency, and subscriptions. A frame
 * that is not a request closes this connection (only), counted by reason.
 */
export class AdminConnection<C> {
  readonly #socket: Socket
  readonly #host: ConnectionHost<C>
  readonly #reader: FrameReader
  readonly #bucket: TokenBucket
  readonly #queue: Buffer[] = []
  readonly #subscriptions = new Map<number, () => void>()
  #authed = false
  #closed = false
  #inFlight = 0
  #nextSubscription = 0
  #wake: NodeJS.Timeout | undefined
  readonly #helloTimer: NodeJS.Timeout

  constructor(socket: Socket, host: ConnectionHost<C>) {
    this.#socket = socket
    this.#host = host
    this.#reader = new FrameReader(host.limits.frameMax)
    this.#bucket = new TokenBucket(host.limits.requestsPerSecond, host.limits.burst, performance.now())
    this.#helloTimer = setTimeout(() => { this.#reject('handshake_timeout', 'no hello within the handshake time') }, host.limits.helloTimeoutMs)
    this.#helloTimer.unref()
    socket.on('data', (chunk: Buffer) => { this.#onData(chunk) })
    socket.on('close', () => { this.#cleanup() })
    socket.on('error', () => { this.#cleanup() })
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return
    const { frames, fault, length } = this.#reader.push(chunk)
    if (fault === 'oversized') return this.#reject('oversized', `a frame of ${length} bytes exceeds the limit of ${this.#host.limits.frameMax}`)
    if (fault === 'empty') return this.#reject('malformed', 'an empty frame')
    for (const f of frames) this.#queue.push(f)
    this.#pump()
  }

  /** Handles queued frames while the rate and concurrency allow; the socket waits otherwise. */
  #pump(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      if (this.#inFlight >= this.#host.limits.inFlightMax) break
      if (!this.#bucket.take(performance.now())) {
        this.#wake ??= setTimeout(() => { this.#wake = undefined; this.#pump() }, this.#bucket.waitMs())
        break
      }
      this.#handle(this.#queue.shift()!)
    }
    if (this.#closed) return
    if (this.#queue.length > 0) this.#socket.pause()
    else this.#socket.resume()
  }

  #handle(body: Buffer): void {
    const request = parseRequest(body)
    if (typeof request === 'string') return this.#reject('malformed', request)
    if (!this.#authed) return this.#hello(request)
    this.#host.requested()
    const params = request.params ?? {}
    switch (request.method) {
      case 'hello': return this.#fail(request.id, new ClusterError('ERR_INVALID_ARGUMENT', 'already greeted'))
      case 'subscribe': return this.#startSubscription(request.id, params)
      case 'unsubscribe': return this.#run(request.id, () => this.#unsubscribe(params))
    }
    const method = Object.hasOwn(this.#host.table.methods, request.method) ? this.#host.table.methods[request.method] : undefined
    if (method === undefined) return this.#fail(request.id, new ClusterError('ERR_INVALID_ARGUMENT', `no method ${request.method}`))
    this.#run(request.id, () => method(this.#host.context, params))
  }

  #hello(request: AdminRequest): void {
    if (request.method !== 'hello') return this.#reject('unauthenticated', 'the first request must be hello with the cookie')
    const params = request.params ?? {}
    if (params['protocol'] !== ADMIN_PROTOCOL) {
      return this.#reject('protocol_version', `this node speaks admin protocol ${ADMIN_PROTOCOL}, the client ${JSON.stringify(params['protocol'])}`, request.id, 'ERR_ACCESS')
    }
    if (!cookieMatches(this.#host.cookie, params['cookie'])) {
      return this.#reject('auth', 'wrong cookie: it is not this node\'s (was the node restarted since the cookie was read?)', request.id, 'ERR_ACCESS')
    }
    this.#authed = true
    clearTimeout(this.#helloTimer)
    this.#send({ id: request.id, ok: true, result: this.#host.hello() })
  }

  #run(id: number, work: () => unknown): void {
    this.#inFlight++
    Promise.resolve().then(work).then(
      (result) => { this.#send({ id, ok: true, result: result ?? null }) },
      (error: unknown) => { this.#fail(id, error) },
    ).finally(() => {
      this.#inFlight--
      this.#pump()
    })
  }

  /** Events a topic emits before the subscribe answer is out are held back, so the client knows the id first. */
  #startSubscription(id: number, params: AdminParams): void {
    this.#inFlight++
    const held: unknown[] = []
    let answered = false
    const subscription = ++this.#nextSubscription
    const topic = params['topic']
    const emit = (data: unknown): void => {
      const frame = { event: topic, subscription, data }
      if (answered) this.#send(frame)
      else held.push(frame)
    }
    this.#subscribe(subscription, params, emit).then(
      () => {
        this.#send({ id, ok: true, result: { subscription } })
        answered = true
        for (const frame of held.splice(0)) this.#send(frame)
      },
      (error: unknown) => { this.#fail(id, error) },
    ).finally(() => {
      this.#inFlight--
      this.#pump()
    })
  }

  async #subscribe(subscription: number, params: AdminParams, emit: (data: unknown) => void): Promise<void> {
    const topic = params['topic']
    const start = typeof topic === 'string' && Object.hasOwn(this.#host.table.topics, topic) ? this.#host.table.topics[topic] : undefined
    if (start === undefined) throw new ClusterError('ERR_INVALID_ARGUMENT', `no topic ${String(topic)}`)
    if (this.#subscriptions.size >= this.#host.limits.subscriptionsMax) throw new ClusterError('ERR_NO_SPACE', `at most ${this.#host.limits.subscriptionsMax} subscriptions per connection`)
    const stop = await start(this.#host.context, params, emit)
    if (this.#closed) stop()
    else this.#subscriptions.set(subscription, stop)
  }

  #unsubscribe(params: AdminParams): null {
    const id = params['subscription']
    const stop = typeof id === 'number' ? this.#subscriptions.get(id) : undefined
    if (stop === undefined) throw new ClusterError('ERR_NOT_EXIST', `no subscription ${String(id)}`)
    this.#subscriptions.delete(id as number)
    stop()
    return null
  }

  #fail(id: number | null, error: unknown): void {
    const e = error instanceof ClusterError ? { code: error.code, message: error.message }
      : { code: 'ERR_INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}` }
    this.#send({ id, ok: false, error: e })
  }

  #send(message: unknown): void {
    if (this.#closed) return
    let frame = encodeFrame(message)
    if (frame.length - 4 > this.#host.limits.frameMax) {
      const id = (message as { id?: number | null }).id ?? null
      frame = encodeFrame({ id, ok: false, error: { code: 'ERR_MESSAGE_TOO_LARGE', message: `the answer (${frame.length - 4} bytes) exceeds the frame limit` } })
    }
    if (this.#socket.writableLength + frame.length > this.#host.limits.writeBufferMax) {
      this.#host.rejected('slow_consumer')
      this.#socket.destroy()
      this.#cleanup()
      return
    }
    this.#socket.write(frame)
  }

  /** Says why (one error frame) and closes this connection. */
  #reject(reason: RejectReason, message: string, id: number | null = null, code = 'ERR_PROTOCOL'): void {
    if (this.#closed) return
    this.#host.rejected(reason)
    this.#send({ id, ok: false, error: { code, message } })
    this.#cleanup()
    this.#socket.end()
    setTimeout(() => { this.#socket.destroy() }, 1000).unref()
  }

  #cleanup(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    clearTimeout(this.#helloTimer)
    if (this.#wake !== undefined) clearTimeout(this.#wake)
    for (const stop of this.#subscriptions.values()) stop()
    this.#subscriptions.clear()
  }
}
