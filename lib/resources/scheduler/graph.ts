/**
 * The transition graph: the actions that will run (or are blocked) and the
 * orderings between them.
 *
 * @module
 */
import { cloneStrip } from './failcounts.js'
import type { Action, Rsc, WorkingSet } from './types.js'

/** One action of the transition. */
export interface ScheduledAction {
  id: number
  /** Pacemaker's action key, e.g. `rsc1_start_0`, `stonith-node1-reboot`. */
  key: string
  task: string
  rsc?: string
  /**
   * The name the node's operation history files the result under: an
   * anonymous clone instance's is its primitive's id (`rsc1`, not `rsc1:0`).
   */
  historyId?: string
  node?: string
  /** Implied or bookkeeping actions that nothing executes. */
  pseudo: boolean
  /** False when the action is wanted but cannot run (shown as blocked). */
  runnable: boolean
  intervalMs: number
  reason?: string
}

/** `before` must finish before `after` may start. */
export interface ScheduledEdge {
  before: number
  after: number
}

function inGraph(a: Action): boolean {
  return !a.f.optional || a.f.printAlways
}

function historyId(rsc: Rsc): string {
  // The name its history was found under, else the one a new entry gets.
  if (rsc.cloneName !== undefined) return rsc.cloneName
  return rsc.f.unique ? rsc.id : cloneStrip(rsc.id)
}

/** The graph's actions and edges from a scheduled working set. */
export function graphOf(ws: WorkingSet): { actions: ScheduledAction[]; edges: ScheduledEdge[] } {
  const actions: ScheduledAction[] = []
  const ids = new Set<number>()
  for (const a of ws.actions) {
    if (!inGraph(a)) continue
    ids.add(a.id)
    const out: ScheduledAction = { id: a.id, key: a.uuid, task: a.task, pseudo: a.f.pseudo, runnable: a.f.runnable, intervalMs: a.intervalMs }
    if (a.rsc !== undefined) { out.rsc = a.rsc.id; out.historyId = historyId(a.rsc) }
    if (a.node !== undefined) out.node = a.node.name
    if (a.reason !== undefined) out.reason = a.reason
    actions.push(out)
  }
  const edges: ScheduledEdge[] = []
  const seen = new Set<string>()
  for (const a of ws.actions) {
    if (!ids.has(a.id)) continue
    for (const e of a.after) {
      if (e.type === 0 || !ids.has(e.action.id)) continue
      const k = `${a.id}>${e.action.id}`
      if (seen.has(k)) continue
      seen.add(k)
      edges.push({ before: a.id, after: e.action.id })
    }
  }
  return { actions, edges }
}
