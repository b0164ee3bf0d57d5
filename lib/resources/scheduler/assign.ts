/**
 * Assigning primitives to nodes (Pacemaker's `pcmk__primitive_assign` and
 * `assign_best_node`): apply colocations, honour target roles, freeze and
 * unmanaged resources, then pick the best allowed node.
 *
 * @module
 */
import { formatScore, INFINITY } from '../model/scores.js'
import { numericCompare } from './unpack-nodes.js'
import { addColocatedScores, factorOf } from './colocation-scores.js'
import { applyColocScore } from './coloc-dispatch.js'
import { hasInfluence } from './colocation.js'
import { anyAvailable, copyTable, nodeAvailable, sortAllowed } from './nodes.js'
import { resourceLocation } from './location.js'
import { currentNode, isUniqueClone } from './resource-state.js'
import { R, type Allowed, type Coloc, type Node, type Rsc, type WorkingSet } from './types.js'
import { banInsufficientCapacity, consumeCapacity, releaseCapacity } from './utilization.js'
import { assignResource } from './assign-dispatch.js'

/** Records allocation scores as crm_simulate --show-scores prints them (nodes by name), then each child's. */
export function recordScores(ws: WorkingSet, fn: string, rsc: Rsc, table: ReadonlyMap<string, Allowed> = rsc.allowed): void {
  if (rsc.f.orphan) return
  const list = [...table.values()].sort((a, b) => numericCompare(a.node.name, b.node.name))
  for (const a of list) ws.scores.push(`${fn}: ${rsc.id} allocation score on ${a.node.name}: ${formatScore(a.weight)}`)
  for (const c of rsc.children) recordScores(ws, fn, c)
}

/** Takes a primitive off its assigned node (Pacemaker's `pcmk__unassign_resource`). */
export function unassign(rsc: Rsc): void {
  const old = rsc.allocatedTo
  if (old === undefined) return
  rsc.f.provisional = true
  rsc.allocatedTo = undefined
  old.node.numResources--
  releaseCapacity(old.node, rsc)
}

/** Fixes a primitive's assignment, or its lack (Pacemaker's `pcmk__finalize_assignment`). */
export function finalizeAssignment(rsc: Rsc, chosen: Allowed | undefined, force: boolean): boolean {
  let pick = chosen
  if (!force && pick !== undefined && (pick.weight < 0 || !nodeAvailable(pick.node, pick.weight, true))) {
    rsc.nextRole = R.Stopped
    pick = undefined
  }
  unassign(rsc)
  rsc.f.provisional = false
  if (pick === undefined) {
    rsc.nextRole = R.Stopped
    for (const op of [...rsc.actions].reverse()) {
      if (op.task === 'stop') op.f.optional = false
      else if (op.task === 'start') op.f.runnable = false
      else if (op.intervalMs !== 0) op.f.runnable = false
    }
    return false
  }
  rsc.allocatedTo = { ...pick }
  pick.node.numResources++
  pick.count++
  consumeCapacity(pick.node, rsc)
  return true
}

function assignBestNode(ws: WorkingSet, rsc: Rsc, preferIn: Node | undefined): boolean {
  const mostFree = banInsufficientCapacity(ws, rsc)
  const prefer = preferIn ?? mostFree
  if (!rsc.f.provisional) return rsc.allocatedTo !== undefined
  const nodes = sortAllowed(ws, [...rsc.allowed.values()], currentNode(rsc))
  const best = nodes[0]
  let chosen: Allowed | undefined
  if (prefer !== undefined && best !== undefined) {
    chosen = rsc.allowed.get(prefer.name)
    if (chosen !== undefined && (chosen.weight < best.weight || !nodeAvailable(chosen.node, chosen.weight, true))) chosen = undefined
  }
  if (chosen === undefined && best !== undefined) {
    chosen = best
    if (!isUniqueClone(rsc.parent) && chosen.weight > 0 && nodeAvailable(chosen.node, chosen.weight, false)) {
      const running = currentNode(rsc)
      if (running !== undefined && nodeAvailable(running, running.weight, true)) {
        for (const other of nodes.slice(1)) {
          if (other.weight !== chosen.weight) break
          if (other.node === running) chosen = other
        }
      }
    }
  }
  return finalizeAssignment(rsc, chosen, false)
}

function applyThisWith(ws: WorkingSet, rsc: Rsc, c: Coloc): void {
  const archive = c.dependentRole >= R.Promoted || (c.score < 0 && c.score > -INFINITY) ? copyTable(rsc.allowed) : undefined
  assignResource(ws, c.primary, undefined)
  applyColocScore(rsc, c.primary, c, true)
  if (archive !== undefined && !anyAvailable(rsc.allowed)) rsc.allowed = archive
}

function applyWithThis(rsc: Rsc, c: Coloc): void {
  if (!hasInfluence(c)) return
  rsc.allowed = addColocatedScores(c.dependent, rsc.allowed, c.nodeAttribute, factorOf(c.score), { active: true }) ?? rsc.allowed
}

/** Assigns a primitive (and its parent first, if any). Returns its node. */
export function assignPrimitive(ws: WorkingSet, rsc: Rsc, prefer: Node | undefined): Node | undefined {
  if (rsc.parent !== undefined && !rsc.parent.f.allocating) assignResource(ws, rsc.parent, prefer)
  if (!rsc.f.provisional) return rsc.allocatedTo?.node
  if (rsc.f.allocating) return undefined
  rsc.f.allocating = true
  for (const c of [...rsc.thisWith]) applyThisWith(ws, rsc, c)
  for (const c of [...rsc.withThis]) applyWithThis(rsc, c)
  if (rsc.nextRole === R.Stopped) {
    resourceLocation(ws, rsc, undefined, -INFINITY)
  } else if (rsc.nextRole > rsc.role && !ws.f.haveQuorum && ws.noQuorumPolicy === 'freeze') {
    rsc.nextRole = rsc.role
  }
  recordScores(ws, 'pcmk__primitive_assign', rsc)
  if (ws.f.stonithEnabled && !ws.f.haveStonithResource) rsc.f.managed = false
  if (!rsc.f.managed) {
    rsc.nextRole = rsc.role
    const to = currentNode(rsc)
    finalizeAssignment(rsc, to === undefined ? undefined : (rsc.allowed.get(to.name) ?? { node: to, weight: to.weight, count: 0, discover: 0 }), true)
  } else if (ws.f.stopEverything) {
    finalizeAssignment(rsc, undefined, true)
  } else if (rsc.f.provisional) {
    assignBestNode(ws, rsc, prefer)
  }
  rsc.f.allocating = false
  return rsc.allocatedTo?.node
}
