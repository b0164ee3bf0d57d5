/**
 * Probes: a one-off monitor of each resource on each node where its state
 * is unknown, ordered before the resource (or its clone) starts.
 *
 * @module
 */
import { customAction, opKey } from './actions.js'
import { newOrdering } from './ordering.js'
import { instanceNumber } from './clone-assign.js'
import { isClone, top } from './resource-state.js'
import { O, type Node, type Rsc, type WorkingSet } from './types.js'

function probe(ws: WorkingSet, rsc: Rsc, node: Node): void {
  if (rsc.children.length > 0) {
    // Pacemaker re-sorts a clone's instances by number whenever it probes it.
    if (isClone(rsc)) rsc.children = [...rsc.children].sort((a, b) => instanceNumber(a) - instanceNumber(b))
    if (isClone(rsc) && !rsc.f.unique) {
      const child = rsc.children.find((c) => knownOn(c, node))
        ?? rsc.children.find((c) => c.allocatedTo?.node === node) ?? rsc.children[0]
      if (child !== undefined) probe(ws, child, node)
      return
    }
    for (const c of rsc.children) probe(ws, c, node)
    return
  }
  if (rsc.f.orphan || rsc.knownOn.has(node.name)) return
  const allowed = rsc.allowed.get(node.name)
  if (rsc.exclusiveDiscover || top(rsc).exclusiveDiscover) {
    if (allowed === undefined || allowed.discover !== 2) return
  }
  if ((allowed?.discover ?? 0) === 1) return
  const action = customAction(ws, rsc, opKey(rsc.id, 'monitor', 0), 'monitor', node, false)
  action.f.optional = false
  const target = isClone(top(rsc)) ? top(rsc) : rsc
  let flags: number = O.optional
  if (!action.f.runnable && rsc.runningOn.length === 0) flags |= O.runnableLeft
  newOrdering(ws, rsc, undefined, action, target, opKey(target.id, 'start'), undefined, flags)
}

function knownOn(rsc: Rsc, node: Node): boolean {
  if (rsc.children.length > 0) return rsc.children.some((c) => knownOn(c, node))
  return rsc.knownOn.has(node.name)
}

/** Schedules probes on every online, clean node. */
export function scheduleProbes(ws: WorkingSet): void {
  for (const node of ws.nodes) {
    if (!node.online || node.unclean) continue
    const probed = node.attrs.get('probe_complete')
    if (probed !== undefined && !/^(true|on|yes|y|1)$/i.test(probed)) continue
    for (const r of ws.resources) probe(ws, r, node)
  }
}
