/** An invariant of the protocol does not hold: the simulator stops and prints the seed. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation'
  readonly checker: string

  constructor(checker: string, message: string) {
    super(`[${checker}] ${message}`)
    this.checker = checker
  }
}
