import type { CpgReport, QuorumReport } from '../../lib/shell/admin-methods.js'
import type { CmapJsonEntry } from '../../lib/shell/cmap-json.js'
import type { LinkStatus } from '../../lib/shell/links.js'
import type { StatusSnapshot } from '../../lib/status/snapshot.js'

/**
 * What a node of a 3-node cluster answers while node3 is down: a process
 * group, a held lock with waiters, a free lock, and a checkpoint still being
 * received. Typed with the exported --json types, so a change of schema
 * breaks the build here first.
 */
export const STATUS: StatusSnapshot = {
  schema: 'ts-ha.status/1',
  version: '0.1.0',
  clusterName: 'demo',
  localNodeId: 1,
  transport: 'udpu',
  ringId: '1.1c',
  state: 'running',
  ready: true,
  quorum: { provider: 'votequorum', quorate: true, totalVotes: 2, expectedVotes: 3, highestExpected: 3, quorum: 2, flags: ['Quorate'] },
  nodes: [
    { nodeId: 1, name: 'alpha', addr: '10.0.0.1', votes: 1, online: true, local: true },
    { nodeId: 2, name: 'bravo', addr: '10.0.0.2', votes: 1, online: true, local: false },
    { nodeId: 3, name: 'charlie', addr: '10.0.0.3', votes: 1, online: false, local: false },
  ],
  groups: [
    { name: 'chat', members: [{ nodeId: 1, memberId: '3f2a9c01.1' }, { nodeId: 2, memberId: '77b1e0aa.1' }, { nodeId: 2, memberId: '77b1e0aa.2' }] },
  ],
  locks: [
    { name: 'orders', lastToken: '12', delayed: false, holders: [{ nodeId: 2, mode: 'exclusive', fencingToken: '12' }],
      waiters: [{ nodeId: 1, mode: 'exclusive' }, { nodeId: 2, mode: 'shared' }] },
    { name: 'reports', lastToken: '3', delayed: true, holders: [], waiters: [] },
  ],
  checkpoints: [
    { name: 'app-state', sections: 2, bytes: 1536, openHandles: 3, complete: true, available: true, retentionMs: 60000 },
    { name: 'big', sections: 40, bytes: 5_242_880, openHandles: 1, complete: false, available: true, retentionMs: 0 },
  ],
  extensions: {},
  collectedAt: '2026-01-02T03:04:05.678Z',
}

/** The same node a moment later: node3 back. */
export const STATUS_HEALED: StatusSnapshot = {
  ...STATUS,
  ringId: '1.20',
  quorum: { ...STATUS.quorum, totalVotes: 3 },
  nodes: STATUS.nodes.map((n) => ({ ...n, online: true })),
  groups: [],
  locks: [],
  checkpoints: [],
  collectedAt: '2026-01-02T03:04:09.000Z',
}

export const QUORUM: QuorumReport = {
  clusterName: 'demo', localNodeId: 1, ringId: '1.1c', provider: 'votequorum', quorate: true,
  totalVotes: 2, expectedVotes: 3, highestExpected: 3, quorum: 2, flags: ['Quorate', 'WaitForAll'], waitingForAll: false,
  members: [{ nodeId: 1, name: 'alpha', votes: 1, local: true }, { nodeId: 2, name: 'bravo', votes: 1, local: false }],
  nodes: [
    { nodeId: 1, name: 'alpha', state: 'member', votes: 1, expectedVotes: 3 },
    { nodeId: 2, name: 'bravo', state: 'member', votes: 1, expectedVotes: 3 },
    { nodeId: 3, name: 'charlie', state: 'dead', votes: 1, expectedVotes: 3 },
  ],
}

export const LINKS: LinkStatus = {
  localNodeId: 1, transport: 'udpu',
  links: [{
    linkId: 0, protocol: 'udp', addr: '10.0.0.1', port: 5405, active: true,
    nodes: [
      { nodeId: 1, name: 'alpha', addr: '10.0.0.1', status: 'localhost' },
      { nodeId: 2, name: 'bravo', addr: '10.0.0.2', status: 'connected' },
      { nodeId: 3, name: 'charlie', addr: '10.0.0.3', status: 'disconnected' },
    ],
    stats: { tx_frames: 1200, rx_frames: 1180, tx_errors: 0 },
  }],
}

export const CMAP: readonly CmapJsonEntry[] = [
  { key: 'runtime.totem.stats.srp.mcast_retx', type: 'uint64', value: '4' },
  { key: 'runtime.totem.stats.srp.orf_token_rx', type: 'uint64', value: '18446744073709551615' },
  { key: 'totem.cluster_name', type: 'string', value: 'demo' },
  { key: 'totem.token', type: 'uint32', value: 3000 },
  { key: 'runtime.totem.stats.event_loop_lag_ms', type: 'double', value: 0.25 },
  { key: 'app.blob', type: 'binary', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') },
]

export const CMAP_CHANGES = [
  { kind: 'add', key: 'app.mode', entry: { key: 'app.mode', type: 'string', value: 'active' } },
  { kind: 'modify', key: 'app.mode', entry: { key: 'app.mode', type: 'string', value: 'standby' }, old: { key: 'app.mode', type: 'string', value: 'active' } },
  { kind: 'delete', key: 'app.mode', old: { key: 'app.mode', type: 'string', value: 'standby' } },
] as const

export const CPG: CpgReport = {
  groups: [
    { name: 'chat', members: [
      { nodeId: 1, memberId: '3f2a9c01.1', name: 'alpha', addr: '10.0.0.1' },
      { nodeId: 2, memberId: '77b1e0aa.1', name: 'bravo', addr: '10.0.0.2' },
    ] },
    { name: 'crmd', members: [{ nodeId: 2, memberId: '77b1e0aa.2', name: 'bravo', addr: '10.0.0.2' }] },
  ],
}

/** Open maps in the --json answers: link counters, section extensions. */
const MAP_PATHS: readonly string[] = ['$.links[0].stats', '$.extensions']

/**
 * Differences in key structure between two JSON values (what --json
 * consumers rely on; values may differ). Arrays compare their first
 * elements where both have one; the paths in `maps` are open key/value
 * maps (counters by name, extensions by section) and compare as objects only.
 */
export function shapeDiff(a: unknown, b: unknown, path = '$', maps: readonly string[] = MAP_PATHS): string[] {
  if (maps.includes(path)) return [a, b].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)) ? [] : [`${path}: not both maps`]
  if (Array.isArray(a) && Array.isArray(b)) return a.length === 0 || b.length === 0 ? [] : shapeDiff(a[0], b[0], `${path}[0]`, maps)
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    return keys.flatMap((k) => (!(k in a) || !(k in b) ? [`${path}.${k} only in ${k in a ? 'the first' : 'the second'}`] : shapeDiff(a[k], b[k], `${path}.${k}`, maps)))
  }
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
  return kind(a) === kind(b) || kind(a) === 'null' || kind(b) === 'null' ? [] : [`${path}: ${kind(a)} vs ${kind(b)}`]
}
