/**
 * crm_simulate's job without a cluster: inject node failures, schedule,
 * pretend every action of the transition ran (optionally failing some),
 * and show the status before and after.
 *
 * @module
 */
import type { CibConfig } from './model/config.js'
import type { CibStatus, NodeStatus, OperationRecord } from './model/status.js'
import { schedule, unpackInput, type ScheduleInput, type ScheduleResult } from './scheduler/schedule.js'
import type { ScheduledAction } from './scheduler/graph.js'
import { formatStatus } from './status/format-text.js'
import { statusView, type ClusterStatusView } from './status/snapshot.js'

/** What to simulate. */
export interface SimulateOptions {
  /** Nodes to treat as failed (out of membership, unexpectedly) before scheduling. */
  nodeFail?: readonly string[]
  /** `rsc_op_intervalMs@node=rc`: actions of the transition that fail when "executed". */
  opFail?: readonly string[]
}

/** What a simulation produced. */
export interface SimulateResult {
  current: ClusterStatusView
  result: ScheduleResult
  /** `Performing Requested Modifications` items, e.g. `Failing node node1`. */
  modifications: string[]
  /** `Executing Cluster Transition` lines. */
  executed: string[]
  revised: ClusterStatusView
}

function cloneStatus(status: CibStatus): CibStatus {
  return JSON.parse(JSON.stringify(status)) as CibStatus
}

/** Marks nodes as failed: out of the membership while the DC expects them up. */
export function injectNodeFailures(config: CibConfig, status: CibStatus, nodes: readonly string[]): CibStatus {
  const out = cloneStatus(status)
  for (const name of nodes) {
    const prev: NodeStatus = out.nodes[name] ?? {}
    const id = config.nodes[name]?.id
    out.nodes[name] = { ...prev, ...(id === undefined ? {} : { id }), inCluster: false, crmd: 'offline', join: 'down', expected: 'member' }
  }
  return out
}

/** Topological order of the transition's actions (by id among ready ones). */
export function executionOrder(result: ScheduleResult): ScheduledAction[] {
  const before = new Map<number, number>()
  const next = new Map<number, number[]>()
  for (const e of result.edges) {
    before.set(e.after, (before.get(e.after) ?? 0) + 1)
    next.set(e.before, [...(next.get(e.before) ?? []), e.after])
  }
  const byId = new Map(result.actions.map((a) => [a.id, a]))
  const ready = result.actions.filter((a) => (before.get(a.id) ?? 0) === 0).map((a) => a.id).sort((x, y) => x - y)
  const out: ScheduledAction[] = []
  while (ready.length > 0) {
    const id = ready.shift()!
    out.push(byId.get(id)!)
    for (const n of next.get(id) ?? []) {
      const left = (before.get(n) ?? 0) - 1
      before.set(n, left)
      if (left === 0) { ready.push(n); ready.sort((x, y) => x - y) }
    }
  }
  return out
}

function describe(a: ScheduledAction): string | undefined {
  if (a.task === 'stonith') return `  * Fencing ${a.node ?? ''} (${a.key.slice(a.key.lastIndexOf('-') + 1)})`
  if (a.pseudo) return `  * Pseudo action:   ${a.key}`
  if (a.rsc === undefined) return a.node === undefined ? undefined : `  * Cluster action:  ${a.task} on ${a.node}`
  const what = a.intervalMs > 0 ? `${a.task}=${a.intervalMs}` : a.task
  return `  * Resource action: ${(a.historyId ?? a.rsc).padEnd(15)} ${what} on ${a.node ?? ''}`
}

function failureFor(a: ScheduledAction, opFail: readonly string[]): number | undefined {
  for (const spec of opFail) {
    const m = /^(.+)_([a-z_]+)_(\d+)@(.+)=(\d+)$/.exec(spec)
    if (m === null) continue
    if (m[1] === a.rsc && m[2] === a.task && Number(m[3]) === a.intervalMs && m[4] === a.node) return Number(m[5])
  }
  return undefined
}

const EXPECTED: Readonly<Record<string, number>> = { start: 0, stop: 0, promote: 8, demote: 0, monitor: 7 }

function record(status: CibStatus, a: ScheduledAction, rc: number, callId: number, now: number): void {
  const node = (status.nodes[a.node!] ??= {})
  const resources = (node.resources ??= {})
  // An entry under the instance's own id (old-style `rsc:0` history) wins, as in crm_simulate.
  const name = resources[a.rsc!] !== undefined ? a.rsc! : a.historyId ?? a.rsc!
  const hist = (resources[name] ??= { ops: [] })
  const expectedRc = a.task === 'monitor' && a.intervalMs === 0 ? 7 : EXPECTED[a.task] ?? 0
  const id = rc === expectedRc ? `${name}_last_0` : `${name}_last_failure_0`
  const op: OperationRecord = {
    id, key: `${name}_${a.task}_${a.intervalMs}`, operation: a.task, intervalMs: a.intervalMs, callId, rc,
    status: rc === expectedRc ? 0 : 4, expectedRc, lastRcChange: now,
  }
  hist.ops = hist.ops.filter((o) => o.id !== id)
  hist.ops.push(op)
}

/** Pretends the transition ran, returning the status it would leave behind. */
export function applyTransition(status: CibStatus, result: ScheduleResult, opFail: readonly string[], now: number): { status: CibStatus; executed: string[] } {
  const out = cloneStatus(status)
  const executed: string[] = []
  let callId = 1000
  for (const a of executionOrder(result)) {
    if (!a.runnable) continue
    const line = describe(a)
    if (line !== undefined) executed.push(line)
    if (a.task === 'stonith' && a.node !== undefined) {
      const prev = out.nodes[a.node]
      const id = prev?.id
      out.nodes[a.node] = { ...(id === undefined ? {} : { id }), inCluster: false, crmd: 'offline', join: 'down', expected: 'down' }
      continue
    }
    if (a.pseudo || a.rsc === undefined || a.node === undefined) continue
    if (!['start', 'stop', 'promote', 'demote'].includes(a.task)) continue
    record(out, a, failureFor(a, opFail) ?? (a.task === 'promote' ? 8 : 0), callId++, now)
  }
  return { status: out, executed }
}

/** Runs a whole simulation. */
export function simulate(input: ScheduleInput, options: SimulateOptions = {}): SimulateResult {
  const status = options.nodeFail === undefined || options.nodeFail.length === 0
    ? input.status : injectNodeFailures(input.config, input.status, options.nodeFail)
  const current = statusView(unpackInput({ ...input, status: input.status }))
  const run = { ...input, status }
  const result = schedule(run)
  const applied = applyTransition(status, result, options.opFail ?? [], input.now)
  const revised = statusView(unpackInput({ ...input, status: applied.status }))
  const modifications = (options.nodeFail ?? []).map((n) => `Failing node ${n}`)
  return { current, result, modifications, executed: applied.executed, revised }
}

/** `2017-08-21 17:12:54Z` for epoch milliseconds (civil-from-days; no Date object needed). */
function utcText(ms: number): string {
  const secs = Math.floor(ms / 1000)
  const days = Math.floor(secs / 86400)
  const rem = secs - days * 86400
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${year}-${p(month)}-${p(day)} ${p(Math.floor(rem / 3600))}:${p(Math.floor((rem % 3600) / 60))}:${p(rem % 60)}Z`
}

/** crm_simulate -S's text. */
export function formatSimulation(sim: SimulateResult, scores: boolean, executionDate?: number): string {
  // crm_simulate announces a saved CIB's execution date before each scheduler run.
  const dated = executionDate === undefined ? [] : [`Using the original execution date of: ${utcText(executionDate)}`]
  const parts = [...dated, 'Current cluster status:', formatStatus(sim.current), '']
  if (sim.modifications.length > 0) parts.push('Performing Requested Modifications:', ...sim.modifications.map((m) => `  * ${m}`), '')
  if (scores) parts.push('Allocation Scores:', ...sim.result.scores, '')
  parts.push('Transition Summary:', ...sim.result.summary, '', 'Executing Cluster Transition:', ...sim.executed, ...dated, '',
    'Revised Cluster Status:', formatStatus(sim.revised))
  return parts.join('\n')
}
