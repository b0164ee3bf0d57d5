import type { AdminClient } from '../ipc/client.js'
import { cmapValueText, parseCmapType, shortType, type CmapJsonEntry } from '../shell/cmap-json.js'
import { EXIT_OK, processOutput, type CliCommand, type CliOutput } from './command.js'
import { interrupted, NODE_OPTIONS, NODE_OPTIONS_USAGE, parseCommandLine, printJson, stringValue, usageError, withNode, type Values } from './common.js'

const USAGE = `usage: ts-ha cmap [list] [<prefix>]
       ts-ha cmap get <key>
       ts-ha cmap set <key> <value> [-t <type>]
       ts-ha cmap delete <key>
       ts-ha cmap track [<prefix>]

One node's configuration and runtime map (corosync-cmapctl): totem.*,
nodelist.*, quorum.*, runtime.totem.stats.*, runtime.members.*, …

  list [<prefix>]   keys under the prefix with type and value (the default)
  get <key>         one key; exit status 1 if it does not exist
  set <key> <value> write a key (runtime.*, nodelist.* and identity keys are read-only)
  delete <key>      remove a key
  track [<prefix>]  print every change under the prefix until interrupted
  -t, --type <type> the type for set: i8 u8 i16 u16 i32 u32 i64 u64 flt dbl str bin
                    (default: the key's current type, or str for a new key)
${NODE_OPTIONS_USAGE}`

const OPTIONS = { ...NODE_OPTIONS, type: { type: 'string', short: 't' } } as const

/** `key (type) = value`, as corosync-cmapctl prints it. */
export function cmapLine(e: CmapJsonEntry): string {
  return `${e.key} (${shortType(e.type)}) = ${cmapValueText(e)}`
}

interface CmapChangeJson { readonly kind: 'add' | 'modify' | 'delete'; readonly key: string; readonly entry?: CmapJsonEntry; readonly old?: CmapJsonEntry }

/** corosync-cmapctl -T's lines: `create> key (type) = value`, `modify> …`, `delete> key`. */
export function cmapChangeLine(c: CmapChangeJson): string {
  if (c.kind === 'delete' || c.entry === undefined) return `delete> ${c.key}`
  return `${c.kind === 'add' ? 'create' : 'modify'}> ${cmapLine(c.entry)}`
}

async function track(client: AdminClient, io: CliOutput, prefix: string, json: boolean): Promise<number> {
  const stop = interrupted()
  try {
    await client.subscribe('cmap', { prefix }, (data) => { io.out(json ? JSON.stringify(data) : cmapChangeLine(data as CmapChangeJson)) })
    await Promise.race([stop.done, client.closed()])
    return EXIT_OK
  } finally {
    stop.dispose()
  }
}

async function run(client: AdminClient, io: CliOutput, verb: string, rest: string[], values: Values): Promise<number> {
  const json = values['json'] === true
  const show = (v: unknown, lines: () => string[]): number => {
    if (json) printJson(io, v)
    else if (lines().length > 0) io.out(lines().join('\n'))
    return EXIT_OK
  }
  switch (verb) {
    case 'get': { const e = await client.request<CmapJsonEntry>('cmap.get', { key: rest[0] }); return show(e, () => [cmapLine(e)]) }
    case 'set': {
      const type = stringValue(values, 'type')
      const e = await client.request<CmapJsonEntry>('cmap.set', { key: rest[0], value: rest[1], ...(type === undefined ? {} : { type }) })
      return show(e, () => [])
    }
    case 'delete': await client.request('cmap.delete', { key: rest[0] }); return show({ ok: true }, () => [])
    case 'track': return track(client, io, rest[0] ?? '', json)
    default: { const list = await client.request<CmapJsonEntry[]>('cmap.list', { prefix: rest[0] ?? '' }); return show(list, () => list.map(cmapLine)) }
  }
}

const ARITY: Readonly<Record<string, readonly [number, number]>> = { list: [0, 1], get: [1, 1], set: [2, 2], delete: [1, 1], track: [0, 1] }

/** `ts-ha cmap`: corosync-cmapctl. */
export async function cmapCommand(args: string[], io: CliOutput = processOutput): Promise<number> {
  const parsed = parseCommandLine('cmap', USAGE, args, OPTIONS, io)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  const verb = positionals[0] !== undefined && Object.hasOwn(ARITY, positionals[0]) ? positionals[0] : 'list'
  const rest = verb === positionals[0] ? positionals.slice(1) : positionals
  const [min, max] = ARITY[verb]!
  if (rest.length < min || rest.length > max) return usageError('cmap', `${verb} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${rest.length}`, io)
  const type = stringValue(values, 'type')
  if (type !== undefined && (verb !== 'set' || parseCmapType(type) === undefined)) return usageError('cmap', verb !== 'set' ? '--type goes with set' : `unknown type '${type}'`, io)
  return withNode('cmap', values, io, (client) => run(client, io, verb, rest, values))
}

export const cmap: CliCommand = {
  summary: 'read, write and track the configuration and runtime map (corosync-cmapctl)',
  usage: USAGE,
  run: (args, io) => cmapCommand(args, io),
}
