/**
 * Location: per-resource node scores (Pacemaker's `resource_location`),
 * `rsc_location` constraints with rules, and applying them to primitives,
 * groups and clones.
 *
 * @module
 */
import type { LocationConstraint, Rule } from '../model/config.js'
import { addScores, INFINITY, toScore } from '../model/scores.js'
import { evalRule, type RuleContext } from './rules.js'
import { top } from './resource-state.js'
import { R, V, type Loc, type Node, type Rsc, type WorkingSet } from './types.js'
import { updateRecheck } from './unpack-config.js'

/** Adds `score` for the resource (and its descendants) on one node, or on every node. */
export function resourceLocation(ws: WorkingSet, rsc: Rsc, node: Node | undefined, score: number): void {
  if (node !== undefined) nodeScore(rsc, node, score)
  else for (const n of ws.nodes) nodeScore(rsc, n, score)
  if (node === undefined && score <= -INFINITY && rsc.allocatedTo !== undefined) rsc.allocatedTo = undefined
}

function nodeScore(rsc: Rsc, node: Node, score: number): void {
  for (const c of rsc.children) nodeScore(c, node, score)
  let match = rsc.allowed.get(node.name)
  if (match === undefined) {
    match = { node, weight: node.weight, count: 0, discover: 0 }
    rsc.allowed.set(node.name, match)
  }
  match.weight = addScores(match.weight, score)
}

/** The resource a constraint names: an instance if named exactly, else its top-level parent. */
export function findConstraintResource(ws: WorkingSet, id: string | undefined): Rsc | undefined {
  if (id === undefined) return undefined
  for (const r of ws.resources) {
    const match = findRenamed(r, id)
    if (match !== undefined) return match.id === id ? match : top(match)
  }
  return undefined
}

/** The resources a constraint's resource set names, or undefined if one is unknown. */
export function setResources(ws: WorkingSet, ids: readonly string[]): Rsc[] | undefined {
  const out: Rsc[] = []
  for (const id of ids) {
    const r = findConstraintResource(ws, id)
    if (r === undefined) return undefined
    out.push(r)
  }
  return out
}

function findRenamed(rsc: Rsc, id: string): Rsc | undefined {
  if (rsc.id === id || rsc.cloneName === id) return rsc
  for (const c of rsc.children) {
    const m = findRenamed(c, id)
    if (m !== undefined) return m
  }
  return undefined
}

function roleFilter(role: string | undefined): R {
  return role === 'Promoted' ? R.Promoted : role === 'Stopped' ? R.Stopped : R.Unknown
}

function newLocation(ws: WorkingSet, id: string, rsc: Rsc, discover: string | undefined): Loc {
  const loc: Loc = { id, rsc, nodes: [], roleFilter: R.Unknown, discover: discover === 'never' ? 1 : discover === 'exclusive' ? 2 : 0 }
  if (loc.discover === 2) rsc.exclusiveDiscover = true
  ws.locations.push(loc)
  rsc.locations.push(loc)
  return loc
}

/** Unpacks one `rsc_location` (sets, pattern, or a single resource). */
export function unpackLocation(ws: WorkingSet, c: LocationConstraint): void {
  if (c.expiresAt !== undefined) {
    if (ws.now * 1000 >= c.expiresAt) return
    updateRecheck(ws, Math.ceil(c.expiresAt / 1000))
  }
  if (c.sets !== undefined && c.sets.length > 0) {
    for (const set of c.sets) {
      for (const id of set.resources) {
        const rsc = findConstraintResource(ws, id)
        if (rsc === undefined) return
        unpackRscLocation(ws, c, rsc, set.role, set.score)
      }
    }
    return
  }
  if (c.rsc !== undefined) {
    const rsc = findConstraintResource(ws, c.rsc)
    if (rsc !== undefined) unpackRscLocation(ws, c, rsc, undefined, undefined)
  }
  if (c.rscPattern !== undefined) unpackPattern(ws, c, c.rscPattern)
}

function unpackPattern(ws: WorkingSet, c: LocationConstraint, pattern: string): void {
  const invert = pattern.startsWith('!')
  let re: RegExp
  try {
    re = new RegExp(invert ? pattern.slice(1) : pattern)
  } catch {
    return
  }
  for (const r of ws.resources) {
    if (re.test(r.id) !== invert) unpackRscLocation(ws, c, r, undefined, undefined)
  }
}

function unpackRscLocation(ws: WorkingSet, c: LocationConstraint, rsc: Rsc, setRole: string | undefined,
  setScore: number | string | undefined): void {
  const score = setScore ?? c.score
  if (c.node !== undefined && score !== undefined) {
    const node = ws.nodes.find((n) => n.name.toLowerCase() === c.node!.toLowerCase())
    if (node === undefined) return
    const loc = newLocation(ws, c.id, rsc, c.resourceDiscovery)
    loc.nodes = [{ node, weight: toScore(score) }]
    loc.roleFilter = roleFilter(setRole ?? c.role)
    return
  }
  const ctx: RuleContext = { attrs: undefined, now: ws.now }
  for (const rule of c.rules ?? []) generateLocationRule(ws, c, rsc, rule, ctx)
  if (ctx.nextChange !== undefined) updateRecheck(ws, ctx.nextChange)
}

function ruleNodeScore(rule: Rule, raw: boolean, node: Node): number {
  if (raw) return toScore(rule.score)
  const v = node.attrs.get(rule.scoreAttribute!)
  return v === undefined ? -INFINITY : toScore(v)
}

function generateLocationRule(ws: WorkingSet, c: LocationConstraint, rsc: Rsc, rule: Rule, ctx: RuleContext): void {
  const raw = rule.score !== undefined || rule.scoreAttribute === undefined
  const doAnd = rule.op !== 'or'
  const loc: Loc = { id: rule.id ?? c.id, rsc, nodes: [], roleFilter: roleFilter(rule.role), discover: 0 }
  const matched: Array<{ node: Node; weight: number }> = doAnd ? ws.nodes.map((n) => ({ node: n, weight: ruleNodeScore(rule, raw, n) })) : []
  for (const node of ws.nodes) {
    const nodeCtx: RuleContext = { attrs: node.attrs, now: ws.now }
    const accept = evalRule(rule, nodeCtx)
    if (nodeCtx.nextChange !== undefined && (ctx.nextChange === undefined || nodeCtx.nextChange < ctx.nextChange)) {
      ctx.nextChange = nodeCtx.nextChange
    }
    const score = ruleNodeScore(rule, raw, node)
    const idx = matched.findIndex((m) => m.node === node)
    if (accept) {
      if (idx < 0 && doAnd) continue
      if (idx < 0) matched.push({ node, weight: addScores(node.weight, score) })
    } else if (doAnd && idx >= 0) {
      matched.splice(idx, 1)
    }
  }
  if (matched.length === 0) return
  const real = newLocation(ws, loc.id, rsc, c.resourceDiscovery)
  real.nodes = matched
  real.roleFilter = loc.roleFilter
}

/** Applies every location constraint, newest first as Pacemaker does. */
export function applyLocations(ws: WorkingSet): void {
  for (let i = ws.locations.length - 1; i >= 0; i--) {
    const loc = ws.locations[i]!
    applyLocation(loc.rsc, loc, loc.nodes)
  }
}

/** Applies one constraint to a resource, by variant. */
export function applyLocation(rsc: Rsc, loc: Loc, nodes: Loc['nodes']): void {
  if (rsc.variant === V.Native) {
    applyToTable(rsc, loc, nodes)
  } else if (rsc.variant === V.Group) {
    applyToTable(rsc, loc, nodes)
    let list = nodes
    for (const m of rsc.children) {
      applyLocation(m, loc, list)
      // Only the first member of a colocated group takes the scores; the rest follow it.
      if (rsc.groupColocated) list = list.map((n) => ({ node: n.node, weight: 0 }))
    }
  } else {
    applyToTable(rsc, loc, nodes)
    for (const c of rsc.children) applyLocation(c, loc, nodes)
  }
}

function applyToTable(rsc: Rsc, loc: Loc, nodes: Loc['nodes']): void {
  if (loc.roleFilter > R.Unknown && loc.roleFilter !== rsc.nextRole) return
  for (const n of nodes) {
    const existing = rsc.allowed.get(n.node.name)
    if (existing === undefined) rsc.allowed.set(n.node.name, { node: n.node, weight: n.weight, count: 0, discover: loc.discover })
    else {
      existing.weight = addScores(existing.weight, n.weight)
      if (existing.discover < loc.discover) {
        if (loc.discover === 2) rsc.exclusiveDiscover = true
        existing.discover = loc.discover
      }
    }
  }
}
