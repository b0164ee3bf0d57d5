/**
 * A bounded flight recorder of one simulation: the last lines are printed with
 * the seed when an invariant fails, so a failure can be read before it is replayed.
 */
export class Trace {
  readonly #lines: string[] = []
  readonly #capacity: number
  #dropped = 0
  /** Mirror every line to this sink as it is recorded (e.g. stdout when replaying one seed). */
  echo: ((line: string) => void) | undefined

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  add(at: number, line: string): void {
    const text = `${(at / 1000).toFixed(3).padStart(9)}s ${line}`
    this.echo?.(text)
    this.#lines.push(text)
    if (this.#lines.length > this.#capacity) {
      this.#lines.shift()
      this.#dropped++
    }
  }

  tail(count = this.#capacity): string[] {
    return this.#lines.slice(-count)
  }

  get dropped(): number {
    return this.#dropped
  }
}
