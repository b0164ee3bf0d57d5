import { EXIT_OK, processOutput, type CliCommand, type CliOutput } from './command.js'
import { usageError } from './common.js'
import { NODE_RUN_USAGE } from './node-run-usage.js'

const USAGE = `usage: ts-ha node <subcommand> [args]

  run --conf <corosync.conf>   run a stand-alone node (see ts-ha node run --help)

(list, standby, online, maintenance and attribute come with the resource manager.)

${NODE_RUN_USAGE}`

/**
 * `ts-ha node <subcommand>`. EXTENSION POINT: the resource manager adds
 * `list`, `standby`, `online`, `maintenance`, `attribute` here, one entry each.
 */
const SUBCOMMANDS: Readonly<Record<string, (args: string[], io: CliOutput) => Promise<number>>> = {
  // Loaded on use: the node pulls in the whole engine, which the other commands never need.
  run: async (args, io) => (await import('./node-run.js')).nodeRun(args, io),
}

export async function nodeCommand(args: string[], io: CliOutput = processOutput): Promise<number> {
  const [sub, ...rest] = args
  if (sub === '-h' || sub === '--help') {
    io.out(USAGE)
    return EXIT_OK
  }
  if (sub === undefined) return usageError('node', 'which subcommand? (run)', io)
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined
  if (run === undefined) return usageError('node', `unknown subcommand '${sub}'`, io)
  return run(rest, io)
}

export const node: CliCommand = {
  summary: 'run a stand-alone node from a corosync.conf (node run)',
  usage: USAGE,
  run: (args, io) => nodeCommand(args, io),
}
