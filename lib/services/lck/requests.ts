import { validName } from './messages.js'
import { LCK_NAME_MAX, type LckMode } from './types.js'

/** A client's acquire, checked. */
export interface AcquireArgs {
  readonly name: string
  readonly mode: LckMode
  readonly try: boolean
  readonly waiterId: string
  readonly timeoutMs: number | undefined
}

/** Checks an acquire's arguments; a string is what is wrong with them. */
export function parseAcquire(raw: unknown): AcquireArgs | string {
  const args = (raw ?? {}) as Record<string, unknown>
  const name = args['name']
  if (!validName(name)) return `lock names are 1 to ${LCK_NAME_MAX} bytes`
  const mode = args['mode'] ?? 'exclusive'
  if (mode !== 'exclusive' && mode !== 'shared') return `lock mode is 'exclusive' or 'shared', got ${String(mode)}`
  const waiterId = args['waiterId']
  if (typeof waiterId !== 'string' || waiterId.length === 0) return 'an acquire needs a waiterId'
  const timeoutMs = args['timeoutMs']
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    return `timeoutMs must be a finite number ≥ 0, got ${String(timeoutMs)}`
  }
  return { name, mode, try: args['try'] === true, waiterId, timeoutMs }
}

/** A string argument of a request, or undefined. */
export function stringArg(raw: unknown, key: string): string | undefined {
  const value = ((raw ?? {}) as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : undefined
}

/** The ClusterError code of a refused multicast. */
export function mcastError(result: string): string {
  return result === 'queue-full' ? 'ERR_QUEUE_FULL' : result === 'too-big' ? 'ERR_MESSAGE_TOO_LARGE' : 'ERR_STOPPED'
}
