import createDebug, { type Debugger } from 'debug'

/**
 * Where ts-ha's log records go: the shape of pino's logger (and of bunyan's,
 * winston's child loggers and console-like adapters), `level(obj, msg)`.
 * Every record's `obj` carries `layer` (totem, sync, cpg, lck, ckpt,
 * votequorum, transport, runtime, cluster, singleton) and `nodeId`.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * const cluster = new Cluster({ ...options, logger: pino({ level: 'info' }) })
 * ```
 */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One record, as it crosses from the engine thread (plain data only). */
export interface LogRecord {
  readonly level: LogLevel
  readonly layer: string
  readonly msg: string
  readonly fields?: Readonly<Record<string, unknown>>
}

const debuggers = new Map<string, Debugger>()

/**
 * The default logger: `debug` namespaces `ts-ha:<layer>`, so `DEBUG=ts-ha:*`
 * shows everything and `DEBUG=ts-ha:totem,ts-ha:cpg` a part. Levels other
 * than debug are written as a prefix.
 */
export const debugLogger: Logger = {
  debug: (obj, msg) => { write('debug', obj, msg) },
  info: (obj, msg) => { write('info', obj, msg) },
  warn: (obj, msg) => { write('warn', obj, msg) },
  error: (obj, msg) => { write('error', obj, msg) },
}

function write(level: LogLevel, obj: object, msg: string | undefined): void {
  const { layer, nodeId, ...rest } = obj as { layer?: unknown; nodeId?: unknown; [key: string]: unknown }
  const namespace = `ts-ha:${typeof layer === 'string' ? layer : 'cluster'}`
  let d = debuggers.get(namespace)
  if (d === undefined) {
    d = createDebug(namespace)
    debuggers.set(namespace, d)
  }
  if (!d.enabled) return
  const extra = Object.keys(rest).length === 0 ? '' : ` ${describeFields(rest)}`
  d('%s%s%s%s', level === 'debug' ? '' : `${level.toUpperCase()} `, nodeId === undefined ? '' : `[${String(nodeId)}] `, msg ?? '', extra)
}

function describeFields(fields: Record<string, unknown>): string {
  return Object.entries(fields).map(([k, v]) => `${k}=${v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : JSON.stringify(v) ?? String(v)}`).join(' ')
}

/** Logs of one node: every record gets this node's id and the layer. */
export class NodeLog {
  readonly #logger: Logger
  readonly #nodeId: number
  /** Whether the application supplied the logger (otherwise unheard errors also go to stderr). */
  readonly custom: boolean

  constructor(logger: Logger | undefined, nodeId: number) {
    this.#logger = logger ?? debugLogger
    this.custom = logger !== undefined
    this.#nodeId = nodeId
  }

  log(level: LogLevel, layer: string, msg: string, fields: Readonly<Record<string, unknown>> = {}): void {
    try {
      this.#logger[level]({ ...fields, layer, nodeId: this.#nodeId }, msg)
    } catch {
      // A throwing logger must not take the cluster down with it.
    }
  }

  record(r: LogRecord): void {
    this.log(r.level, r.layer, r.msg, r.fields)
  }

  /**
   * An error nobody listens for: logged, and (with the default logger, which
   * prints nothing unless DEBUG is set) written once to stderr, as ioredis
   * does with an unhandled `error` event, so failures are never silent.
   */
  unheard(layer: string, msg: string, error: unknown): void {
    this.log('error', layer, msg, { err: error })
    if (!this.custom) console.error(`[ts-ha] node ${this.#nodeId}: ${msg}: ${error instanceof Error ? error.message : String(error)} (add an 'error' listener or a logger to handle it)`)
  }
}
