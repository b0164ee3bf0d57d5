/**
 * One history entry's effect on a resource (Pacemaker's `unpack_rsc_op`):
 * the role it implies, whether it failed and how (`on-fail`, hard and fatal
 * errors, ignored failures), and failure expiry.
 *
 * @module
 */
import { INFINITY } from '../model/scores.js'
import { OpStatus, type OperationRecord } from '../model/status.js'
import { canFence, customAction } from './actions.js'
import { clearFailcount, failCount } from './failcounts.js'
import { resourceLocation } from './location.js'
import { isAnonClone, top } from './resource-state.js'
import { F, R, type Node, type OnFailCode, type Rsc, type WorkingSet } from './types.js'
import { updateRecheck } from './unpack-config.js'

/** The running state of one resource's history unpack on one node. */
export interface OpCursor {
  lastFailure: OperationRecord | undefined
  onFail: OnFailCode
}

const isProbe = (op: OperationRecord): boolean => op.operation === 'monitor' && op.intervalMs === 0
/** A failed probe that only means "cannot run here" (Pacemaker's `pcmk_xe_mask_probe_failure`). */
export const maskableProbeFailure = (op: OperationRecord): boolean =>
  isProbe(op) && (op.rc === 5 || op.rc === 2 || op.status === OpStatus.NOT_INSTALLED)
const opKeyOf = (op: OperationRecord): string => op.key ?? op.id

/** Marks the resource active in the default role for its kind. */
export function setActive(rsc: Rsc): void {
  rsc.role = top(rsc).f.promotable ? R.Unpromoted : R.Started
}

function onFailOf(ws: WorkingSet, rsc: Rsc, key: string, task: string): { onFail: OnFailCode; failRole: R } {
  const a = customAction(ws, rsc, key, task, undefined, true, false)
  return { onFail: a.onFail, failRole: a.failRole }
}

/** Pacemaker's `cmp_on_fail`: negative when `second` is more severe. */
export function cmpOnFail(first: OnFailCode, second: OnFailCode): number {
  const rank = (x: OnFailCode): number => x
  if (first === F.Demote) return second === F.Ignore ? 1 : second === F.Demote ? 0 : -1
  if (second === F.Demote) return first === F.Ignore ? -1 : 1
  return rank(first) - rank(second)
}

/** Unpacks one history entry into the resource's state. */
export function unpackRscOp(ws: WorkingSet, rsc: Rsc, node: Node, op: OperationRecord, cur: OpCursor): void {
  const task = op.operation
  if (op.status < OpStatus.PENDING || op.status > OpStatus.NO_SECRETS) return
  if (task === 'notify' || task === 'meta-data') return
  const parent = rsc.f.unique ? rsc : top(rsc)
  const expired = op.status !== OpStatus.NOT_INSTALLED && checkExpiry(ws, rsc, node, op)
  const r = { rc: op.rc, status: op.status }
  remap(ws, rsc, node, op, cur, r)
  const maskable = maskableProbeFailure(op)
  if (expired && maskable && op.rc !== op.expectedRc) {
    if (rsc.role <= R.Stopped) rsc.role = R.Unknown
    return
  }
  if (expired && r.rc !== op.expectedRc) {
    if (op.intervalMs === 0 || (node.online && !node.unclean)) return
  }
  if (maskable) {
    // crm_mon can only attribute entries that name their node (on_node).
    const key = /^(.+)_[a-z_]+_\d+$/.exec(op.key ?? op.id)
    if (op.onNode !== undefined) ws.maskedProbes.push({ rsc: key?.[1] ?? rsc.id, node: op.onNode, rc: op.rc })
    updateState(rsc, op, task, op.expectedRc, cur)
    resourceLocation(ws, parent, node, -INFINITY)
    return
  }
  if (statusDone(ws, rsc, node, op, task, r, cur)) return
  const strategy = onFailOf(ws, rsc, opKeyOf(op), task)
  if (strategy.onFail === F.Ignore || (strategy.onFail === F.RestartContainer && task === 'stop')) {
    updateState(rsc, op, task, op.expectedRc, cur)
    rsc.f.failureIgnored = true
    return
  }
  opFailure(ws, rsc, node, r.rc, op, cur)
  if (r.status === OpStatus.ERROR_HARD) resourceLocation(ws, parent, node, -INFINITY)
  else if (r.status === OpStatus.ERROR_FATAL) resourceLocation(ws, parent, undefined, -INFINITY)
}

/** Handles the statuses that end processing; returns true when done. */
function statusDone(ws: WorkingSet, rsc: Rsc, node: Node, op: OperationRecord, task: string,
  r: { rc: number; status: number }, cur: OpCursor): boolean {
  switch (r.status) {
    case OpStatus.CANCELLED:
      return true
    case OpStatus.PENDING:
      if (task === 'start') { rsc.f.startPending = true; setActive(rsc) }
      else if (task === 'promote') rsc.role = R.Promoted
      if (rsc.pendingTask === undefined && (op.intervalMs !== 0 || task !== 'monitor')) {
        rsc.pendingTask = task
        rsc.pendingNode = node
      }
      return true
    case OpStatus.DONE:
      updateState(rsc, op, task, r.rc, cur)
      return true
    case OpStatus.NOT_INSTALLED: {
      const strategy = onFailOf(ws, rsc, opKeyOf(op), task)
      if (strategy.onFail === F.Ignore) cur.onFail = F.Migrate
      resourceLocation(ws, rsc.f.unique ? rsc : top(rsc), node, -INFINITY)
      opFailure(ws, rsc, node, r.rc, op, cur)
      return true
    }
    case OpStatus.NO_FENCE_DEVICE:
    case OpStatus.NO_SECRETS:
      r.status = OpStatus.ERROR_HARD
      return false
    default:
      return false
  }
}

function checkRecoverable(ws: WorkingSet, rsc: Rsc, node: Node, task: string): void {
  if (task !== 'stop' || canFence(ws, node)) return
  rsc.f.managed = false
  rsc.f.block = true
}

/** Pacemaker's `remap_operation`: the result relative to what was expected. */
function remap(ws: WorkingSet, rsc: Rsc, node: Node, op: OperationRecord, cur: OpCursor, r: { rc: number; status: number }): void {
  if (op.operation === 'monitor') {
    if (r.rc === 190) r.rc = 0
    else if (r.rc === 191) r.rc = 8
  }
  if (maskableProbeFailure(op)) { r.status = OpStatus.DONE; r.rc = 7 }
  if (r.status !== OpStatus.DONE && r.status !== OpStatus.ERROR) return
  r.status = OpStatus.DONE
  const probe = isProbe(op)
  const task = probe ? 'probe' : op.operation
  const target = op.expectedRc
  if (target < 0 || target !== r.rc) r.status = OpStatus.ERROR
  switch (r.rc) {
    case 0:
      if (probe && target === 7) r.status = OpStatus.DONE
      break
    case 7:
      if (probe || target === r.rc || !rsc.f.managed) {
        r.status = OpStatus.DONE
        rsc.role = R.Stopped
        cur.onFail = F.Ignore
        rsc.nextRole = R.Unknown
      }
      break
    case 8:
      if (probe && r.rc !== target) r.status = OpStatus.DONE
      rsc.role = R.Promoted
      break
    case 9: case 191:
      rsc.role = R.Promoted
      r.status = OpStatus.ERROR
      break
    case 6:
      r.status = OpStatus.ERROR_FATAL
      break
    case 3:
      if (op.intervalMs === 0) { checkRecoverable(ws, rsc, node, task); r.status = OpStatus.ERROR_HARD }
      else r.status = OpStatus.NOT_SUPPORTED
      break
    case 5: case 2: case 4:
      checkRecoverable(ws, rsc, node, task)
      r.status = OpStatus.ERROR_HARD
      break
    default:
      if (r.status === OpStatus.DONE) r.status = OpStatus.ERROR
  }
}

/** Pacemaker's `update_resource_state`: the role a successful (or ignored) result implies. */
function updateState(rsc: Rsc, op: OperationRecord, task: string, rc: number, cur: OpCursor): void {
  let clear = false
  if (rc === 5 || maskableProbeFailure(op)) rsc.role = R.Stopped
  else if (rc === 7) clear = true
  else if (task === 'monitor') {
    if (cur.lastFailure !== undefined && opKeyOf(op) === opKeyOf(cur.lastFailure)) clear = true
    if (rsc.role < R.Started) setActive(rsc)
  } else if (task === 'start' || task === 'migrate_from') { rsc.role = R.Started; clear = true }
  else if (task === 'stop') { rsc.role = R.Stopped; clear = true }
  else if (task === 'promote') { rsc.role = R.Promoted; clear = true }
  else if (task === 'demote') {
    if (cur.onFail === F.Demote) clear = true
    rsc.role = R.Unpromoted
  } else if (task === 'migrate_to') {
    rsc.role = R.Started
  } else if (rsc.role < R.Started) setActive(rsc)
  if (!clear) return
  switch (cur.onFail) {
    case F.Stop: case F.Fence: case F.Migrate: case F.Standby: case F.ResetRemote:
      break
    default:
      cur.onFail = F.Ignore
      rsc.nextRole = R.Unknown
  }
}

/** Pacemaker's `unpack_rsc_op_failure`. */
function opFailure(ws: WorkingSet, rsc: Rsc, node: Node, rc: number, op: OperationRecord, cur: OpCursor): void {
  const task = op.operation
  cur.lastFailure = op
  const action = onFailOf(ws, rsc, opKeyOf(op), task)
  if (cmpOnFail(cur.onFail, action.onFail) < 0) cur.onFail = action.onFail
  if (task === 'stop') resourceLocation(ws, rsc, node, -INFINITY)
  else if (task === 'promote') rsc.role = R.Promoted
  else if (task === 'demote') {
    if (action.onFail === F.Block) { rsc.role = R.Promoted; rsc.nextRole = R.Stopped }
    else if (rc === 7) rsc.role = R.Stopped
    else rsc.role = R.Unpromoted
  }
  if (isProbe(op) && rc === 5) rsc.role = R.Stopped
  else if (rsc.role < R.Started) setActive(rsc)
  if (action.failRole !== R.Started && rsc.nextRole < action.failRole) rsc.nextRole = action.failRole
  if (action.failRole === R.Stopped) {
    const failRsc = rsc.parent !== undefined && isAnonClone(top(rsc)) ? top(rsc) : rsc
    failRsc.allowed = new Map(ws.nodes.map((n) => [n.name, { node: n, weight: -INFINITY, count: 0, discover: 0 }]))
  }
}

/** Pacemaker's `check_operation_expiry`: whether the entry is older than `failure-timeout`. */
function checkExpiry(ws: WorkingSet, rsc: Rsc, node: Node, op: OperationRecord): boolean {
  let expired = false
  let unexpired = 0
  if (rsc.failureTimeout > 0 && op.lastRcChange !== undefined) {
    const lastRun = Math.floor(op.lastRcChange / 1000)
    if (ws.now >= lastRun + rsc.failureTimeout) expired = true
    const fc = failCount(ws, node, rsc, true, op)
    unexpired = fc.count
    const when = fc.last + rsc.failureTimeout + 1
    if (unexpired > 0 && ws.now < when) updateRecheck(ws, when)
  }
  if (expired) {
    if (failCount(ws, node, rsc, false, op).count > 0) {
      if (unexpired === 0) clearFailcount(ws, rsc, node)
      else expired = false
    }
  }
  if (expired && op.intervalMs === 0 && op.operation === 'monitor' && [0, 7, 8, 190, 191].includes(op.rc)) expired = false
  return expired
}

