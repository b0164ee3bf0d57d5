/**
 * Attenuated colocation preferences: a resource's node scores folded into
 * another's, scaled by `score / INFINITY` and followed along colocation
 * chains (Pacemaker's `pcmk__add_colocated_node_scores`). The factor is a C
 * `float`, so the arithmetic is done in single precision to round the same.
 *
 * @module
 */
import { addScores, INFINITY } from '../model/scores.js'
import { sameValue, hasInfluence } from './colocation.js'
import { anyAvailable, copyTable, nodeAvailable } from './nodes.js'
import { V, type Allowed, type Rsc } from './types.js'

/** A node temporarily marked unusable while folding non-negative scores. */
const INFINITY_HACK = INFINITY * -100

/** Which colocations to follow and how to treat negative results. */
export interface ColocFlags {
  thisWith?: boolean
  active?: boolean
  nonNegative?: boolean
}

const f32 = Math.fround

/** `score / (float) INFINITY`, as C computes it. */
export function factorOf(score: number, multiplier = 1): number {
  return f32(f32(f32(multiplier) * f32(score)) / f32(INFINITY))
}

function bestMatchingScore(rsc: Rsc, attr: string, value: string | undefined): number {
  let best = -INFINITY
  for (const a of rsc.allowed.values()) {
    if (a.weight > best && nodeAvailable(a.node, a.weight, false) && sameValue(value, a.node.attrs.get(attr))) best = a.weight
  }
  return best
}

function addMatchingScores(table: Map<string, Allowed>, rsc: Rsc, attrIn: string | undefined, factor: number, onlyPositive: boolean): void {
  const attr = attrIn ?? '#uname'
  for (const a of table.values()) {
    const score = bestMatchingScore(rsc, attr, a.node.attrs.get(attr))
    if (factor < 0 && score < 0) continue
    if (a.weight === INFINITY_HACK) continue
    const wf = f32(factor * score)
    let weight = Math.trunc(wf < 0 ? wf - 0.5 : wf + 0.5)
    if (weight === 0 && score !== 0) weight = factor > 0 ? 1 : factor < 0 ? -1 : 0
    const next = addScores(weight, a.weight)
    if (onlyPositive && next < 0 && a.weight > 0) { a.weight = INFINITY_HACK; continue }
    if (onlyPositive && next < 0 && a.weight === 0) continue
    a.weight = next
  }
}

/**
 * Folds `rsc`'s (and its colocated resources') preferences into `nodes`,
 * which may be undefined (then `rsc`'s own table is the start). Returns the
 * new table, or the old one when rolled back.
 */
export function addColocatedScores(rsc: Rsc, nodes: Map<string, Allowed> | undefined, attr: string | undefined,
  factor: number, flags: ColocFlags): Map<string, Allowed> | undefined {
  if (rsc.f.merging) return nodes
  rsc.f.merging = true
  let work: Map<string, Allowed> | undefined
  if (rsc.variant === V.Group) {
    const member = nodes === undefined ? rsc.lastChild : rsc.children[0]
    if (member === undefined) { rsc.f.merging = false; return nodes }
    work = addColocatedScores(member, nodes === undefined ? undefined : copyTable(nodes), attr, factor, flags)
  } else if (nodes === undefined) {
    work = copyTable(rsc.allowed)
  } else {
    work = copyTable(nodes)
    addMatchingScores(work, rsc, attr, factor, flags.nonNegative === true)
  }
  if (work === undefined) { rsc.f.merging = false; return nodes }
  if (anyAvailable(work)) {
    const multiplier = factor < 0 ? -1 : 1
    const list = flags.thisWith === true ? rsc.thisWith : rsc.variant === V.Group ? rsc.lastChild?.withThis ?? [] : rsc.withThis
    for (const c of list) {
      let other: Rsc
      if (flags.thisWith === true) other = c.primary
      else if (!hasInfluence(c)) continue
      else other = c.dependent
      work = addColocatedScores(other, work, c.nodeAttribute, factorOf(c.score, multiplier), { ...flags, active: true }) ?? work
    }
  } else if (flags.active === true) {
    rsc.f.merging = false
    return nodes
  }
  if (flags.nonNegative === true) {
    for (const a of work.values()) if (a.weight === INFINITY_HACK) a.weight = 1
  }
  rsc.f.merging = false
  return work
}
