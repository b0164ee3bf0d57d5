/**
 * The totem section: protocol version, cluster name, transport, timers, crypto and
 * the interface (link 0) settings, read from the flat key space into ts-ha options.
 */
import { isIP } from 'node:net'
import type { SecauthOptions } from '../cluster/options.js'
import type { TotemOptions } from '../totem/config.js'
import type { ConfReader } from './conf-reader.js'
import { BOOL, IP, oneOf } from './conf-values.js'

/** corosync totem key → TotemOptions field (the integer timers and limits). */
export const TOTEM_KEYS: ReadonlyArray<readonly [string, keyof TotemOptions]> = [
  ['token', 'token'], ['token_coefficient', 'tokenCoefficient'], ['token_retransmit', 'tokenRetransmit'],
  ['token_retransmits_before_loss_const', 'tokenRetransmitsBeforeLossConst'], ['token_warning', 'tokenWarning'],
  ['hold', 'hold'], ['join', 'join'], ['send_join', 'sendJoin'], ['consensus', 'consensus'], ['merge', 'merge'],
  ['downcheck', 'downcheck'], ['fail_recv_const', 'failRecvConst'], ['seqno_unchanged_const', 'seqnoUnchangedConst'],
  ['heartbeat_failures_allowed', 'heartbeatFailuresAllowed'], ['max_network_delay', 'maxNetworkDelay'],
  ['window_size', 'windowSize'], ['max_messages', 'maxMessages'], ['miss_count_const', 'missCountConst'],
  ['netmtu', 'netmtu'], ['cancel_token_hold_on_retransmit', 'cancelTokenHoldOnRetransmit'],
]

const KNET = 'is a knet setting; ts-ha has no knet transport and ignores it'
/** Totem keys corosync knows that have no effect in ts-ha, with the reason. */
const IGNORED: Readonly<Record<string, string>> = {
  threads: 'has no effect: ts-ha runs the protocol on one thread (see ClusterOptions.engine)',
  nodeid: 'is deprecated in corosync and ignored: node ids come from the nodelist',
  ip_version: 'has no effect: ts-ha does not resolve host names, the addresses give the family',
  rrp_mode: 'has no effect: ts-ha uses a single ring',
  link_mode: KNET, ip_dscp: KNET, block_unlisted_ips: KNET, crypto_model: KNET,
}
const KNOWN = new Set([
  ...TOTEM_KEYS.map(([k]) => k), ...Object.keys(IGNORED), 'version', 'cluster_name', 'transport', 'secauth',
  'crypto_cipher', 'crypto_hash', 'keyfile', 'key', 'clear_node_high_bit', 'config_version',
])
const INTERFACE_KNOWN = new Set(['bindnetaddr', 'mcastaddr', 'broadcast', 'mcastport', 'ttl'])
const DEFAULT_KEYFILE = '/etc/corosync/authkey'

/** What the totem section contributes to the cluster options. */
export interface TotemPart {
  readonly clusterName: string
  readonly transport: 'udpu' | 'udp'
  readonly totem: TotemOptions
  readonly secauth: SecauthOptions
  /** Used when node ids are derived from IPv4 addresses. */
  readonly clearNodeHighBit: boolean
  readonly network: { readonly port?: number; readonly mcastAddr?: string; readonly ttl?: number }
}

/** Reads the totem section (and its interface sub-sections). */
export function readTotem(r: ConfReader): TotemPart {
  if (!r.lines.has('totem')) r.fail('totem', "missing totem section: corosync.conf needs at least 'totem { version: 2 }'", 1)
  const version = r.number('totem.version')
  if (version === undefined) r.fail('totem.version', "missing: add 'version: 2' to the totem section", r.lines.get('totem'))
  if (version !== 2) r.fail('totem.version', `must be 2 (the totem protocol version of corosync 2 and 3), got ${version}`)
  warnTotemKeys(r)
  const clusterName = readClusterName(r)
  const transport = readTransport(r)
  return {
    clusterName, transport, totem: readTimers(r), secauth: readSecauth(r),
    clearNodeHighBit: r.bool('totem.clear_node_high_bit', BOOL) ?? false,
    network: readInterface(r, transport, clusterName),
  }
}

function warnTotemKeys(r: ConfReader): void {
  for (const key of r.under('totem')) {
    const name = key.slice('totem.'.length)
    if (name.includes('.')) continue
    const ignored = IGNORED[name] ?? (name.startsWith('knet_') ? KNET : undefined)
    if (ignored !== undefined) r.warn(key, `${name} ${ignored}`)
    else if (!KNOWN.has(name)) r.warn(key, `unknown totem key '${name}' is ignored (misspelt?)`)
  }
  const configVersion = r.get('totem.config_version')
  if (configVersion !== undefined && configVersion !== 0) {
    r.warn('totem.config_version', 'is kept in the key space but not enforced: ts-ha does not compare config_version between nodes')
  }
}

function readClusterName(r: ConfReader): string {
  const name = r.string('totem.cluster_name')
  if (name !== undefined && name !== '') return name
  r.warn('totem.cluster_name', "not set: using 'ts-ha'. Nodes ignore frames of other cluster names, so give every node " +
    'the same cluster_name (corosync leaves it optional)', r.lines.get('totem.cluster_name') ?? r.lines.get('totem') ?? 0)
  return 'ts-ha'
}

function readTransport(r: ConfReader): 'udpu' | 'udp' {
  const transport = r.read('totem.transport', oneOf('udpu', 'udp', 'knet'))
  if (transport === 'knet') {
    r.warn('totem.transport', 'knet is not supported, using udpu')
    return 'udpu'
  }
  return transport === 'udp' ? 'udp' : 'udpu'
}

function readTimers(r: ConfReader): TotemOptions {
  const totem: Record<string, number | boolean> = {}
  for (const [key, field] of TOTEM_KEYS) {
    const value = field === 'cancelTokenHoldOnRetransmit' ? r.bool(`totem.${key}`, BOOL) : r.number(`totem.${key}`)
    if (value !== undefined) totem[field] = value
  }
  return totem as TotemOptions
}

/**
 * corosync 3: `secauth: on` means aes256 + sha256 unless crypto_cipher/crypto_hash say
 * otherwise. ts-ha has one scheme (AES-256-GCM), switched on by secauth or by any
 * cipher or hash other than none; values that name another algorithm get a warning.
 */
function readSecauth(r: ConfReader): SecauthOptions {
  const secauth = r.bool('totem.secauth', BOOL)
  const cipher = r.string('totem.crypto_cipher')
  const hash = r.string('totem.crypto_hash')
  const crypto = (cipher !== undefined && cipher !== 'none') || (hash !== undefined && hash !== 'none')
  if (secauth !== true && !crypto) {
    if (r.has('totem.keyfile')) r.warn('totem.keyfile', 'is not used: secauth is off and crypto_cipher/crypto_hash are none')
    return false
  }
  const raw = r.string('totem.secauth')
  if (secauth === true && raw !== 'on') r.warn('totem.secauth', `corosync only recognises 'on' and would run unencrypted with "${raw}"; ts-ha enables encryption`)
  if (secauth === true && cipher === 'none' && hash === 'none') {
    r.warn('totem.secauth', 'secauth is on but crypto_cipher and crypto_hash are none: corosync would run unencrypted; ts-ha enables AES-256-GCM')
  }
  if (cipher === 'aes128' || cipher === 'aes192') {
    r.warn('totem.crypto_cipher', `ts-ha always uses AES-256-GCM; crypto_cipher ${cipher} is not used`)
  }
  if (hash !== undefined && hash !== 'none' && hash !== 'sha256') {
    r.warn('totem.crypto_hash', `ts-ha always uses AES-256-GCM, whose tag authenticates frames; crypto_hash ${hash} is not used`)
  }
  const keyFile = r.string('totem.keyfile')
  if (keyFile !== undefined) return { keyFile }
  const key = r.string('totem.key')
  if (key === undefined) return { keyFile: DEFAULT_KEYFILE }
  r.warn('totem.key', 'a key written in corosync.conf is readable by anyone who can read the file; prefer keyfile')
  return { key: new TextEncoder().encode(key) }
}

/** Link 0's port, multicast address and TTL; other links and knet settings are reported as ignored. */
function readInterface(r: ConfReader, transport: 'udpu' | 'udp', clusterName: string): TotemPart['network'] {
  for (const path of r.lines.keys()) {
    const link = /^totem\.interface\.([0-9]+)$/.exec(path)?.[1]
    if (link !== undefined && link !== '0') r.warn(path, `interface for link ${link} is ignored: ts-ha uses one ring (link 0)`)
  }
  const p = 'totem.interface.0'
  for (const key of r.under(p)) {
    const name = key.slice(p.length + 1)
    if (name.startsWith('member.')) r.warn(key, 'interface member lists are deprecated and ignored; the nodelist names the nodes')
    else if (name.startsWith('knet_')) r.warn(key, `${name} ${KNET}`)
    else if (!INTERFACE_KNOWN.has(name)) r.warn(key, `unknown interface key '${name}' is ignored (misspelt?)`)
  }
  if (r.has(`${p}.broadcast`)) r.warn(`${p}.broadcast`, 'broadcast is not supported; use transport udp (multicast) or udpu')
  if (r.has(`${p}.bindnetaddr`)) r.warn(`${p}.bindnetaddr`, "is ignored: with a nodelist each node binds to its own ring0_addr (as corosync does)")
  const port = r.number(`${p}.mcastport`)
  const ttl = r.number(`${p}.ttl`)
  const network: { port?: number; mcastAddr?: string; ttl?: number } = port === undefined ? {} : { port }
  if (transport === 'udpu') {
    if (ttl !== undefined && ttl !== 1) r.fail(`${p}.ttl`, 'can only be set with transport udp (multicast); remove it or use ttl: 1')
    if (r.has(`${p}.mcastaddr`)) {
      r.warn(`${p}.mcastaddr`, 'is ignored with transport udpu (the ts-ha default); set transport: udp to use multicast')
    }
    return network
  }
  if (ttl !== undefined) network.ttl = ttl
  const given = r.read(`${p}.mcastaddr`, IP)
  if (given !== undefined && !isMulticast(String(given))) r.fail(`${p}.mcastaddr`, `"${given}" is not a multicast address (224.0.0.0/4 or ff00::/8)`)
  network.mcastAddr = given === undefined ? clusterMcastAddr(clusterName, r.string('totem.ip_version')) : String(given)
  return network
}

function isMulticast(addr: string): boolean {
  if (isIP(addr) === 6) return addr.toLowerCase().startsWith('ff')
  const first = Number(addr.split('.')[0])
  return first >= 224 && first <= 239
}

/**
 * corosync's multicast address when mcastaddr is absent (totemconfig.c
 * get_cluster_mcast_addr): a 16-bit hash of the cluster name (signed C chars,
 * shift-and-add), then 239.192.<hi>.<lo % 255> — corosync's `% 0xFF`, kept so both
 * pick the same group — or ff15::<hex> for IPv6.
 */
export function clusterMcastAddr(clusterName: string, ipVersion?: string): string {
  let value = 0
  for (const byte of new TextEncoder().encode(clusterName)) value = ((value << 1) + (byte > 127 ? byte - 256 : byte)) | 0
  const id = value & 0xffff
  if (ipVersion === 'ipv6' || ipVersion === 'ipv6-4') return `ff15::${id.toString(16)}`
  return `239.192.${id >> 8}.${id % 0xff}`
}
