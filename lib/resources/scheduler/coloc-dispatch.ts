/**
 * Applying one colocation, dispatched on the variants involved (Pacemaker's
 * `apply_coloc_score` methods for primitives, groups and clones).
 *
 * @module
 */
import { applyColocToPriority, applyColocToWeights, colocationAffects } from './colocation.js'
import { applyCloneColoc } from './clone-coloc.js'
import { V, type Coloc, type Rsc } from './types.js'

/**
 * Applies `c` to `dependent` given `primary`. `forDependent` is true when
 * called while placing the dependent (the primary's method then decides).
 */
export function applyColocScore(dependent: Rsc, primary: Rsc, c: Coloc, forDependent: boolean): void {
  if (dependent.variant === V.Group && forDependent) {
    colocateGroupWith(dependent, primary, c)
    return
  }
  if (primary.variant === V.Group) {
    colocateWithGroup(dependent, primary, c)
    return
  }
  if (primary.variant === V.Clone) {
    applyCloneColoc(dependent, primary, c)
    return
  }
  const affects = colocationAffects(dependent, primary, c, false)
  if (affects === 'role') applyColocToPriority(dependent, primary, c)
  else if (affects === 'location') applyColocToWeights(dependent, primary, c)
}

function colocateGroupWith(dependent: Rsc, primary: Rsc, c: Coloc): void {
  const first = dependent.children[0]
  if (first === undefined) return
  if (dependent.groupColocated) {
    applyColocScore(first, primary, c, true)
    return
  }
  // A mandatory colocation of a non-colocated group is a configuration error Pacemaker ignores.
  if (c.score >= 1_000_000) return
  for (const m of dependent.children) applyColocScore(m, primary, c, true)
}

function colocateWithGroup(dependent: Rsc, primary: Rsc, c: Coloc): void {
  if (primary.f.provisional) return
  if (primary.groupColocated) {
    const member = c.score >= 1_000_000 ? primary.lastChild : primary.children[0]
    if (member !== undefined) applyColocScore(dependent, member, c, false)
    return
  }
  if (c.score >= 1_000_000) return
  for (const m of primary.children) applyColocScore(dependent, m, c, false)
}
