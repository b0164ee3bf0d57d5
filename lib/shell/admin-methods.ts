import type { Cluster } from '../cluster/cluster.js'
import { ClusterError } from '../errors.js'
import type { AdminMethod, AdminParams, AdminTable } from '../ipc/table.js'
import { formatRingId, type StatusQuorum, type StatusSnapshot } from '../status/snapshot.js'
import { cmapFromInput, cmapToJson, parseCmapType, type CmapJsonEntry } from './cmap-json.js'
import { linkStatus } from './links.js'
import { ADMIN_TOPICS } from './admin-topics.js'

/** What the admin methods of a node work with. */
export interface ShellContext {
  readonly cluster: Cluster
  status(): Promise<StatusSnapshot>
  metrics(): Promise<string>
}

/** `ts-ha quorum --json` (corosync-quorumtool -s / -l). */
export interface QuorumReport extends StatusQuorum {
  readonly clusterName: string
  readonly localNodeId: number
  readonly ringId: string | null
  /** wait_for_all is still holding quorum back. */
  readonly waitingForAll: boolean
  /** Members of the current ring with their votes. */
  readonly members: readonly { readonly nodeId: number; readonly name: string; readonly votes: number; readonly local: boolean }[]
  /** votequorum's table of every node heard of. */
  readonly nodes: readonly { readonly nodeId: number; readonly name: string; readonly state: string; readonly votes: number; readonly expectedVotes: number }[]
}

/** `ts-ha cpg --json` (corosync-cpgtool). */
export interface CpgReport {
  readonly groups: readonly {
    readonly name: string
    readonly members: readonly { readonly nodeId: number; readonly memberId: string; readonly name: string; readonly addr: string }[]
  }[]
}

function stringParam(params: AdminParams, name: string): string {
  const v = params[name]
  if (typeof v !== 'string') throw new ClusterError('ERR_INVALID_ARGUMENT', `${name} must be a string`)
  return v
}

function integerParam(params: AdminParams, name: string, min: number): number {
  const v = params[name]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ClusterError('ERR_INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}`)
  return v
}

async function quorumReport(cluster: Cluster): Promise<QuorumReport> {
  const q = await cluster.quorum.status()
  const name = (id: number): string => cluster.clm.node(id)?.name ?? `node${id}`
  const votes = new Map(q.nodes.map((n) => [n.nodeId, n.votes]))
  return {
    clusterName: cluster.options.clusterName, localNodeId: cluster.nodeId, ringId: formatRingId(cluster.ringId), provider: q.provider,
    quorate: q.quorate, totalVotes: q.votes, expectedVotes: q.expectedVotes, highestExpected: q.highestExpected, quorum: q.quorum,
    flags: q.flags, waitingForAll: q.waitingForAll,
    members: q.members.map((id) => ({ nodeId: id, name: name(id), votes: votes.get(id) ?? cluster.clm.node(id)?.votes ?? 1, local: id === cluster.nodeId })),
    nodes: q.nodes.map((n) => ({ nodeId: n.nodeId, name: name(n.nodeId), state: n.state, votes: n.votes, expectedVotes: n.expectedVotes })),
  }
}

function cmapGet(cluster: Cluster, key: string): CmapJsonEntry {
  const entry = cluster.cmap.getEntry(key)
  if (entry === undefined) throw new ClusterError('ERR_NOT_EXIST', `cmap key ${key} does not exist`)
  return cmapToJson(key, entry)
}

function cmapSet(cluster: Cluster, params: AdminParams): CmapJsonEntry {
  const key = stringParam(params, 'key')
  const typeName = params['type']
  const type = typeName === undefined ? (cluster.cmap.getEntry(key)?.type ?? 'string') : parseCmapType(String(typeName))
  if (type === undefined) throw new ClusterError('ERR_INVALID_ARGUMENT', `unknown cmap type ${JSON.stringify(typeName)}`)
  cluster.cmap.set(key, cmapFromInput(type, params['value']), type)
  return cmapGet(cluster, key)
}

async function cpgReport(cluster: Cluster): Promise<CpgReport> {
  const groups = await cluster.cpg.groups()
  return {
    groups: groups.map((g) => ({
      name: g.name,
      members: g.members.map((m) => ({ nodeId: m.nodeId, memberId: m.memberId, name: cluster.clm.node(m.nodeId)?.name ?? `node${m.nodeId}`, addr: cluster.clm.node(m.nodeId)?.addr ?? '' })),
    })),
  }
}

const METHODS: Readonly<Record<string, AdminMethod<ShellContext>>> = {
  'status': (ctx) => ctx.status(),
  'quorum.status': (ctx) => quorumReport(ctx.cluster),
  'quorum.setExpected': async (ctx, p) => { await ctx.cluster.quorum.setExpectedVotes(integerParam(p, 'value', 1)); return null },
  'quorum.setVotes': async (ctx, p) => {
    await ctx.cluster.quorum.setVotes(p['nodeId'] === undefined ? ctx.cluster.nodeId : integerParam(p, 'nodeId', 1), integerParam(p, 'votes', 0))
    return null
  },
  'quorum.cancelWaitForAll': async (ctx) => { await ctx.cluster.quorum.cancelWaitForAll(); return null },
  'cmap.get': (ctx, p) => cmapGet(ctx.cluster, stringParam(p, 'key')),
  'cmap.list': (ctx, p) => {
    const prefix = p['prefix'] === undefined ? '' : stringParam(p, 'prefix')
    return ctx.cluster.cmap.keys(prefix).map((key) => cmapGet(ctx.cluster, key))
  },
  'cmap.set': (ctx, p) => cmapSet(ctx.cluster, p),
  'cmap.delete': (ctx, p) => { ctx.cluster.cmap.delete(stringParam(p, 'key')); return null },
  'cpg.list': (ctx) => cpgReport(ctx.cluster),
  'cfg.links': (ctx) => linkStatus(ctx.cluster),
  'metrics': async (ctx) => ({ text: await ctx.metrics() }),
}

/**
 * The admin table of a node. EXTENSION POINT: the resource manager merges
 * its own (`resource.*`, `node.*`, `configure.*`, `fence.*`) with
 * `mergeTables(NODE_ADMIN_TABLE, RESOURCE_ADMIN_TABLE)` in the shell.
 */
export const NODE_ADMIN_TABLE: AdminTable<ShellContext> = { methods: METHODS, topics: ADMIN_TOPICS }
