/** One `ts-ha <name>` subcommand, as the dispatcher in `main.ts` lists it. */
export interface CliCommand {
  /** One line for `ts-ha help`. */
  readonly summary: string
  /** Full usage text for `ts-ha help <name>` and usage errors. */
  readonly usage: string
  /**
   * Runs the command with the arguments after its name; resolves to the
   * exit status ({@link EXIT_OK}, {@link EXIT_ERROR} or {@link EXIT_USAGE}).
   * Writes its own messages; may throw only for bugs.
   */
  run(args: string[], io?: CliOutput): number | Promise<number>
}

/** Success. */
export const EXIT_OK = 0
/** The command failed; the reason went to stderr. */
export const EXIT_ERROR = 1
/** Bad command line; usage went to stderr. */
export const EXIT_USAGE = 2

/** Where commands write: the process streams by default, swappable in tests. */
export interface CliOutput {
  out(line: string): void
  err(line: string): void
  /** stdout is a terminal (watch modes redraw the screen instead of appending). */
  readonly tty?: boolean
}

/** Writes to the process's stdout and stderr. */
export const processOutput: CliOutput = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  get tty() { return process.stdout.isTTY === true },
}
