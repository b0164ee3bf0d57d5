import type { CpgReport } from '../shell/admin-methods.js'
import { processOutput, type CliCommand } from './command.js'
import { NODE_OPTIONS, NODE_OPTIONS_USAGE, queryCommand } from './common.js'

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
export const cpgCommand = queryCommand('cpg', USAGE, NODE_OPTIONS, 'cpg.list', cpgLines)

export const cpg: CliCommand = {
  summary: 'process groups and their members (corosync-cpgtool)',
  usage: USAGE,
  run: (args, io) => cpgCommand(args, io ?? processOutput),
}
