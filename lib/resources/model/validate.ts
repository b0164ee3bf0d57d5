/**
 * Validation of a JSON CIB: every bad value is reported with its JSON path
 * (`resources[1].meta.migrationThreshold`), so a rejected patch says exactly
 * what to fix.
 *
 * @module
 */
import { ConfigError } from '../../errors.js'
import type { CibConfig, Constraint, Op, ResourceDef, ResourceMeta, ResourceSet, Rule } from './config.js'

/** One problem found by {@link validateCibProblems}. */
export interface CibProblem {
  path: string
  message: string
}

const ROLES = ['Stopped', 'Started', 'Unpromoted', 'Promoted']
const ON_FAIL = ['ignore', 'block', 'stop', 'restart', 'fence', 'standby', 'demote']
const ACTIONS = ['start', 'stop', 'promote', 'demote', 'started', 'stopped', 'promoted', 'demoted']
const EXPR_OPS = ['eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'defined', 'not_defined']

class Checker {
  readonly problems: CibProblem[] = []
  bad(path: string, message: string): void {
    this.problems.push({ path, message })
  }
  oneOf(path: string, v: unknown, values: readonly string[]): void {
    if (v !== undefined && (typeof v !== 'string' || !values.includes(v))) this.bad(path, `must be one of ${values.join(', ')}`)
  }
  bool(path: string, v: unknown): void {
    if (v !== undefined && typeof v !== 'boolean') this.bad(path, 'must be a boolean')
  }
  int(path: string, v: unknown, min = Number.MIN_SAFE_INTEGER): void {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) this.bad(path, `must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}`)
  }
  score(path: string, v: unknown): void {
    if (v === undefined) return
    if (typeof v === 'number' && Number.isFinite(v)) return
    if (v === 'INFINITY' || v === '-INFINITY' || v === '+INFINITY') return
    this.bad(path, "must be a number, 'INFINITY' or '-INFINITY'")
  }
  id(path: string, v: unknown): void {
    if (typeof v !== 'string' || v === '' || /\s/.test(v)) this.bad(path, 'must be a non-empty id without spaces')
  }
}

function checkMeta(c: Checker, path: string, m: ResourceMeta | undefined): void {
  if (m === undefined) return
  if (typeof m !== 'object' || m === null) { c.bad(path, 'must be an object'); return }
  c.oneOf(`${path}.targetRole`, m.targetRole, ROLES)
  c.bool(`${path}.isManaged`, m.isManaged)
  c.bool(`${path}.maintenance`, m.maintenance)
  c.int(`${path}.priority`, m.priority)
  c.score(`${path}.stickiness`, m.stickiness)
  c.int(`${path}.migrationThreshold`, m.migrationThreshold, 0)
  c.int(`${path}.failureTimeoutMs`, m.failureTimeoutMs, 0)
  c.oneOf(`${path}.multipleActive`, m.multipleActive, ['stop_start', 'stop_only', 'block', 'stop_unexpected'])
  c.oneOf(`${path}.requires`, m.requires, ['nothing', 'quorum', 'fencing', 'unfencing'])
  for (const k of ['cloneMax', 'cloneNodeMax', 'cloneMin', 'promotedMax', 'promotedNodeMax'] as const) c.int(`${path}.${k}`, m[k], 0)
  for (const k of ['critical', 'globallyUnique', 'interleave', 'ordered', 'notify', 'promotable'] as const) c.bool(`${path}.${k}`, m[k])
}

function checkOp(c: Checker, path: string, op: Op): void {
  if (typeof op.name !== 'string' || op.name === '') c.bad(`${path}.name`, 'must be an operation name')
  c.int(`${path}.intervalMs`, op.intervalMs, 0)
  c.int(`${path}.timeoutMs`, op.timeoutMs, 0)
  c.oneOf(`${path}.role`, op.role, ROLES)
  c.oneOf(`${path}.onFail`, op.onFail, ON_FAIL)
  c.bool(`${path}.enabled`, op.enabled)
}

function checkResource(c: Checker, path: string, r: ResourceDef, ids: Set<string>): void {
  c.id(`${path}.id`, r.id)
  if (ids.has(r.id)) c.bad(`${path}.id`, `duplicate resource id '${r.id}'`)
  ids.add(r.id)
  checkMeta(c, `${path}.meta`, r.meta)
  if (r.kind === 'primitive') {
    if (typeof r.agent !== 'string' || !/^[^:\s]+:([^:\s]+:)?[^:\s]+$/.test(r.agent)) c.bad(`${path}.agent`, "must be 'class:provider:type' or 'class:type'")
    ;(r.ops ?? []).forEach((op, i) => checkOp(c, `${path}.ops[${i}]`, op))
    for (const [k, v] of Object.entries(r.utilization ?? {})) c.int(`${path}.utilization.${k}`, v)
  } else if (r.kind === 'group') {
    if (!Array.isArray(r.members) || r.members.length === 0) c.bad(`${path}.members`, 'must list at least one primitive')
    else r.members.forEach((m, i) => (m?.kind === 'primitive' ? checkResource(c, `${path}.members[${i}]`, m, ids) : c.bad(`${path}.members[${i}].kind`, "must be 'primitive'")))
  } else if (r.kind === 'clone') {
    if (r.of === undefined || (r.of.kind !== 'primitive' && r.of.kind !== 'group')) c.bad(`${path}.of`, 'must be a primitive or a group')
    else checkResource(c, `${path}.of`, r.of, ids)
  } else {
    c.bad(`${path}.kind`, "must be 'primitive', 'group' or 'clone'")
  }
}

function checkRule(c: Checker, path: string, rule: Rule): void {
  c.score(`${path}.score`, rule.score)
  c.oneOf(`${path}.role`, rule.role, ROLES)
  c.oneOf(`${path}.op`, rule.op, ['and', 'or'])
  if (!Array.isArray(rule.expressions)) { c.bad(`${path}.expressions`, 'must be an array'); return }
  rule.expressions.forEach((e, i) => {
    const p = `${path}.expressions[${i}]`
    if ('expressions' in e) checkRule(c, p, e)
    else if (e.kind === 'date') c.oneOf(`${p}.operation`, e.operation, ['lt', 'gt', 'in_range'])
    else {
      if (typeof e.attribute !== 'string' || e.attribute === '') c.bad(`${p}.attribute`, 'must name an attribute')
      c.oneOf(`${p}.operation`, e.operation, EXPR_OPS)
    }
  })
}

function checkSets(c: Checker, path: string, sets: readonly ResourceSet[], ref: (p: string, v: string | undefined) => void): void {
  sets.forEach((s, i) => {
    const p = `${path}.sets[${i}]`
    c.id(`${p}.id`, s.id)
    if (!Array.isArray(s.resources)) c.bad(`${p}.resources`, 'must be an array of resource ids')
    else s.resources.forEach((r, j) => ref(`${p}.resources[${j}]`, r))
    c.bool(`${p}.sequential`, s.sequential)
    c.bool(`${p}.requireAll`, s.requireAll)
    c.oneOf(`${p}.action`, s.action, ACTIONS)
    c.oneOf(`${p}.role`, s.role, ROLES)
    c.score(`${p}.score`, s.score)
    c.oneOf(`${p}.type`, s.type, ['Mandatory', 'Optional', 'Serialize'])
    c.oneOf(`${p}.colocationOrder`, s.colocationOrder, ['group', 'listed'])
  })
}

function checkConstraint(c: Checker, path: string, k: Constraint, rscIds: Set<string>, nodes: Set<string>): void {
  c.id(`${path}.id`, k.id)
  const ref = (p: string, v: string | undefined): void => {
    if (v !== undefined && !rscIds.has(v) && !rscIds.has(v.replace(/:\d+$/, ''))) c.bad(p, `names no resource ('${v}')`)
  }
  if ('sets' in k && k.sets !== undefined) checkSets(c, path, k.sets, ref)
  if (k.kind === 'location') {
    ref(`${path}.rsc`, k.rsc)
    c.score(`${path}.score`, k.score)
    c.oneOf(`${path}.role`, k.role, ROLES)
    if (k.node !== undefined && !nodes.has(k.node)) c.bad(`${path}.node`, `names no configured node ('${k.node}')`)
    ;(k.rules ?? []).forEach((r, i) => checkRule(c, `${path}.rules[${i}]`, r))
  } else if (k.kind === 'colocation') {
    ref(`${path}.rsc`, k.rsc)
    ref(`${path}.withRsc`, k.withRsc)
    c.score(`${path}.score`, k.score)
    c.oneOf(`${path}.rscRole`, k.rscRole, ROLES)
    c.oneOf(`${path}.withRscRole`, k.withRscRole, ROLES)
  } else if (k.kind === 'order') {
    ref(`${path}.first`, k.first)
    ref(`${path}.then`, k.then)
    c.oneOf(`${path}.firstAction`, k.firstAction, ACTIONS)
    c.oneOf(`${path}.thenAction`, k.thenAction, ACTIONS)
    c.oneOf(`${path}.type`, k.type, ['Mandatory', 'Optional', 'Serialize'])
    c.bool(`${path}.symmetrical`, k.symmetrical)
  } else {
    c.bad(`${path}.kind`, "must be 'location', 'colocation' or 'order'")
  }
}

/** Every problem in a configuration (empty when valid). */
export function validateCibProblems(config: CibConfig): CibProblem[] {
  const c = new Checker()
  if (typeof config !== 'object' || config === null) return [{ path: '', message: 'must be an object' }]
  const o = config.options ?? {}
  c.oneOf('options.noQuorumPolicy', o.noQuorumPolicy, ['stop', 'freeze', 'ignore', 'demote', 'suicide'])
  c.oneOf('options.fencingAction', o.fencingAction, ['reboot', 'off'])
  c.oneOf('options.placementStrategy', o.placementStrategy, ['default', 'utilization', 'minimal', 'balanced'])
  for (const k of ['fencingEnabled', 'startupFencing', 'concurrentFencing', 'symmetricCluster', 'startFailureIsFatal',
    'maintenanceMode', 'stopAllResources', 'stopOrphanResources', 'stopOrphanActions', 'enableStartupProbes'] as const) c.bool(`options.${k}`, o[k])
  for (const k of ['fencingTimeoutMs', 'watchdogFencingTimeoutMs', 'batchLimit'] as const) c.int(`options.${k}`, o[k], 0)
  checkMeta(c, 'defaults.resource', config.defaults?.resource)
  const nodes = new Set(Object.keys(config.nodes ?? {}))
  for (const [name, n] of Object.entries(config.nodes ?? {})) {
    for (const [k, v] of Object.entries(n.utilization ?? {})) c.int(`nodes.${name}.utilization.${k}`, v)
    for (const [k, v] of Object.entries(n.attributes ?? {})) if (typeof v !== 'string') c.bad(`nodes.${name}.attributes.${k}`, 'must be a string')
  }
  const ids = new Set<string>()
  if (!Array.isArray(config.resources)) c.bad('resources', 'must be an array')
  else config.resources.forEach((r, i) => checkResource(c, `resources[${i}]`, r, ids))
  if (!Array.isArray(config.constraints)) c.bad('constraints', 'must be an array')
  else config.constraints.forEach((k, i) => checkConstraint(c, `constraints[${i}]`, k, ids, nodes))
  return c.problems
}

/** Throws a {@link ConfigError} naming the JSON path of the first bad value. */
export function validateCib(config: CibConfig): void {
  const problems = validateCibProblems(config)
  const first = problems[0]
  if (first !== undefined) throw new ConfigError(first.path, `${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`)
}
