/**
 * Configuration changes since operations ran (Pacemaker's
 * `pcmk__handle_rsc_config_changes`): a changed agent or parameter digest
 * forces a restart ("due to resource definition change").
 *
 * @module
 */
import { parseIntervalMs } from '../pacemaker/xml-values.js'
import type { OperationRecord, ResourceHistory } from '../model/status.js'
import { customAction, opKey, setReason, stopAction } from './actions.js'
import { operationDigest } from './digest.js'
import { clearFailcount, failCount } from './failcounts.js'
import { nodeAvailable } from './nodes.js'
import { compareVersion } from './unpack-config.js'
import type { Node, Rsc, WorkingSet } from './types.js'

function matching(list: readonly Rsc[], id: string, out: Rsc[]): Rsc[] {
  for (const r of list) {
    if (r.id === id || r.cloneName === id) out.unshift(r)
    matching(r.children, id, out)
  }
  return out
}

function activeOps(sorted: OperationRecord[]): { start: number; stop: number } {
  let start = -1
  let stop = -1
  let impliedMonitor = -1
  let impliedClone = -1
  sorted.forEach((op, i) => {
    if (op.operation === 'stop' && op.status === 0) stop = i
    else if (op.operation === 'start' || op.operation === 'migrate_from') start = i
    else if (impliedMonitor <= stop && op.operation === 'monitor' && (op.rc === 0 || op.rc === 8)) impliedMonitor = i
    else if (op.operation === 'promote' || op.operation === 'demote') impliedClone = i
  })
  if (start === -1) start = impliedClone !== -1 ? impliedClone : impliedMonitor
  return { start, stop }
}

function agentChanged(rsc: Rsc, hist: ResourceHistory): boolean {
  if (hist.agent === undefined) return false
  const mine = rsc.provider === undefined ? `${rsc.agentClass}:${rsc.agentType}` : `${rsc.agentClass}:${rsc.provider}:${rsc.agentType}`
  return mine !== hist.agent
}

function timeoutMs(ws: WorkingSet, rsc: Rsc, task: string, interval: number): number {
  const op = rsc.ops.find((o) => o.name === task && (o.intervalMs ?? 0) === interval)
  const dflt = ws.config.defaults.op.timeoutMs ?? parseIntervalMs(ws.config.defaults.op.extra?.['timeout'])
  return op?.timeoutMs ?? dflt ?? 20_000
}

function secureDigestFor(ws: WorkingSet, rsc: Rsc, op: OperationRecord): string {
  const old = compareVersion(op.featureSet ?? ws.featureSet ?? '3.16.2', '3.16.0') < 0
  const params = paramsOf(rsc)
  if (!old && op.intervalMs > 0) params.set('CRM_meta_timeout', String(timeoutMs(ws, rsc, op.operation, op.intervalMs)))
  const secure = op.secureParams
  if (secure !== undefined) for (const k of [...params.keys()]) if (secure.includes(` ${k} `)) params.delete(k)
  if (old && rsc.agentClass === 'stonith') for (const k of [...params.keys()]) if (k.startsWith('pcmk_')) params.delete(k)
  if (old) params.delete('CRM_meta_timeout')
  return operationDigest(params)
}

function paramsOf(rsc: Rsc): Map<string, string> {
  const params = new Map<string, string>()
  for (let r: Rsc | undefined = rsc; r !== undefined; r = r.parent) {
    for (const [k, v] of Object.entries(r.def.params ?? {})) if (!params.has(k)) params.set(k, v)
  }
  return params
}

function digestFor(ws: WorkingSet, rsc: Rsc, task: string, interval: number, only?: string): string {
  const params = new Map<string, string>()
  for (let r: Rsc | undefined = rsc; r !== undefined; r = r.parent) {
    for (const [k, v] of Object.entries(r.def.params ?? {})) if (!params.has(k)) params.set(k, v)
  }
  if (interval > 0) params.set('CRM_meta_timeout', String(timeoutMs(ws, rsc, task, interval)))
  if (only !== undefined) for (const k of [...params.keys()]) if (!only.includes(` ${k} `)) params.delete(k)
  return operationDigest(params)
}

function forceRestart(ws: WorkingSet, rsc: Rsc, task: string, interval: number): void {
  const required = customAction(ws, rsc, opKey(rsc.id, task, interval), task, undefined, false)
  setReason(required, 'resource definition change', true)
}

/** Returns true when the entry no longer matches the configuration (Pacemaker's `pcmk__check_action_config`). */
function checkActionConfig(ws: WorkingSet, rsc: Rsc, op: OperationRecord): boolean {
  const interval = op.intervalMs
  if (interval > 0 && !rsc.ops.some((o) => o.name === op.operation && (o.intervalMs ?? 0) === interval)) return true
  const task = interval === 0 && ['monitor', 'migrate_from', 'promote'].includes(op.operation) ? 'start' : op.operation
  const all = digestFor(ws, rsc, op.operation, interval)
  const restart = op.restartDigest !== undefined && digestFor(ws, rsc, op.operation, interval, op.forceRestart ?? '') !== op.restartDigest
  if (!restart && op.digest !== undefined && op.digest === all) return false
  // A simulation of a masked CIB only compares the non-private parameters.
  if (ws.f.sanitized && op.secureDigest !== undefined && secureDigestFor(ws, rsc, op) === op.secureDigest) return false
  if (restart) {
    forceRestart(ws, rsc, task, interval)
    return true
  }
  if (interval > 0) return true
  if (op.restartDigest !== undefined) return true
  forceRestart(ws, rsc, task, interval)
  return true
}

function processHistory(ws: WorkingSet, rsc: Rsc, node: Node, hist: ResourceHistory): void {
  if (rsc.f.orphan) return
  if (!rsc.runningOn.includes(node)) return
  if (agentChanged(rsc, hist)) {
    stopAction(ws, rsc, node, false)
    rsc.f.startPending = true
  }
  const sorted = [...hist.ops].reverse().sort((a, b) => a.callId - b.callId)
  const { start, stop } = activeOps(sorted)
  if (start < stop) return
  sorted.forEach((op, i) => {
    if (i < start) return
    if (op.intervalMs > 0 && (rsc.f.maintenance || node.maintenance)) return
    if (op.intervalMs > 0 || ['monitor', 'start', 'promote', 'migrate_from'].includes(op.operation)) {
      if (checkActionConfig(ws, rsc, op) && failCount(ws, node, rsc, true).count !== 0) clearFailcount(ws, rsc, node)
    }
  })
}

/** Checks every active history entry on usable nodes against the configuration. */
export function handleConfigChanges(ws: WorkingSet): void {
  for (const node of ws.nodes) {
    if (!node.maintenance && !nodeAvailable(node, 0, false)) continue
    for (const [key, hist] of Object.entries(ws.status.nodes[node.name]?.resources ?? {})) {
      const id = hist.id ?? key
      if (hist.ops.length === 0) continue
      for (const rsc of matching(ws.resources, id, [])) if (rsc.variant === 0) processHistory(ws, rsc, node, hist)
    }
  }
}
