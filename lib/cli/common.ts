import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ClusterError } from '../errors.js'
import { AdminClient } from '../ipc/client.js'
import { defaultAdminDir, socketsIn } from '../ipc/paths.js'
import { probe } from '../ipc/place.js'
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type CliOutput } from './command.js'

/** Options every command that talks to a node accepts. */
export const NODE_OPTIONS = {
  json: { type: 'boolean' },
  socket: { type: 'string' },
  cookie: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The usage lines of {@link NODE_OPTIONS}. */
export const NODE_OPTIONS_USAGE = `  --socket <path>   the node's admin socket (default: $TS_HA_SOCKET, else the only
                    live one in ${defaultAdminDir()})
  --cookie <path>   its cookie file (default: beside the socket, .sock → .cookie)
  --json            print JSON (documented, stable) instead of text
  -h, --help        show this help`

type OptionSpec = Readonly<Record<string, { readonly type: 'boolean' | 'string'; readonly short?: string; readonly multiple?: boolean }>>
export type Values = Readonly<Record<string, string | boolean | undefined>>

/** A command line split into option values and positionals, or the exit status after a usage error (or --help). */
export function parseCommandLine(name: string, usage: string, args: string[], options: OptionSpec, io: CliOutput): { values: Values; positionals: string[] } | number {
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({ args, options: options as ParseArgsConfig['options'], strict: true, allowPositionals: true }) as typeof parsed
  } catch (error) {
    return usageError(name, argumentError(error), io)
  }
  if (parsed.values['help'] === true) {
    io.out(usage)
    return EXIT_OK
  }
  return parsed
}

/** parseArgs's message, shortened to what was wrong. */
function argumentError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const unknown = /^Unknown option '([^']+)'/.exec(message)
  if (unknown !== null) return `unknown option '${unknown[1]}'`
  return message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '')
}

/** One line on stderr, exit status 2. */
export function usageError(name: string, message: string, io: CliOutput): number {
  io.err(`ts-ha ${name}: ${message.split('\n')[0]} (see 'ts-ha help ${name.split(' ')[0]}')`)
  return EXIT_USAGE
}

export function stringValue(values: Values, key: string): string | undefined {
  const v = values[key]
  return typeof v === 'string' ? v : undefined
}

/**
 * The socket to use: `--socket`, else `$TS_HA_SOCKET`, else the only socket in
 * the default directory that accepts connections (sockets of nodes that died
 * are skipped).
 */
export async function findSocket(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (explicit !== undefined && explicit !== '') return explicit
  const fromEnv = env['TS_HA_SOCKET']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const dir = defaultAdminDir(env)
  const candidates = socketsIn(dir)
  const live = (await Promise.all(candidates.map(async (p) => ((await probe(p)) ? p : undefined)))).filter((p): p is string => p !== undefined)
  if (live.length === 1) return live[0]!
  if (live.length === 0) throw new ClusterError('ERR_NOT_EXIST', `no running node found: no live admin socket in ${dir} (pass --socket or set TS_HA_SOCKET)`)
  throw new ClusterError('ERR_INVALID_ARGUMENT', `${live.length} nodes serve admin sockets in ${dir}; choose one with --socket or TS_HA_SOCKET: ${live.join(' ')}`)
}

/** Connects to the node, runs `work`, closes; a ClusterError becomes one line on stderr and exit status 1. */
export async function withNode(name: string, values: Values, io: CliOutput, work: (client: AdminClient) => Promise<number>): Promise<number> {
  let client: AdminClient | undefined
  try {
    const socket = await findSocket(stringValue(values, 'socket'))
    const cookie = stringValue(values, 'cookie')
    client = await AdminClient.connect({ socket, ...(cookie === undefined ? {} : { cookie }) })
    return await work(client)
  } catch (error) {
    if (!(error instanceof ClusterError)) throw error
    io.err(`ts-ha ${name}: ${error.message}`)
    return EXIT_ERROR
  } finally {
    client?.close()
  }
}

/** `--json` output: indented, one document. */
export function printJson(io: CliOutput, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}

/** Resolves on SIGINT or SIGTERM (watch modes end there, with status 0). */
export function interrupted(): { readonly done: Promise<void>; dispose(): void } {
  let resolve!: () => void
  const done = new Promise<void>((r) => { resolve = r })
  const on = (): void => { resolve() }
  process.once('SIGINT', on)
  process.once('SIGTERM', on)
  return { done, dispose: () => { process.off('SIGINT', on); process.off('SIGTERM', on) } }
}

/**
 * A command that asks the node one thing and prints the answer: as JSON with
 * --json, else as the lines `render` makes of it. Takes no positionals.
 */
export function queryCommand<T>(name: string, usage: string, options: OptionSpec, method: string, render: (answer: T) => string[]): (args: string[], io: CliOutput) => Promise<number> {
  return async (args: string[], io: CliOutput): Promise<number> => {
    const parsed = parseCommandLine(name, usage, args, options, io)
    if (typeof parsed === 'number') return parsed
    const { values, positionals } = parsed
    if (positionals.length > 0) return usageError(name, `unexpected argument '${positionals[0]}'`, io)
    return withNode(name, values, io, async (client) => {
      const answer = await client.request<T>(method)
      if (values['json'] === true) printJson(io, answer)
      else io.out(render(answer).join('\n'))
      return EXIT_OK
    })
  }
}
