/**
 * Fail counts from transient node attributes (`fail-count-<rsc>[#op_interval]`
 * and `last-failure-…`), with `failure-timeout` expiry and the `on-fail=block`
 * exception (Pacemaker's `pe_get_failcount`).
 *
 * @module
 */
import { addScores, toScore } from '../model/scores.js'
import type { OperationRecord } from '../model/status.js'
import { customAction, opKey } from './actions.js'
import type { Action, Node, Rsc, WorkingSet } from './types.js'

/** A resource id without any `:N` suffix (Pacemaker's `clone_strip`). */
export function cloneStrip(id: string): string {
  const m = /^(.*?):\d*$/.exec(id)
  return m === null || m[1] === '' ? id : m[1]!
}

function escapeExceptDot(s: string): string {
  return s.replace(/[\\^$*+?()[\]{}|/]/g, '\\$&')
}

function failName(rsc: Rsc): string {
  const name = rsc.cloneName ?? rsc.id
  return rsc.f.unique ? name : cloneStrip(name)
}

function failRegexes(ws: WorkingSet, rsc: Rsc): [RegExp, RegExp] {
  const name = escapeExceptDot(failName(rsc))
  const inst = rsc.f.unique ? '' : '(:[0-9]+)?'
  const op = ws.f.legacyFailCounts ? '' : '#.+_[0-9]+'
  return [new RegExp(`^fail-count-${name}${inst}${op}$`), new RegExp(`^last-failure-${name}${inst}${op}$`)]
}

/** What {@link failCount} reports. */
export interface FailCount {
  count: number
  /** Latest `last-failure` time, seconds (0 if none). */
  last: number
}

/**
 * The resource's fail count on a node. `effective` ignores counts older than
 * `failure-timeout`; `op` is the history entry being unpacked, if any.
 */
export function failCount(ws: WorkingSet, node: Node, rsc: Rsc, effective: boolean, op?: OperationRecord): FailCount {
  const [countRe, lastRe] = failRegexes(ws, rsc)
  let count = 0
  let last = 0
  for (const [k, v] of node.attrs) {
    if (countRe.test(k)) count = addScores(count, toScore(v))
    else if (lastRe.test(k) && /^\s*\d+/.test(v)) last = Math.max(last, Number.parseInt(v, 10))
  }
  if (count > 0 && rsc.failureTimeout > 0 && blockFailure(ws, node, rsc, op)) rsc.failureTimeout = 0
  if (effective && count > 0 && last > 0 && rsc.failureTimeout > 0 && ws.now > last + rsc.failureTimeout) count = 0
  return { count, last: count > 0 ? last : 0 }
}

function matchedFailure(rscId: string, name: string, interval: number, op: OperationRecord): boolean {
  if (op.intervalMs !== interval || op.operation !== name) return false
  if (op.id === `${rscId}_last_failure_0`) return true
  return op.id === opKey(rscId, name, interval) && op.rc !== op.expectedRc
}

/** Whether a failure matches an operation configured with `on-fail=block` (which never expires). */
function blockFailure(ws: WorkingSet, node: Node, rsc: Rsc, op: OperationRecord | undefined): boolean {
  const base = cloneStrip(rsc.id)
  for (const conf of rsc.ops) {
    if (conf.onFail !== 'block') continue
    const interval = conf.intervalMs ?? 0
    if (op !== undefined) {
      if (matchedFailure(base, conf.name, interval, op)) return true
      continue
    }
    const hist = ws.status.nodes[node.name]?.resources?.[base]
    for (const h of hist?.ops ?? []) {
      if (h.operation === conf.name && h.intervalMs === interval && matchedFailure(base, conf.name, interval, h)) return true
    }
  }
  return false
}

/** Schedules clearing of a resource's fail count on a node (Pacemaker's `pe__clear_failcount`). */
export function clearFailcount(ws: WorkingSet, rsc: Rsc, node: Node): Action {
  return customAction(ws, rsc, opKey(rsc.id, 'clear_failcount', 0), 'clear_failcount', node, false)
}
