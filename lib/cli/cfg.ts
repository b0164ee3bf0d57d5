import type { LinkStatus } from '../shell/links.js'
import { processOutput, type CliCommand } from './command.js'
import { NODE_OPTIONS, NODE_OPTIONS_USAGE, queryCommand } from './common.js'

const USAGE = `usage: ts-ha cfg -s [--json] [--socket <path>]

Link status of one node (corosync-cfgtool -s): each link with its address and,
per node, localhost, connected (in the current ring) or disconnected.

  -s, --status     show the link status (the default)
${NODE_OPTIONS_USAGE}`

const OPTIONS = { ...NODE_OPTIONS, status: { type: 'boolean', short: 's' } } as const

/** corosync-cfgtool -s, knet style (one block per link). */
export function linkStatusLines(s: LinkStatus): string[] {
  const out = [`Local node ID ${s.localNodeId}, transport ${s.transport}`]
  for (const link of s.links) {
    out.push(`LINK ID ${link.linkId} ${link.protocol}`, `\taddr\t= ${link.addr}:${link.port}${link.mcastAddr === undefined ? '' : ` (multicast ${link.mcastAddr})`}`)
    if (!link.active) out.push('\tring\t= not formed: this node is not operational in a ring')
    out.push('\tstatus:', ...link.nodes.map((n) => `\t\tnodeid: ${String(n.nodeId).padStart(10)}:\t${n.status}`))
  }
  return out
}

/** `ts-ha cfg -s`: corosync-cfgtool -s. */
export const cfgCommand = queryCommand('cfg', USAGE, OPTIONS, 'cfg.links', linkStatusLines)

export const cfg: CliCommand = {
  summary: 'link status (corosync-cfgtool -s)',
  usage: USAGE,
  run: (args, io) => cfgCommand(args, io ?? processOutput),
}
