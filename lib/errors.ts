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

const brand = Symbol.for('ts-ha.ClusterError')

export class ClusterError extends Error {
  readonly code: ClusterErrorCode

  constructor(code: ClusterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
    Object.defineProperty(this, brand, { value: true })
  }

  /** Works across duplicate copies of the package in one process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && brand in value && Function.prototype[Symbol.hasInstance].call(this, value)
  }
}

/** A configuration value is missing, malformed or out of range. Names the key and, for files, the line. */
export class ConfigError extends ClusterError {
  readonly key: string
  readonly line: number | undefined

  constructor(key: string, message: string, line?: number, options?: ErrorOptions) {
    super('ERR_CONFIG', `${line === undefined ? '' : `line ${line}: `}${key}: ${message}`, options)
    this.key = key
    this.line = line
  }
}
