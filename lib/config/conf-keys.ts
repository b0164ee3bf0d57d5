/**
 * Flattens the parsed tree into the corosync key space the way corosync's parser
 * callback fills icmap (coroparse.c `main_config_parser_cb`): typed keys become
 * numbers, interface keys move to `totem.interface.<linknumber>.*`, nodes to
 * `nodelist.node.<i>.*`, logger_subsys keys to `logging.logger_subsys.<subsys>.*`.
 */
import type { ConfKey, ConfSection } from './conf-parser.js'
import type { ConfReader } from './conf-reader.js'
import { BOOL, FLAG, I32, U16, U32, U64, U8, oneOf, type ValueKind } from './conf-values.js'

const TOTEM_U32 = [
  'version', 'nodeid', 'threads', 'token', 'token_coefficient', 'token_retransmit', 'token_warning', 'hold',
  'token_retransmits_before_loss_const', 'join', 'send_join', 'consensus', 'merge', 'downcheck', 'fail_recv_const',
  'seqno_unchanged_const', 'heartbeat_failures_allowed', 'max_network_delay', 'window_size', 'max_messages',
  'miss_count_const', 'knet_pmtud_interval', 'knet_mtu', 'knet_compression_threshold', 'netmtu',
]
const LOGGING: Array<[string, ValueKind]> = [
  ['to_stderr', BOOL], ['to_logfile', BOOL], ['to_syslog', BOOL], ['fileline', BOOL], ['function_name', BOOL],
  ['blackbox', BOOL], ['timestamp', oneOf('on', 'off', 'hires')], ['debug', oneOf('on', 'off', 'trace')],
]

/** Kinds by schema path (the dotted section names, without link, node or subsys indices). */
const SCHEMA = new Map<string, ValueKind>([
  ...TOTEM_U32.map((k): [string, ValueKind] => [`totem.${k}`, U32]),
  ['totem.knet_compression_level', I32],
  ['totem.config_version', U64],
  // Enumerations corosync checks while parsing.
  ['totem.ip_version', oneOf('ipv4', 'ipv6', 'ipv4-6', 'ipv6-4')],
  ['totem.crypto_cipher', oneOf('none', 'aes256', 'aes192', 'aes128')],
  ['totem.crypto_hash', oneOf('none', 'md5', 'sha1', 'sha256', 'sha384', 'sha512')],
  ['totem.crypto_model', oneOf('nss', 'openssl')],
  ['totem.interface.linknumber', U8],
  ['totem.interface.ringnumber', U8],
  ['totem.interface.mcastport', U16],
  ['totem.interface.ttl', U8],
  ['totem.interface.knet_link_priority', U8],
  ...['knet_ping_interval', 'knet_ping_timeout', 'knet_ping_precision', 'knet_pong_count']
    .map((k): [string, ValueKind] => [`totem.interface.${k}`, U32]),
  ...['expected_votes', 'votes', 'last_man_standing_window', 'leaving_timeout']
    .map((k): [string, ValueKind] => [`quorum.${k}`, U32]),
  ...['two_node', 'expected_votes_tracking', 'allow_downscale', 'wait_for_all', 'auto_tie_breaker', 'last_man_standing']
    .map((k): [string, ValueKind] => [`quorum.${k}`, FLAG]),
  ['quorum.device.timeout', U32],
  ['quorum.device.sync_timeout', U32],
  ['quorum.device.votes', U32],
  ['quorum.device.master_wins', FLAG],
  ['nodelist.node.nodeid', U32],
  ['nodelist.node.quorum_votes', U32],
  ...['logging', 'logging.logger_subsys', 'logging.logging_daemon']
    .flatMap((s) => LOGGING.map(([k, kind]): [string, ValueKind] => [`${s}.${k}`, kind])),
  ['system.qb_ipc_type', oneOf('native', 'shm', 'socket')],
  ['system.sched_rr', oneOf('yes', 'no')],
  ['system.move_to_root_cgroup', oneOf('yes', 'no', 'auto')],
  ['system.allow_knet_handle_fallback', oneOf('yes', 'no')],
  ['resources.watchdog_timeout', U32],
  ['resources.system.memory_used.poll_period', U64],
  ['resources.process.memory_used.poll_period', U64],
])

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`)
const keysOf = (s: ConfSection): ConfKey[] => s.items.filter((i): i is ConfKey => i.kind === 'key')
const lastKey = (s: ConfSection, name: string): ConfKey | undefined => keysOf(s).filter((k) => k.name === name).pop()

/** Fills `r.keys` and `r.lines` from the tree. */
export function flattenConf(root: ConfSection, r: ConfReader): void {
  new Flattener(r).walk(root, '', '')
}

class Flattener {
  nodeIndex = 0
  nodelistLine: number | undefined

  constructor(readonly r: ConfReader) {}

  /** Items of `section`, stored under `cmap` and typed by `schema`; `skip` names keys handled by the caller. */
  walk(section: ConfSection, cmap: string, schema: string, skip: readonly string[] = []): void {
    for (const item of section.items) {
      if (item.kind === 'key') {
        // Keys outside any section are plain strings in corosync, even when named like 'totem.token'.
        if (!skip.includes(item.name)) this.store(join(cmap, item.name), schema === '' ? '' : join(schema, item.name), item)
      } else {
        this.section(item, cmap, schema)
      }
    }
  }

  store(key: string, schemaKey: string, item: ConfKey): void {
    const kind = SCHEMA.get(schemaKey)
    this.r.set(key, kind === undefined ? item.value : this.r.convert(key, item.value, item.line, kind), item.line)
  }

  typed(section: ConfSection, name: string, kind: ValueKind): number | undefined {
    const key = lastKey(section, name)
    if (key === undefined) return undefined
    return Number(this.r.convert(join(section.path, name), key.value, key.line, kind))
  }

  section(s: ConfSection, cmap: string, schema: string): void {
    const path = join(schema, s.name)
    if (path === 'totem.interface') return this.iface(s)
    if (path === 'nodelist') this.nodelist(s)
    if (path === 'nodelist.node') return this.node(s)
    if (path === 'logging.logger_subsys') return this.subsys(s)
    if (path === 'logging.logging_daemon') return this.daemon(s)
    if (path === 'uidgid') this.uidgid(s)
    this.r.section(join(cmap, s.name), s.line)
    this.walk(s, join(cmap, s.name), path)
  }

  /** One interface section becomes `totem.interface.<linknumber>` (ringnumber is corosync 2's name for it). */
  iface(s: ConfSection): void {
    const link = this.typed(s, 'linknumber', U8) ?? this.typed(s, 'ringnumber', U8) ?? 0
    const prefix = `totem.interface.${link}`
    this.r.section(prefix, s.line)
    for (const sub of s.items.filter((i): i is ConfSection => i.kind === 'section')) {
      if (sub.name !== 'member') continue
      // Old UDPU member lists: corosync allows only memberaddr and no sub-sections here.
      const bad = sub.items.find((i) => i.kind === 'section' || i.name !== 'memberaddr')
      if (bad !== undefined) this.r.fail(`${prefix}.member`, "only 'memberaddr' keys are allowed in a member section", bad.line)
      for (const addr of keysOf(sub)) this.r.set(`${prefix}.member.${this.r.under(`${prefix}.member`).length}`, addr.value, addr.line)
    }
    const rest: ConfSection = { ...s, items: s.items.filter((i) => i.kind === 'key' || i.name !== 'member') }
    this.walk(rest, prefix, 'totem.interface', ['linknumber', 'ringnumber'])
  }

  nodelist(s: ConfSection): void {
    if (this.nodelistLine !== undefined) {
      this.r.fail('nodelist', `a second nodelist section (the first is at line ${this.nodelistLine}); ` +
        'corosync would merge their nodes by position: put every node in one nodelist', s.line)
    }
    this.nodelistLine = s.line
  }

  node(s: ConfSection): void {
    const prefix = `nodelist.node.${this.nodeIndex++}`
    this.r.section(prefix, s.line)
    this.walk(s, prefix, 'nodelist.node')
  }

  subsys(s: ConfSection): void {
    const subsys = lastKey(s, 'subsys')
    if (subsys === undefined) {
      this.r.fail('logging.logger_subsys', "a logger_subsys section needs a 'subsys' key naming the subsystem (e.g. subsys: QUORUM)", s.line)
    }
    const prefix = `logging.logger_subsys.${this.subsysName(subsys)}`
    this.r.section(prefix, s.line)
    this.walk(s, prefix, 'logging.logger_subsys')
  }

  /** logging_daemon keys land where corosync puts them: under logging (name corosync) or logging.logging_daemon.<name>. */
  daemon(s: ConfSection): void {
    const name = lastKey(s, 'name')
    if (name === undefined) {
      this.r.fail('logging.logging_daemon', "a logging_daemon section needs a 'name' key (e.g. name: corosync)", s.line)
    }
    const subsysKey = lastKey(s, 'subsys')
    const subsys = subsysKey === undefined ? undefined : this.subsysName(subsysKey)
    const own = name.value === 'corosync'
    const base = own ? 'logging' : `logging.logging_daemon.${name.value}`
    const prefix = subsys === undefined ? base : own ? `logging.logger_subsys.${subsys}` : `${base}.${subsys}`
    this.r.section(prefix, s.line)
    this.walk(s, prefix, 'logging.logging_daemon', ['name', 'subsys'])
    if (subsys !== undefined && subsysKey !== undefined) this.r.set(`${prefix}.subsys`, subsys, subsysKey.line)
    if (!own) this.r.set(`${prefix}.name`, name.value, name.line)
  }

  subsysName(key: ConfKey): string {
    if (!/^[A-Za-z0-9_/:-]+$/.test(key.value)) {
      this.r.fail('logging.logger_subsys.subsys', `subsystem name "${key.value}" becomes part of key names: use letters, digits, _ - / :`, key.line)
    }
    return key.value
  }

  uidgid(s: ConfSection): void {
    const bad = s.items.find((i) => i.kind === 'section' || (i.name !== 'uid' && i.name !== 'gid'))
    if (bad !== undefined) this.r.fail(join('uidgid', bad.name), "only 'uid' and 'gid' keys are allowed in the uidgid section", bad.line)
  }
}
