import type { AdminClient } from '../ipc/client.js'
import type { QuorumReport } from '../shell/admin-methods.js'
import { EXIT_OK, processOutput, type CliCommand, type CliOutput } from './command.js'
import { interrupted, NODE_OPTIONS, NODE_OPTIONS_USAGE, parseCommandLine, printJson, stringValue, usageError, withNode, type Values } from './common.js'

const USAGE = `usage: ts-ha quorum [-s | -l | -m | -e <votes> | -v <votes> [-n <nodeid>] | --cancel-wait-for-all]

votequorum on one node (corosync-quorumtool).

  -s, --status               quorum and membership information (the default)
  -l, --list                 the members with their votes
  -m, --monitor              print the status again at every quorum change, until interrupted
  -e, --expected <votes>     set expected votes cluster-wide (e.g. to regain quorum
                             after nodes were removed for good)
  -v, --votes <votes>        set the votes of a node (this one unless -n)
  -n, --nodeid <nodeid>      the node -v applies to
      --cancel-wait-for-all  let quorum form now although not every node was seen
${NODE_OPTIONS_USAGE}`

const OPTIONS = {
  ...NODE_OPTIONS,
  status: { type: 'boolean', short: 's' }, list: { type: 'boolean', short: 'l' }, monitor: { type: 'boolean', short: 'm' },
  expected: { type: 'string', short: 'e' }, votes: { type: 'string', short: 'v' }, nodeid: { type: 'string', short: 'n' },
  'cancel-wait-for-all': { type: 'boolean' },
} as const

const row = (label: string, value: string | number): string => `${`${label}:`.padEnd(18)}${value}`

function membershipLines(q: QuorumReport): string[] {
  return [
    'Membership information', '----------------------', '    Nodeid      Votes Name',
    ...q.members.map((m) => `${String(m.nodeId).padStart(10)} ${String(m.votes).padStart(10)} ${m.name}${m.local ? ' (local)' : ''}`),
  ]
}

/** corosync-quorumtool -s, without its Date line (the answer is about now anyway). */
export function quorumStatusLines(q: QuorumReport): string[] {
  if (q.provider === 'none') return ['Quorum information', '------------------', row('Quorum provider', 'none (every partition is quorate)'), '', ...membershipLines(q)]
  return [
    'Quorum information', '------------------',
    row('Cluster name', q.clusterName), row('Quorum provider', 'corosync_votequorum'), row('Nodes', q.members.length), row('Node ID', q.localNodeId),
    row('Ring ID', q.ringId ?? 'none yet'), row('Quorate', q.quorate ? 'Yes' : 'No'),
    '', 'Votequorum information', '----------------------',
    row('Expected votes', q.expectedVotes), row('Highest expected', q.highestExpected), row('Total votes', q.totalVotes),
    row('Quorum', `${q.quorum}${q.quorate ? '' : '  Activity blocked'}`), row('Flags', [...q.flags, ...(q.waitingForAll ? ['WaitingForAll'] : [])].join(' ')),
    '', ...membershipLines(q),
  ]
}

function count(values: Values, key: string, min: number): number | string {
  const raw = stringValue(values, key)
  const n = Number(raw)
  return raw !== undefined && /^\d+$/.test(raw) && n >= min ? n : `--${key} takes an integer ≥ ${min}, got '${raw}'`
}

async function monitor(client: AdminClient, io: CliOutput, json: boolean): Promise<number> {
  const stop = interrupted()
  const show = async (): Promise<void> => {
    const q = await client.request<QuorumReport>('quorum.status')
    io.out(json ? JSON.stringify(q) : `${quorumStatusLines(q).join('\n')}\n`)
  }
  try {
    await show()
    await client.subscribe('quorum', {}, () => { show().catch(() => { /* the connection is gone: the race below ends */ }) })
    await Promise.race([stop.done, client.closed()])
    return EXIT_OK
  } finally {
    stop.dispose()
  }
}

/** The change a command line asks for, as an admin request; undefined for the read-only forms. */
function change(values: Values): { method: string; params: Record<string, unknown> } | string | undefined {
  if (values['expected'] !== undefined) {
    const n = count(values, 'expected', 1)
    return typeof n === 'string' ? n : { method: 'quorum.setExpected', params: { value: n } }
  }
  if (values['votes'] !== undefined) {
    const n = count(values, 'votes', 0)
    if (typeof n === 'string') return n
    if (values['nodeid'] === undefined) return { method: 'quorum.setVotes', params: { votes: n } }
    const id = count(values, 'nodeid', 1)
    return typeof id === 'string' ? id : { method: 'quorum.setVotes', params: { votes: n, nodeId: id } }
  }
  if (values['cancel-wait-for-all'] === true) return { method: 'quorum.cancelWaitForAll', params: {} }
  if (values['nodeid'] !== undefined) return '-n needs -v'
  return undefined
}

/** `ts-ha quorum`: corosync-quorumtool. */
export async function quorumCommand(args: string[], io: CliOutput = processOutput): Promise<number> {
  const parsed = parseCommandLine('quorum', USAGE, args, OPTIONS, io)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (positionals.length > 0) return usageError('quorum', `unexpected argument '${positionals[0]}'`, io)
  const modes = ['status', 'list', 'monitor', 'expected', 'votes', 'cancel-wait-for-all'].filter((k) => values[k] !== undefined)
  if (modes.length > 1) return usageError('quorum', `choose one of ${modes.map((m) => `--${m}`).join(', ')}`, io)
  const wanted = change(values)
  if (typeof wanted === 'string') return usageError('quorum', wanted, io)
  const json = values['json'] === true
  return withNode('quorum', values, io, async (client) => {
    if (wanted !== undefined) {
      await client.request(wanted.method, wanted.params)
      if (json) printJson(io, { ok: true })
      return EXIT_OK
    }
    if (values['monitor'] === true) return monitor(client, io, json)
    const q = await client.request<QuorumReport>('quorum.status')
    if (json) printJson(io, q)
    else io.out((values['list'] === true ? membershipLines(q) : quorumStatusLines(q)).join('\n'))
    return EXIT_OK
  })
}

export const quorum: CliCommand = {
  summary: 'votequorum status, members and votes; set expected votes (corosync-quorumtool)',
  usage: USAGE,
  run: (args, io) => quorumCommand(args, io),
}
