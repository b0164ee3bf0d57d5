/**
 * The Transition Summary, in Pacemaker's exact wording (`rsc_action_default`
 * and `rsc_action_item` in pcmk_output.c): one line per fencing action and
 * per resource whose state changes.
 *
 * @module
 */
import { rscActions, findActions, opKey } from './actions.js'
import { currentNode } from './resource-state.js'
import { R, ROLE_TEXT, type Action, type Node, type Rsc, type WorkingSet } from './types.js'

/** One summary line before padding. */
export interface SummaryItem {
  verb: string
  rsc?: string
  details: string
  reason: string
}

function item(verb: string, rsc: Rsc, origin: Node | undefined, dest: Node | undefined, action: Action | undefined,
  source: Action | undefined): SummaryItem {
  const src = source ?? action
  const needRole = rsc.role > R.Started || rsc.nextRole > R.Unpromoted
  const sameHost = origin !== undefined && dest !== undefined && origin === dest
  const sameRole = rsc.role === rsc.nextRole
  const role = ROLE_TEXT[rsc.role]
  const next = ROLE_TEXT[rsc.nextRole]
  let details: string
  if (needRole && origin === undefined) details = `${role} -> ${next} ${dest!.name}`
  else if (origin === undefined) details = dest!.name
  else if (needRole && dest === undefined) details = `${role} ${origin.name}`
  else if (dest === undefined) details = origin.name
  else if (needRole && sameRole && sameHost) details = `${role} ${origin.name}`
  else if (sameRole && sameHost) details = origin.name
  else if (needRole && sameRole) details = `${origin.name} -> ${dest.name} ${role}`
  else if (sameRole) details = `${origin.name} -> ${dest.name}`
  else if (sameHost) details = `${role} -> ${next} ${origin.name}`
  else details = `${role} ${origin.name} -> ${next} ${dest.name}`
  const runnable = action?.f.runnable ?? true
  let reason = ''
  if (src?.reason !== undefined && !runnable) reason = `due to ${src.reason} (blocked)`
  else if (src?.reason !== undefined) reason = `due to ${src.reason}`
  else if (!runnable) reason = 'blocked'
  return { verb, rsc: rsc.id, details, reason }
}

function first(list: Action[]): Action | undefined {
  return list[0]
}

function primitiveItems(rsc: Rsc, current: Node | undefined, next: Node | undefined, out: SummaryItem[]): void {
  if (!rsc.f.managed || (current === undefined && next === undefined)) return
  const moving = current !== undefined && next !== undefined && current !== next
  const start = first(rscActions(rsc, next, 'start', false))
  const startNode = start === undefined || !start.f.runnable ? undefined : current
  let stop = first(rscActions(rsc, startNode, 'stop', false))
  if (stop === undefined && rsc.f.stopUnexpected) stop = first(rscActions(rsc, undefined, 'stop', false))
  const promote = first(rscActions(rsc, next, 'promote', false))
  const demote = first(rscActions(rsc, next, 'demote', false))
  if (rsc.role === rsc.nextRole) {
    if (next === undefined) return
    if (start === undefined || start.f.optional) {
      if (demote !== undefined && promote !== undefined && !demote.f.optional && !promote.f.optional) {
        out.push(item('Re-promote', rsc, current, next, promote, demote))
      }
    } else if (!start.f.runnable) {
      out.push(item('Stop', rsc, current, undefined, stop, stop?.reason !== undefined ? stop : start))
    } else if (moving && current !== undefined) {
      out.push(item(rsc.f.failed ? 'Recover' : 'Move', rsc, current, next, stop, undefined))
    } else if (rsc.f.failed) {
      out.push(item('Recover', rsc, current, undefined, stop, undefined))
    } else {
      out.push(item('Restart', rsc, current, next, start, undefined))
    }
    return
  }
  if (stop !== undefined && (rsc.nextRole === R.Stopped || (start !== undefined && !start.f.runnable))) {
    const key = opKey(rsc.id, 'stop')
    for (const node of rsc.runningOn) {
      const op = first(findActions(rsc.actions, key, node))
      out.push(item('Stop', rsc, node, undefined, op, op?.reason !== undefined ? op : start))
    }
  } else if (stop !== undefined && rsc.f.failed && rsc.f.stop) {
    out.push(item('Recover', rsc, current, next, stop, start))
  } else if (moving) {
    out.push(item('Move', rsc, current, next, stop, undefined))
  } else if (stop !== undefined && !stop.f.optional) {
    out.push(item('Restart', rsc, current, next, start, undefined))
  } else if (rsc.role === R.Promoted) {
    out.push(item('Demote', rsc, current, next, demote, undefined))
  } else if (rsc.nextRole === R.Promoted) {
    out.push(item('Promote', rsc, current, next, promote, undefined))
  } else if (rsc.role === R.Stopped && rsc.nextRole > R.Stopped) {
    out.push(item('Start', rsc, current, next, start, undefined))
  }
}

function resourceItems(rsc: Rsc, out: SummaryItem[]): void {
  if (rsc.children.length > 0) {
    for (const c of rsc.children) resourceItems(c, out)
    return
  }
  const next = rsc.allocatedTo?.node
  let current: Node | undefined
  if (rsc.runningOn.length > 0) {
    current = currentNode(rsc)
    if (rsc.role === R.Stopped) rsc.role = R.Started
  }
  if (current === undefined && rsc.f.orphan) return
  primitiveItems(rsc, current, next, out)
}

/** The summary items: fencing and shutdowns first, then resources in scheduling order. */
export function summaryItems(ws: WorkingSet): SummaryItem[] {
  const out: SummaryItem[] = []
  for (let i = ws.actions.length - 1; i >= 0; i--) {
    const a = ws.actions[i]!
    if (a.rsc !== undefined || a.f.optional) continue
    if (a.task === 'stonith' && a.reason !== undefined) {
      out.push({ verb: `Fence (${a.fenceAction ?? ws.stonithAction})`, details: a.node!.name, reason: a.reason })
    }
  }
  for (const r of ws.resources) resourceItems(r, out)
  return out
}

/** Pacemaker's padded lines, e.g. `  * Move       rsc1    ( node1 -> node2 )`. */
export function formatSummary(items: readonly SummaryItem[]): string[] {
  let rscWidth = 5
  let detailWidth = 5
  for (const it of items) {
    if (it.rsc === undefined) continue
    if (it.rsc.length > rscWidth) rscWidth = it.rsc.length + 2
    if (it.details.length > detailWidth) detailWidth = it.details.length
  }
  return items.map((it) => {
    if (it.rsc === undefined) return `  * ${it.verb} ${it.details} '${it.reason}'`
    const reason = it.reason === '' ? '' : `  ${it.reason}`
    return `  * ${it.verb.padEnd(8)}   ${it.rsc.padEnd(rscWidth)}   ( ${it.details.padStart(detailWidth)} )${reason}`
  })
}
