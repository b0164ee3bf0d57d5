#!/usr/bin/env node
/**
 * The `ts-ha` command: `ts-ha <command> [args]`. Commands live in
 * {@link COMMANDS}; adding one is one line there.
 *
 * @module
 */
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, processOutput, type CliCommand, type CliOutput } from './command.js'
import { TS_HA_VERSION } from '../util/version.js'
import { cfg } from './cfg.js'
import { cmap } from './cmap.js'
import { cpg } from './cpg.js'
import { node } from './node.js'
import { quorum } from './quorum.js'
import { status } from './status.js'
import { keygen } from './keygen.js'
import { simulateCli } from './simulate.js'

/** Every `ts-ha` subcommand, by name. */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  status,
  quorum,
  cfg,
  cmap,
  cpg,
  node,
  keygen,
  simulate: simulateCli,
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length), 4)
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return ['usage: ts-ha <command> [args]', '', 'commands:', ...lines, `  ${'help'.padEnd(width)}  show this list, or a command's usage: ts-ha help <command>`].join('\n')
}

function lookup(name: string): CliCommand | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
}

/**
 * Runs `ts-ha` with the given arguments (without `node` and the script) and
 * resolves to the exit status: 0 ok, 1 error (message on stderr), 2 usage.
 */
export async function main(argv: string[], io: CliOutput = processOutput): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    io.err(overview())
    return EXIT_USAGE
  }
  if (name === 'help' || name === '--help' || name === '-h') return help(rest, io)
  if (name === '--version' || name === '-V') {
    io.out(`ts-ha ${TS_HA_VERSION}`)
    return EXIT_OK
  }
  const command = lookup(name)
  if (command === undefined) {
    io.err(`ts-ha: unknown command '${name}'`)
    io.err(overview())
    return EXIT_USAGE
  }
  return command.run(rest, io)
}

function help(args: string[], io: CliOutput): number {
  const [topic, ...extra] = args
  if (topic === undefined) {
    io.out(overview())
    return EXIT_OK
  }
  const command = lookup(topic)
  if (command === undefined || extra.length > 0) {
    io.err(command === undefined ? `ts-ha help: unknown command '${topic}'` : 'usage: ts-ha help [command]')
    io.err(overview())
    return EXIT_USAGE
  }
  io.out(command.usage)
  return EXIT_OK
}

/** True when this file is the process's script (also through the npm bin symlink), not an import. */
function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`ts-ha: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exitCode = EXIT_ERROR
    },
  )
}
