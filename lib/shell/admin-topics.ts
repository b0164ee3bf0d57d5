import type { CmapChange } from '../services/cmap-types.js'
import { ClusterError } from '../errors.js'
import type { AdminTopic } from '../ipc/table.js'
import { formatRingId, type StatusSnapshot } from '../status/snapshot.js'
import type { ShellContext } from './admin-methods.js'
import { cmapToJson } from './cmap-json.js'

/** Fastest refresh a `status` subscriber may ask for. */
const STATUS_INTERVAL_MIN_MS = 250

/**
 * A snapshot now, after every membership or quorum change, and every
 * `intervalMs` for what changes without an event (locks, checkpoints,
 * counters). One collection at a time: changes during one schedule one
 * more, not one each.
 */
export function watchStatus(ctx: ShellContext, intervalMs: number, emit: (s: StatusSnapshot) => void): () => void {
  let stopped = false
  let running = false
  let again = false
  const push = (): void => {
    if (stopped) return
    if (running) { again = true; return }
    running = true
    ctx.status().then((s) => { if (!stopped) emit(s) }, () => { /* the next tick tries again */ }).finally(() => {
      running = false
      if (again) { again = false; push() }
    })
  }
  const timer = setInterval(push, intervalMs)
  timer.unref()
  ctx.cluster.on('membership', push)
  ctx.cluster.on('quorum', push)
  push()
  return () => {
    stopped = true
    clearInterval(timer)
    ctx.cluster.off('membership', push)
    ctx.cluster.off('quorum', push)
  }
}

/** `status` {intervalMs = 2000}: see {@link watchStatus}. */
const statusTopic: AdminTopic<ShellContext> = (ctx, params, emit) => {
  const raw = params['intervalMs'] ?? 2000
  if (typeof raw !== 'number' || !(raw >= STATUS_INTERVAL_MIN_MS)) throw new ClusterError('ERR_INVALID_ARGUMENT', `intervalMs must be a number ≥ ${STATUS_INTERVAL_MIN_MS}`)
  return watchStatus(ctx, raw, emit)
}

/** `cmap` {prefix}: every add, modify and delete under the prefix (corosync-cmapctl -T). */
const cmapTopic: AdminTopic<ShellContext> = (ctx, params, emit) => {
  const prefix = typeof params['prefix'] === 'string' ? params['prefix'] : ''
  return ctx.cluster.cmap.track(prefix, (c: CmapChange) => {
    emit({ kind: c.kind, key: c.key, ...(c.value === undefined ? {} : { entry: cmapToJson(c.key, c.value) }), ...(c.old === undefined ? {} : { old: cmapToJson(c.key, c.old) }) })
  })
}

const membershipTopic: AdminTopic<ShellContext> = (ctx, _params, emit) => {
  const on = (e: { ringId: { rep: number; seq: bigint }; members: readonly { nodeId: number }[]; joined: readonly { nodeId: number }[]; left: readonly { nodeId: number }[] }): void => {
    emit({ ringId: formatRingId(e.ringId), members: e.members.map((m) => m.nodeId), joined: e.joined.map((m) => m.nodeId), left: e.left.map((m) => m.nodeId) })
  }
  ctx.cluster.on('membership', on)
  return () => { ctx.cluster.off('membership', on) }
}

const quorumTopic: AdminTopic<ShellContext> = (ctx, _params, emit) => {
  const on = (q: { quorate: boolean; votes: number; expectedVotes: number; quorum: number; members: readonly number[] }): void => {
    emit({ quorate: q.quorate, totalVotes: q.votes, expectedVotes: q.expectedVotes, quorum: q.quorum, members: q.members })
  }
  ctx.cluster.on('quorum', on)
  return () => { ctx.cluster.off('quorum', on) }
}

export const ADMIN_TOPICS: Readonly<Record<string, AdminTopic<ShellContext>>> = {
  status: statusTopic,
  cmap: cmapTopic,
  membership: membershipTopic,
  quorum: quorumTopic,
}
