/**
 * Raised when an internal invariant does not hold: a bug in ts-ha, never an
 * operating condition. Operating errors use {@link ClusterError} subclasses.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError'
}

/** Crash loudly on a broken invariant (TigerStyle: a corrupt state must not limp on). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`)
}
