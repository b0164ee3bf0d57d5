import type { AdminClient } from '../ipc/client.js'
import type { StatusSnapshot } from '../status/snapshot.js'
import { statusText } from '../status/text.js'
import { EXIT_OK, processOutput, type CliCommand, type CliOutput } from './command.js'
import { interrupted, NODE_OPTIONS, NODE_OPTIONS_USAGE, parseCommandLine, printJson, stringValue, usageError, withNode } from './common.js'

const USAGE = `usage: ts-ha status [--watch [--interval <ms>]] [--json] [--socket <path>]

The cluster as one node sees it, crm_mon style: cluster name, ring id, quorum
with votes, nodes online and offline, process groups, locks, checkpoints.

  -w, --watch            redraw on every membership or quorum change (and every
                         --interval ms) until interrupted; with --json, one JSON
                         document per line
      --interval <ms>    refresh period of --watch (default 2000, at least 250)
${NODE_OPTIONS_USAGE}

--json prints the snapshot (schema "ts-ha.status/1", see README "Operating a
cluster"). Exit status: 0 ok, 1 the node could not be asked, 2 bad arguments.`

const OPTIONS = { ...NODE_OPTIONS, watch: { type: 'boolean', short: 'w' }, interval: { type: 'string' } } as const

/** Clears a terminal and homes the cursor, so a watch redraws in place. */
const CLEAR = '\x1b[H\x1b[2J'

function print(io: CliOutput, s: StatusSnapshot, json: boolean, watching: boolean): void {
  if (json) {
    io.out(watching ? JSON.stringify(s) : JSON.stringify(s, null, 2))
    return
  }
  if (watching && io.tty === true) io.out(CLEAR)
  else if (watching) io.out('')
  io.out(statusText(s).join('\n'))
}

async function watch(client: AdminClient, io: CliOutput, json: boolean, intervalMs: number): Promise<number> {
  const stop = interrupted()
  try {
    await client.subscribe('status', { intervalMs }, (data) => { print(io, data as StatusSnapshot, json, true) })
    await Promise.race([stop.done, client.closed()])
    return EXIT_OK
  } finally {
    stop.dispose()
  }
}

/** `ts-ha status`: crm_mon for a ts-ha cluster. */
export async function statusCommand(args: string[], io: CliOutput = processOutput): Promise<number> {
  const parsed = parseCommandLine('status', USAGE, args, OPTIONS, io)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (positionals.length > 0) return usageError('status', `unexpected argument '${positionals[0]}'`, io)
  const interval = stringValue(values, 'interval')
  const intervalMs = interval === undefined ? 2000 : Number(interval)
  if (!(intervalMs >= 250)) return usageError('status', `--interval must be a number of milliseconds ≥ 250, got '${interval}'`, io)
  const json = values['json'] === true
  return withNode('status', values, io, async (client) => {
    if (values['watch'] === true) return watch(client, io, json, intervalMs)
    const s = await client.request<StatusSnapshot>('status')
    if (json) printJson(io, s)
    else print(io, s, false, false)
    return EXIT_OK
  })
}

export const status: CliCommand = {
  summary: 'show the cluster: nodes, quorum, groups, locks, checkpoints (crm_mon)',
  usage: USAGE,
  run: (args, io) => statusCommand(args, io),
}
