import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StatusSnapshot } from '../status/snapshot.js'
import { statusView } from '../status/view.js'
import { PAGE_JS } from '../status-page/app.js'
import { PAGE_CSS, PAGE_HTML } from '../status-page/page.js'
import { EXPOSITION_CONTENT_TYPE } from './exposition.js'

/** What the listener serves from. */
export interface ListenerSource {
  status(): Promise<StatusSnapshot>
  metrics(): Promise<string>
  /** Pushes a snapshot now and at every change until the returned function is called. */
  watchStatus(emit: (s: StatusSnapshot) => void): () => void
}

/** Live status pages at once; more get 503 (each one costs a snapshot per change). */
const SSE_CLIENTS_MAX = 32
const SSE_HEARTBEAT_MS = 15_000

const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const

const STATIC: Readonly<Record<string, { type: string; body: string }>> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/index.html': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/app.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: PAGE_JS },
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** The Host header's name, without port and brackets. */
function hostName(header: string | undefined): string {
  if (header === undefined) return ''
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'))
  return header.split(':')[0] ?? ''
}

/**
 * The HTTP side of a node: `/metrics` (Prometheus text), `/` (the status
 * page), `/events` (its live feed, server-sent events) and `/status.json`.
 * Read-only. Bound to loopback by default; bound there, it also refuses
 * requests whose Host is not a loopback name, so a web page elsewhere cannot
 * read it through DNS rebinding.
 */
export class MetricsListener {
  readonly #source: ListenerSource
  readonly #port: number
  readonly #host: string
  #server: Server | undefined
  #sse = 0
  readonly #closers = new Set<() => void>()

  constructor(source: ListenerSource, port: number, host = '127.0.0.1') {
    this.#source = source
    this.#port = port
    this.#host = host
  }

  /** `http://host:port/` once listening. */
  get url(): string | undefined {
    const a = this.#server?.address() as AddressInfo | null | undefined
    if (a === undefined || a === null) return undefined
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => { this.#route(req, res) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.#host, () => { server.off('error', reject); resolve() })
    })
    this.#server = server
  }

  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const close of [...this.#closers]) close()
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    if (isLoopback(this.#host) && !isLoopback(hostName(req.headers.host))) return this.#plain(res, 403, 'forbidden: this listener answers loopback names only\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return this.#plain(res, 405, 'method not allowed\n')
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const file = Object.hasOwn(STATIC, path) ? STATIC[path] : undefined
    if (file !== undefined) return this.#send(res, 200, file.type, file.body, { 'Content-Security-Policy': "default-src 'self'" })
    switch (path) {
      case '/favicon.ico': res.writeHead(204, HEADERS); res.end(); return
      case '/metrics': return this.#async(res, async () => { this.#send(res, 200, EXPOSITION_CONTENT_TYPE, await this.#source.metrics()) })
      case '/status.json': return this.#async(res, async () => { this.#send(res, 200, 'application/json', JSON.stringify(statusView(await this.#source.status()))) })
      case '/events': return this.#events(req, res)
      default: return this.#plain(res, 404, 'not found\n')
    }
  }

  #events(req: IncomingMessage, res: ServerResponse): void {
    if (this.#sse >= SSE_CLIENTS_MAX) return this.#plain(res, 503, 'too many live status pages\n')
    this.#sse++
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream', 'Connection': 'keep-alive', 'X-Accel-Buffering': 'no' })
    res.write('retry: 2000\n\n')
    const stop = this.#source.watchStatus((s) => { res.write(`event: status\ndata: ${JSON.stringify(statusView(s))}\n\n`) })
    const beat = setInterval(() => { res.write(': keep-alive\n\n') }, SSE_HEARTBEAT_MS)
    beat.unref()
    const close = (): void => {
      if (!this.#closers.delete(close)) return
      this.#sse--
      stop()
      clearInterval(beat)
      res.end()
    }
    this.#closers.add(close)
    req.on('close', close)
  }

  #async(res: ServerResponse, work: () => Promise<void>): void {
    work().catch((error: unknown) => { this.#plain(res, 500, `error: ${error instanceof Error ? error.message : String(error)}\n`) })
  }

  #send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
    if (res.headersSent) return
    res.writeHead(status, { ...HEADERS, ...extra, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
    res.end(res.req.method === 'HEAD' ? undefined : body)
  }

  #plain(res: ServerResponse, status: number, body: string): void {
    this.#send(res, status, 'text/plain; charset=utf-8', body)
  }
}
