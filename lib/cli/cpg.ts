import type { CpgReport } from '../shell/admin-methods.js'
import { EXIT_OK, processOutput, type CliCommand, type CliOutput } from './command.js'
import { NODE_OPTIONS, NODE_OPTIONS_USAGE, parseCommandLine, printJson, usageError, withNode } from './common.js'

const USAGE = `usage: ts-ha cpg [--json] [--socket <path>]

Every closed process group in the cluster with its members (corosync-cpgtool):
member id (unique per process and node lifetime), node id and address.

${NODE_OPTIONS_USAGE}`

const NAME_WIDTH = 24

/** corosync-cpgtool's table, with the member id where corosync shows a pid. */
export function cpgLines(r: CpgReport): string[] {
  const out = [`${'Group Name'.padEnd(NAME_WIDTH)}${'Member ID'.padEnd(NAME_WIDTH)}Node ID`]
  for (const g of r.groups) {
    out.push(g.name)
    for (const m of g.members) out.push(`${''.padEnd(NAME_WIDTH)}${m.memberId.padEnd(NAME_WIDTH)}${m.nodeId} (${m.addr || m.name})`)
  }
  return out
}

/** `ts-ha cpg`: corosync-cpgtool. */
export async function cpgCommand(args: string[], io: CliOutput = processOutput): Promise<number> {
  const parsed = parseCommandLine('cpg', USAGE, args, NODE_OPTIONS, io)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (positionals.length > 0) return usageError('cpg', `unexpected argument '${positionals[0]}'`, io)
  return withNode('cpg', values, io, async (client) => {
    const r = await client.request<CpgReport>('cpg.list')
    if (values['json'] === true) printJson(io, r)
    else io.out(cpgLines(r).join('\n'))
    return EXIT_OK
  })
}

export const cpg: CliCommand = {
  summary: 'process groups and their members (corosync-cpgtool)',
  usage: USAGE,
  run: (args, io) => cpgCommand(args, io),
}
