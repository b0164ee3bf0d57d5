/**
 * Groups: members colocated with and ordered after the previous member.
 * Assignment, the group's pseudo-actions, and its implicit constraints.
 *
 * @module
 */
import { customAction, opKey } from './actions.js'
import { assignResource } from './assign-dispatch.js'
import { recordScores } from './assign.js'
import { addThisWith, addWithThis, newColocation } from './colocation.js'
import { createActions } from './create-actions.js'
import { internalConstraints } from './internal-constraints.js'
import { orderRsc } from './ordering.js'
import { INFINITY } from '../model/scores.js'
import { O, R, type Node, type Rsc, type WorkingSet } from './types.js'

function expandGroupColocations(rsc: Rsc): void {
  const first = rsc.children[0]
  if (first === undefined) return
  for (const c of rsc.thisWith) addThisWith(first, c)
  let anyUnmanaged = !first.f.managed
  for (const member of rsc.children.slice(1)) {
    if (anyUnmanaged) {
      for (const c of rsc.thisWith) if (c.score === INFINITY) addThisWith(member, c)
    } else if (!member.f.managed) {
      anyUnmanaged = true
    }
  }
  rsc.thisWith = []
  const last = rsc.lastChild!
  for (const c of rsc.withThis) addWithThis(last, c)
  rsc.withThis = []
}

/** Assigns a group by assigning each member in order. */
export function assignGroup(ws: WorkingSet, rsc: Rsc, prefer: Node | undefined): Node | undefined {
  if (!rsc.f.provisional) return rsc.allocatedTo?.node
  if (rsc.f.allocating) return undefined
  if (rsc.children.length === 0) { rsc.f.provisional = false; return undefined }
  rsc.f.allocating = true
  const first = rsc.children[0]!
  rsc.role = first.role
  expandGroupColocations(rsc)
  recordScores(ws, 'pcmk__group_assign', rsc)
  let firstNode: Node | undefined
  for (const m of rsc.children) {
    const node = assignResource(ws, m, prefer)
    if (firstNode === undefined) firstNode = node
  }
  rsc.nextRole = first.nextRole
  rsc.f.allocating = false
  rsc.f.provisional = false
  return rsc.groupColocated ? firstNode : undefined
}

function groupPseudo(ws: WorkingSet, rsc: Rsc, task: string): void {
  const op = customAction(ws, rsc, opKey(rsc.id, task), task, undefined, true)
  op.f.pseudo = true
  op.f.runnable = true
}

/** Creates the members' actions and the group's ordering pseudo-actions. */
export function createGroupActions(ws: WorkingSet, rsc: Rsc): void {
  for (const m of rsc.children) createActions(ws, m)
  for (const task of ['start', 'running', 'stop', 'stopped']) groupPseudo(ws, rsc, task)
  if (/^(true|on|yes|y|1)$/i.test(rsc.meta.get('promotable') ?? '')) {
    for (const task of ['demote', 'demoted', 'promote', 'promoted']) groupPseudo(ws, rsc, task)
  }
}

const order = orderRsc

interface MemberState { ordered: boolean; colocated: boolean; promotable: boolean; lastActive: Rsc | undefined; previous: Rsc | undefined }

function memberConstraints(ws: WorkingSet, group: Rsc, member: Rsc, st: MemberState): void {
  let downFlags: number = O.impliesFirstPrinted
  let postDownFlags: number = O.impliesThenPrinted
  internalConstraints(ws, member)
  if (st.previous === undefined) {
    if (st.ordered) {
      downFlags |= O.optional
      postDownFlags = O.impliesThen
    }
  } else if (st.colocated) {
    newColocation(ws, 'group:internal_colocation', undefined, INFINITY, member, st.previous, R.Unknown, R.Unknown, member.f.critical)
  }
  if (st.promotable) {
    order(ws, group, 'demote', member, 'demote', downFlags)
    order(ws, member, 'demote', group, 'demoted', postDownFlags)
    order(ws, member, 'promote', group, 'promoted', O.runnableLeft | O.impliesThen | O.impliesThenPrinted)
    order(ws, group, 'promote', member, 'promote', O.impliesFirstPrinted)
  }
  order(ws, group, 'stop', member, 'stop', downFlags)
  order(ws, member, 'stop', group, 'stopped', postDownFlags)
  order(ws, group, 'start', member, 'start', O.impliesFirstPrinted)
  order(ws, member, 'start', group, 'running', O.runnableLeft | O.impliesThen | O.impliesThenPrinted)
  if (!st.ordered) {
    order(ws, group, 'start', member, 'start', O.impliesThen | O.runnableLeft | O.impliesFirstPrinted)
    if (st.promotable) order(ws, group, 'promote', member, 'promote', O.impliesThen | O.runnableLeft | O.impliesFirstPrinted)
  } else if (st.previous === undefined) {
    order(ws, group, 'start', member, 'start', O.none)
    if (st.promotable) order(ws, group, 'promote', member, 'promote', O.none)
  } else {
    order(ws, st.previous, 'start', member, 'start', O.impliesThen | O.runnableLeft)
    order(ws, member, 'stop', st.previous, 'stop', O.optional | O.restart)
    if (st.promotable) {
      order(ws, st.previous, 'promote', member, 'promote', O.impliesThen | O.runnableLeft)
      order(ws, member, 'demote', st.previous, 'demote', O.optional)
    }
  }
  if (member.runningOn.length > 0) {
    if (st.ordered && st.previous !== undefined && st.previous.runningOn.length === 0 && st.lastActive !== undefined
      && st.lastActive.runningOn.length > 0) {
      order(ws, member, 'stop', st.lastActive, 'stop', O.optional)
    }
    st.lastActive = member
  }
  st.previous = member
}

/** The group's implicit orderings and colocations. */
export function groupInternalConstraints(ws: WorkingSet, rsc: Rsc): void {
  order(ws, rsc, 'stop', rsc, 'stopped', O.runnableLeft)
  order(ws, rsc, 'stopped', rsc, 'start', O.optional)
  order(ws, rsc, 'start', rsc, 'running', O.runnableLeft)
  let top: Rsc = rsc
  while (top.parent !== undefined) top = top.parent
  const st: MemberState = { ordered: rsc.groupOrdered, colocated: rsc.groupColocated, promotable: top.f.promotable, lastActive: undefined, previous: undefined }
  for (const m of rsc.children) memberConstraints(ws, rsc, m, st)
}
