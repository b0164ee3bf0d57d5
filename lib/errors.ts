/**
 * Every error ts-ha throws on purpose is a {@link ClusterError} with a stable
 * string `code`; callers switch on the code, never on the message.
 */

export type ClusterErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_NOT_STARTED'
  | 'ERR_STOPPED'
  | 'ERR_NO_QUORUM'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_QUEUE_FULL'
  | 'ERR_TRY_AGAIN'
  | 'ERR_ABORTED'
  | 'ERR_TIMEOUT'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NOT_EXIST'
  | 'ERR_EXIST'
  | 'ERR_LOCK_TIMEOUT'
  | 'ERR_LOCK_LOST'
  | 'ERR_NO_SPACE'
  /** The admin socket refused, or the client refused the socket (cookie, file modes, owners). */
  | 'ERR_ACCESS'
  /** A malformed or oversized admin frame; the connection is closed. */
  | 'ERR_PROTOCOL'
  | 'ERR_TRANSPORT'
  /** A message was accepted but will never be delivered here; whether other members delivered it is unknown. */
  | 'ERR_NOT_DELIVERED'

/**
 * Instances carry the names of their class chain under a registry symbol, so
 * that `instanceof` holds between two installed copies of ts-ha in one
 * process (an app and a plugin each depending on it), where the prototype
 * chains differ.
 */
const brand = Symbol.for('ts-ha.ClusterError')

/** A class's stable name: its own `errorName` (bundlers rename classes), else its name. */
function errorNameOf(c: Function): string {
  return Object.hasOwn(c, 'errorName') ? (c as unknown as { errorName: string }).errorName : c.name
}

function classChain(target: Function): string[] {
  const names: string[] = []
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) names.push(errorNameOf(c as Function))
  return names
}

export class ClusterError extends Error {
  /** The `name` of errors of this class, fixed so that a minifier or bundler renaming the class changes nothing. */
  static readonly errorName: string = 'ClusterError'
  readonly code: ClusterErrorCode

  constructor(code: ClusterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = errorNameOf(new.target)
    Object.defineProperty(this, brand, { value: classChain(new.target) })
  }

  /** True for errors of this class made by any copy of ts-ha loaded in the process, bundled or not. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    if (typeof value !== 'object' || value === null) return false
    const chain = (value as { [brand]?: unknown })[brand]
    return Array.isArray(chain) && chain.includes(errorNameOf(this))
  }
}

/** A configuration value is missing, malformed or out of range. Names the key and, for files, the line. */
export class ConfigError extends ClusterError {
  static override readonly errorName: string = 'ConfigError'
  /** The option path (`totem.token`, `nodes[1].addr`) or corosync.conf key. */
  readonly key: string
  readonly line: number | undefined

  constructor(key: string, message: string, line?: number, options?: ErrorOptions) {
    super('ERR_CONFIG', `${line === undefined ? '' : `line ${line}: `}${key}: ${message}`, options)
    this.key = key
    this.line = line
  }
}

/** An argument of a call was of the wrong type or out of range; `argument` names it (`options.timeoutMs`). */
export class InvalidArgumentError extends ClusterError {
  static override readonly errorName: string = 'InvalidArgumentError'
  readonly argument: string

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super('ERR_INVALID_ARGUMENT', `${argument}: ${message}`, options)
    this.argument = argument
  }
}

/** The form of a ClusterError that crosses a thread boundary (structured clone keeps no class). */
export interface SerializedError {
  readonly name: string
  readonly code: string
  readonly message: string
  readonly key?: string
  readonly line?: number
  readonly argument?: string
  readonly cause?: SerializedError
}

/** Flattens any thrown value (a ClusterError subclass keeps its name and fields). */
export function serializeError(error: unknown): SerializedError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Partial<ConfigError & InvalidArgumentError>
  const code = typeof e.code === 'string' && e.code.startsWith('ERR_') ? e.code : 'ERR_TRANSPORT'
  const message = typeof e.message === 'string' ? e.message : String(error)
  return {
    name: typeof e.name === 'string' ? e.name : 'Error', code, message,
    ...(e instanceof ConfigError ? { key: e.key, ...(e.line === undefined ? {} : { line: e.line }) } : {}),
    ...(e instanceof InvalidArgumentError ? { argument: e.argument } : {}),
    ...(e.cause === undefined ? {} : { cause: serializeError(e.cause) }),
  }
}

/** Rebuilds the error on this side, of the same class where it is one of ours. */
export function deserializeError(s: SerializedError): ClusterError {
  const options = s.cause === undefined ? undefined : { cause: deserializeError(s.cause) }
  if (s.name === 'ConfigError' && s.key !== undefined) {
    // The message already carries "line N: key: "; rebuild without repeating it.
    const prefix = `${s.line === undefined ? '' : `line ${s.line}: `}${s.key}: `
    return new ConfigError(s.key, s.message.startsWith(prefix) ? s.message.slice(prefix.length) : s.message, s.line, options)
  }
  if (s.name === 'InvalidArgumentError' && s.argument !== undefined) {
    const prefix = `${s.argument}: `
    return new InvalidArgumentError(s.argument, s.message.startsWith(prefix) ? s.message.slice(prefix.length) : s.message, options)
  }
  return new ClusterError(s.code as ClusterErrorCode, s.message, options)
}

/** `ERR_ABORTED` with the signal's reason as `cause`: what every aborted call of the API rejects with. */
export function abortError(signal: AbortSignal, what: string): ClusterError {
  return new ClusterError('ERR_ABORTED', `${what} was aborted`, { cause: signal.reason })
}

/** Throws {@link abortError} if `signal` is already aborted (instead of the reason itself, as `throwIfAborted` does). */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw abortError(signal, what)
}
