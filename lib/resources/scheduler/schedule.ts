/**
 * The scheduler: a pure function from configuration, status, membership,
 * quorum, DC and `now` to the actions to run, their ordering, and the
 * Transition Summary (Pacemaker's `pcmk__schedule_actions` pipeline).
 *
 * @module
 */
import type { CibConfig } from '../model/config.js'
import { INFINITY } from '../model/scores.js'
import type { CibStatus } from '../model/status.js'
import { applyOrderings } from './apply-orderings.js'
import { assignResource } from './assign-dispatch.js'
import { unpackColocation } from './colocation.js'
import { createActions } from './create-actions.js'
import { failCount } from './failcounts.js'
import { scheduleFencingAndShutdowns } from './fencing.js'
import { graphOf, type ScheduledAction, type ScheduledEdge } from './graph.js'
import { handleConfigChanges } from './config-changes.js'
import { internalConstraints } from './internal-constraints.js'
import { applyLocations, resourceLocation, unpackLocation } from './location.js'
import { unpackOrdering } from './ordering.js'
import { scheduleProbes } from './probes.js'
import { top } from './resource-state.js'
import { formatSummary, summaryItems } from './summary.js'
import type { Node, Rsc, WorkingSet } from './types.js'
import { newWorkingSet } from './unpack-config.js'
import { unpackHistories } from './unpack-history.js'
import { markDc, unpackNodes, unpackNodeStates } from './unpack-nodes.js'
import { stablePrioritySort, unpackResources } from './unpack-resources.js'
import { sortResourcesForPlacement } from './placement-order.js'

/** Everything the scheduler decides from. */
export interface ScheduleInput {
  config: CibConfig
  status: CibStatus
  /** Names of the nodes in this partition's membership; absent: trust each node's status entry. */
  nodes?: readonly string[]
  /** Whether this partition has quorum. */
  quorate: boolean
  /**
   * Whether it had quorum before losing it (Pacemaker's `no-quorum-panic`):
   * only then does `no-quorum-policy=suicide` fence; a cluster that never had
   * quorum just stops.
   */
  hadQuorum?: boolean | undefined
  /** The DC's node name (it is fenced last). */
  dc?: string | undefined
  /** The time of the decision, epoch milliseconds (failure expiry, date rules). */
  now: number
  /** Pacemaker CIB feature set, when the CIB came from Pacemaker (fail-count naming). */
  featureSet?: string | undefined
  /**
   * Treat history whose non-private parameters still match as unchanged, as
   * crm_simulate does for saved CIBs whose passwords were masked.
   */
  sanitized?: boolean
}

/** What the scheduler decided. */
export interface ScheduleResult {
  /** Actions that will run (or are blocked), in creation order. */
  actions: ScheduledAction[]
  /** `before` must complete before `after` starts. */
  edges: ScheduledEdge[]
  /** Pacemaker's Transition Summary lines, padded as crm_simulate prints them. */
  summary: string[]
  /** crm_simulate --show-scores lines: `pcmk__primitive_assign: rsc allocation score on node: N`, `rsc:0 promotion score on node: N`. */
  scores: string[]
  /** When the cluster must be rescheduled even if nothing happens (failure expiry, rule change), epoch ms. */
  recheckAt: number | undefined
}

/** Unpacks configuration and status into a working set (no scheduling yet). */
export function unpackInput(input: ScheduleInput): WorkingSet {
  const ws = newWorkingSet(input)
  unpackNodes(ws)
  markDc(ws, input.dc)
  unpackResources(ws)
  unpackNodeStates(ws, input.nodes === undefined ? undefined : new Set(input.nodes))
  unpackHistories(ws)
  return ws
}

function applyStickiness(ws: WorkingSet, rsc: Rsc): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) applyStickiness(ws, c)
    return
  }
  if (!rsc.f.managed || rsc.stickiness < 1 || rsc.runningOn.length !== 1) return
  const node = rsc.runningOn[0]!
  if (!ws.f.symmetric && !rsc.allowed.has(node.name)) return
  resourceLocation(ws, rsc, node, rsc.stickiness)
}

function checkFailureThreshold(ws: WorkingSet, rsc: Rsc, node: Node): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) checkFailureThreshold(ws, c, node)
    return
  }
  if (rsc.actions.some((a) => a.task === 'clear_failcount' && a.node === node)) return
  if (rsc.migrationThreshold === 0 || rsc.f.failureIgnored) return
  const { count } = failCount(ws, node, rsc, true)
  if (count <= 0) return
  const ban = rsc.f.unique ? rsc : top(rsc)
  if (rsc.migrationThreshold - count <= 0) resourceLocation(ws, ban, node, -INFINITY)
}

function applyNodeCriteria(ws: WorkingSet): void {
  applyLocations(ws)
  for (const r of ws.resources) applyStickiness(ws, r)
  for (const node of ws.nodes) for (const r of ws.resources) checkFailureThreshold(ws, r, node)
}

function unpackConstraints(ws: WorkingSet): void {
  for (const c of ws.config.constraints) {
    if (c.kind === 'location') unpackLocation(ws, c)
    else if (c.kind === 'colocation') unpackColocation(ws, c)
    else unpackOrdering(ws, c)
  }
}

/** Runs the whole pipeline and returns the working set (for status views and tests). */
export function runScheduler(input: ScheduleInput): WorkingSet {
  const ws = unpackInput(input)
  unpackConstraints(ws)
  applyNodeCriteria(ws)
  for (const r of ws.resources) internalConstraints(ws, r)
  handleConfigChanges(ws)
  const order = ws.placementStrategy === 'default' ? ws.resources : sortResourcesForPlacement(ws)
  ws.resources = order
  for (const r of ws.resources) assignResource(ws, r, undefined)
  if (ws.f.startupProbes) scheduleProbes(ws)
  for (const r of ws.resources) createActions(ws, r)
  scheduleFencingAndShutdowns(ws)
  applyOrderings(ws)
  return ws
}

/** Computes the transition for a cluster state. Pure and deterministic. */
export function schedule(input: ScheduleInput): ScheduleResult {
  const ws = runScheduler(input)
  const { actions, edges } = graphOf(ws)
  return {
    actions,
    edges,
    summary: formatSummary(summaryItems(ws)),
    scores: ws.scores,
    recheckAt: ws.recheckAt === undefined ? undefined : ws.recheckAt * 1000,
  }
}

export { stablePrioritySort }
