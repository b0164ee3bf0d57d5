/**
 * The nodelist: one NodeConfig per `node { }`, with corosync's node id derivation
 * for IPv4 addresses and errors for duplicates that name both lines.
 */
import { isIP } from 'node:net'
import type { NodeConfig } from '../cluster/options.js'
import type { NodeId } from '../totem/ring-id.js'
import type { ConfReader } from './conf-reader.js'
import { IP, ipv4ToUint32 } from './conf-values.js'

const NODE_KNOWN = new Set(['ring0_addr', 'nodeid', 'name', 'quorum_votes'])

/**
 * corosync's automatic node id (totemconfig.c generate_nodeid, UDP/UDPU only): the
 * IPv4 address as a 32-bit number, with the high bit cleared when
 * `clear_node_high_bit: yes` (some clients want a positive signed id).
 * Undefined for anything but an IPv4 address.
 */
export function deriveNodeId(addr: string, clearNodeHighBit = false): NodeId | undefined {
  const value = ipv4ToUint32(addr)
  if (value === undefined) return undefined
  return clearNodeHighBit ? value % 0x80000000 : value
}

/** Indices of the node sections, in file order. */
function nodeIndices(r: ConfReader): number[] {
  const out: number[] = []
  for (const path of r.lines.keys()) {
    const i = /^nodelist\.node\.([0-9]+)$/.exec(path)?.[1]
    if (i !== undefined) out.push(Number(i))
  }
  return out.sort((a, b) => a - b)
}

/** Reads every node; ts-ha requires a nodelist (it has no multicast auto-discovery). */
export function readNodelist(r: ConfReader, clearNodeHighBit: boolean): NodeConfig[] {
  if (!r.lines.has('nodelist')) {
    r.fail('nodelist', 'nodelist required: ts-ha needs a nodelist { node { ring0_addr: … nodeid: … } … } section listing ' +
      'every node (it does not discover members by multicast as corosync does without one)', r.lines.get('totem'))
  }
  const indices = nodeIndices(r)
  if (indices.length === 0) r.fail('nodelist', "nodelist has no node { } entries; add one 'node { ring0_addr: … }' per cluster node")
  const nodes = indices.map((i) => readNode(r, `nodelist.node.${i}`, clearNodeHighBit))
  checkUnique(r, nodes, (n) => n.node.nodeId, 'node id', (n) => n.idKey)
  checkUnique(r, nodes, (n) => canonicalAddr(n.node.addr), 'ring0_addr', (n) => n.addrKey)
  checkUnique(r, nodes.filter((n) => n.node.name !== undefined), (n) => n.node.name, 'name', (n) => `${n.prefix}.name`)
  return nodes.map((n) => n.node)
}

interface ReadNode {
  readonly node: NodeConfig
  readonly prefix: string
  /** Key whose line identifies the node id (nodeid, or ring0_addr when derived). */
  readonly idKey: string
  readonly addrKey: string
}

function readNode(r: ConfReader, prefix: string, clearNodeHighBit: boolean): ReadNode {
  for (const key of r.under(prefix)) {
    const name = key.slice(prefix.length + 1)
    if (/^ring[1-7]_addr$/.test(name)) r.warn(key, `${name} is ignored: ts-ha uses a single ring (ring0_addr)`)
    else if (!NODE_KNOWN.has(name)) r.warn(key, `unknown node key '${name}' is ignored (misspelt?)`)
  }
  const addrKey = `${prefix}.ring0_addr`
  if (!r.has(addrKey)) r.fail(addrKey, "missing: every node needs 'ring0_addr: <IP address>'", r.lines.get(prefix))
  const addr = String(r.read(addrKey, IP))
  const given = r.number(`${prefix}.nodeid`)
  let nodeId: number
  let idKey = `${prefix}.nodeid`
  if (given !== undefined) {
    if (given === 0) r.fail(idKey, 'node id 0 is reserved; use 1..4294967295')
    nodeId = given
  } else {
    const derived = deriveNodeId(addr, clearNodeHighBit)
    if (derived === undefined) r.fail(idKey, `missing: an IPv6 ring0_addr (${addr}) needs an explicit nodeid (ids are only derived from IPv4 addresses)`, r.lines.get(addrKey))
    if (derived === 0) r.fail(idKey, `the id derived from ${addr} is 0, which is reserved; set nodeid explicitly`, r.lines.get(addrKey))
    nodeId = derived
    idKey = addrKey
  }
  const name = r.string(`${prefix}.name`)
  const votes = r.number(`${prefix}.quorum_votes`)
  const node: NodeConfig = { nodeId, addr, ...(name === undefined ? {} : { name }), ...(votes === undefined ? {} : { votes }) }
  return { node, prefix, idKey, addrKey }
}

function checkUnique<T>(r: ConfReader, nodes: readonly ReadNode[], value: (n: ReadNode) => T, what: string, keyOf: (n: ReadNode) => string): void {
  const seen = new Map<T, ReadNode>()
  for (const n of nodes) {
    const v = value(n)
    const first = seen.get(v)
    if (first === undefined) {
      seen.set(v, n)
      continue
    }
    const key = keyOf(n)
    r.fail(key, `duplicate ${what} ${String(v)}: ${keyOf(first)} (line ${r.lines.get(keyOf(first))}) and ${key} ` +
      `(line ${r.lines.get(key)}) must differ`)
  }
}

/** One spelling per address, so `fe80::1` and `FE80:0::1` compare equal. */
export function canonicalAddr(addr: string): string {
  if (isIP(addr) !== 6) return addr
  const [bare = addr, zone] = addr.split('%')
  const host = new URL(`http://[${bare}]/`).hostname.slice(1, -1)
  return zone === undefined ? host : `${host}%${zone}`
}
