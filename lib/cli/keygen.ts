import { parseArgs } from 'node:util'
import { AUTHKEY_BYTES, DEFAULT_AUTHKEY_PATH, writeAuthKey } from '../crypto/authkey.js'
import { ClusterError } from '../errors.js'
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, processOutput, type CliCommand, type CliOutput } from './command.js'

const USAGE = `usage: ts-ha keygen [-k|--key-file <path>] [--force]

Writes a new ${AUTHKEY_BYTES}-byte cluster authkey from the OS random generator
(instant: it never waits for entropy) with mode 0400, then copy it to every node.

  -k, --key-file <path>  where to write it (default ${DEFAULT_AUTHKEY_PATH})
      --force            replace an existing key (atomically); every node then needs the new key
  -h, --help             show this help`

/**
 * `ts-ha keygen`: creates the cluster authkey (corosync-keygen's job).
 * Refuses to overwrite an existing key unless `--force`.
 *
 * @returns the exit status: 0 written, 1 failed (reason on stderr), 2 bad arguments.
 */
export function keygenCommand(args: string[], io: CliOutput = processOutput): number {
  let values: { 'key-file'?: string | undefined; force?: boolean | undefined; help?: boolean | undefined }
  try {
    values = parseArgs({
      args,
      options: {
        'key-file': { type: 'string', short: 'k' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    io.err(`ts-ha keygen: ${err instanceof Error ? err.message : String(err)}`)
    io.err(USAGE)
    return EXIT_USAGE
  }
  if (values.help === true) {
    io.out(USAGE)
    return EXIT_OK
  }
  const path = values['key-file'] ?? DEFAULT_AUTHKEY_PATH
  if (path === '') {
    io.err('ts-ha keygen: --key-file must not be empty')
    io.err(USAGE)
    return EXIT_USAGE
  }
  try {
    const key = writeAuthKey(path, { force: values.force === true })
    io.out(`ts-ha keygen: wrote a ${key.length}-byte authkey to ${path} (mode 0400); copy it to every node of the cluster`)
    return EXIT_OK
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err
    io.err(`ts-ha keygen: ${err.message}`)
    return EXIT_ERROR
  }
}

/** The `keygen` entry of the `ts-ha` command table. */
export const keygen: CliCommand = {
  summary: 'create the cluster authkey (256 random bytes, mode 0400)',
  usage: USAGE,
  run: (args, io) => keygenCommand(args, io),
}
