/**
 * `<constraints>` → location, colocation and order constraints, with rules,
 * resource sets and `id-ref`s resolved.
 *
 * @module
 */
import { ConfigError } from '../../errors.js'
import type {
  AttrExpr, ColocationConstraint, Constraint, ConstraintAction, DateExpr, ExprOp, LocationConstraint,
  OrderConstraint, OrderType, ResourceSet, Rule,
} from '../model/config.js'
import { toScore } from '../model/scores.js'
import { childrenNamed, requireAttr, type IdIndex, type XmlElement } from './xml-tree.js'
import { parseBool, parseRole } from './xml-values.js'

/** Every supported constraint in document order. */
export function importConstraints(constraints: XmlElement | undefined, ids: IdIndex): Constraint[] {
  const out: Constraint[] = []
  for (const e of constraints?.children ?? []) {
    switch (e.name) {
      case 'rsc_location': out.push(location(e, ids)); break
      case 'rsc_colocation': out.push(colocation(e, ids)); break
      case 'rsc_order': out.push(order(e, ids)); break
      default:
        throw new ConfigError(e.path, `<${e.name}> constraints are not supported (rsc_location, rsc_colocation, rsc_order are)`)
    }
  }
  return out
}

function location(e: XmlElement, ids: IdIndex): LocationConstraint {
  const c: LocationConstraint = { kind: 'location', id: requireAttr(e, 'id') }
  const a = e.attrs
  if (a['rsc'] !== undefined) c.rsc = a['rsc']
  if (a['rsc-pattern'] !== undefined) c.rscPattern = a['rsc-pattern']
  if (a['node'] !== undefined) c.node = a['node']
  if (a['score'] !== undefined) c.score = toScore(a['score'])
  const role = parseRole(a['role'])
  if (role !== undefined) c.role = role
  const rules = childrenNamed(e, 'rule').map((r) => rule(r, ids))
  if (rules.length > 0) c.rules = rules
  const sets = resourceSets(e, ids)
  if (sets.length > 0) c.sets = sets
  const disc = a['resource-discovery']
  if (disc === 'always' || disc === 'never' || disc === 'exclusive') c.resourceDiscovery = disc
  if (childrenNamed(e, 'lifetime').length > 0) throw new ConfigError(e.path, '<lifetime> is not supported')
  if (c.rsc === undefined && c.rscPattern === undefined && c.sets === undefined) {
    throw new ConfigError(e.path, '<rsc_location> needs rsc, rsc-pattern or a resource_set')
  }
  return c
}

function colocation(e: XmlElement, ids: IdIndex): ColocationConstraint {
  const a = e.attrs
  const c: ColocationConstraint = { kind: 'colocation', id: requireAttr(e, 'id'), score: toScore(a['score']) }
  if (a['rsc'] !== undefined) c.rsc = a['rsc']
  if (a['with-rsc'] !== undefined) c.withRsc = a['with-rsc']
  const rr = parseRole(a['rsc-role'])
  if (rr !== undefined) c.rscRole = rr
  const wr = parseRole(a['with-rsc-role'])
  if (wr !== undefined) c.withRscRole = wr
  if (a['node-attribute'] !== undefined) c.nodeAttribute = a['node-attribute']
  const influence = parseBool(a['influence'])
  if (influence !== undefined) c.influence = influence
  const sets = resourceSets(e, ids)
  if (sets.length > 0) c.sets = sets
  return c
}

const ACTIONS = new Set(['start', 'stop', 'promote', 'demote', 'started', 'stopped', 'promoted', 'demoted'])

function action(e: XmlElement, name: string): ConstraintAction | undefined {
  const v = e.attrs[name]
  if (v === undefined) return undefined
  if (!ACTIONS.has(v)) throw new ConfigError(e.path, `unknown ${name} '${v}'`)
  return v as ConstraintAction
}

function orderType(e: XmlElement): OrderType | undefined {
  const kind = e.attrs['kind']
  if (kind !== undefined) {
    const k = kind.toLowerCase()
    if (k === 'mandatory') return 'Mandatory'
    if (k === 'optional') return 'Optional'
    if (k === 'serialize') return 'Serialize'
    return 'Mandatory'
  }
  const score = e.attrs['score']
  if (score !== undefined) return toScore(score) === 0 ? 'Optional' : 'Mandatory'
  return undefined
}

function order(e: XmlElement, ids: IdIndex): OrderConstraint {
  const a = e.attrs
  const c: OrderConstraint = { kind: 'order', id: requireAttr(e, 'id') }
  if (a['first'] !== undefined) c.first = a['first']
  if (a['then'] !== undefined) c.then = a['then']
  const fa = action(e, 'first-action')
  if (fa !== undefined) c.firstAction = fa
  const ta = action(e, 'then-action')
  if (ta !== undefined) c.thenAction = ta
  const type = orderType(e)
  if (type !== undefined) c.type = type
  const sym = parseBool(a['symmetrical'])
  if (sym !== undefined) c.symmetrical = sym
  const all = parseBool(a['require-all'])
  if (all !== undefined) c.requireAll = all
  const sets = resourceSets(e, ids)
  if (sets.length > 0) c.sets = sets
  return c
}

function resourceSets(e: XmlElement, ids: IdIndex): ResourceSet[] {
  return childrenNamed(e, 'resource_set').map((raw) => {
    const s = ids.resolve(raw)
    const set: ResourceSet = { id: requireAttr(s, 'id'), resources: childrenNamed(s, 'resource_ref').map((r) => requireAttr(r, 'id')) }
    const seq = parseBool(s.attrs['sequential'])
    if (seq !== undefined) set.sequential = seq
    const act = action(s, 'action')
    if (act !== undefined) set.action = act
    const role = parseRole(s.attrs['role'])
    if (role !== undefined) set.role = role
    if (s.attrs['score'] !== undefined) set.score = toScore(s.attrs['score'])
    const all = parseBool(s.attrs['require-all'])
    if (all !== undefined) set.requireAll = all
    const type = orderType(s)
    if (type !== undefined && s.attrs['kind'] !== undefined) set.type = type
    // Any value but "group" (Pacemaker's default) chains members the other way.
    const order = s.attrs['ordering']
    if (order !== undefined) set.colocationOrder = order.toLowerCase() === 'group' ? 'group' : 'listed'
    return set
  })
}

const EXPR_OPS = new Set(['eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'defined', 'not_defined'])

/** A `<rule>` with its expressions (nested rules and date expressions included). */
export function rule(raw: XmlElement, ids: IdIndex): Rule {
  const e = ids.resolve(raw)
  const r: Rule = { expressions: [] }
  if (e.attrs['id'] !== undefined) r.id = e.attrs['id']
  if (e.attrs['score'] !== undefined) r.score = toScore(e.attrs['score'])
  if (e.attrs['score-attribute'] !== undefined) r.scoreAttribute = e.attrs['score-attribute']
  const role = parseRole(e.attrs['role'])
  if (role !== undefined) r.role = role
  if (e.attrs['boolean-op']?.toLowerCase() === 'or') r.op = 'or'
  for (const child of e.children) {
    if (child.name === 'rule') r.expressions.push(rule(child, ids))
    else if (child.name === 'expression') r.expressions.push(expression(ids.resolve(child)))
    else if (child.name === 'date_expression') r.expressions.push(dateExpression(ids.resolve(child)))
    else throw new ConfigError(child.path, `<${child.name}> in a rule is not supported`)
  }
  return r
}

function expression(e: XmlElement): AttrExpr {
  const op = requireAttr(e, 'operation')
  if (!EXPR_OPS.has(op)) throw new ConfigError(e.path, `unknown operation '${op}'`)
  const x: AttrExpr = { attribute: requireAttr(e, 'attribute'), operation: op as ExprOp }
  if (e.attrs['value'] !== undefined) x.value = e.attrs['value']
  const type = e.attrs['type']
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'version') x.type = type
  const vs = e.attrs['value-source']
  if (vs === 'param' || vs === 'meta' || vs === 'literal') x.valueSource = vs
  return x
}

function dateExpression(e: XmlElement): DateExpr {
  const op = e.attrs['operation'] ?? 'in_range'
  if (op !== 'lt' && op !== 'gt' && op !== 'in_range') {
    throw new ConfigError(e.path, `date_expression operation '${op}' is not supported (lt, gt, in_range are)`)
  }
  const x: DateExpr = { kind: 'date', operation: op }
  const start = parseIsoTime(e.attrs['start'], e.path)
  if (start !== undefined) x.start = start
  const end = parseIsoTime(e.attrs['end'], e.path)
  if (end !== undefined) x.end = end
  if (childrenNamed(e, 'duration').length > 0 || childrenNamed(e, 'date_spec').length > 0) {
    throw new ConfigError(e.path, 'durations and date_spec are not supported')
  }
  return x
}

/** ISO 8601 `YYYY-MM-DD[ T]hh:mm:ss[Z|±hh:mm]` as epoch milliseconds (no zone: UTC). */
export function parseIsoTime(text: string | undefined, path: string): number | undefined {
  if (text === undefined) return undefined
  const ordinal = /^(\d{4})-(\d{3})$/.exec(text.trim())
  if (ordinal !== null) return Date.UTC(Number(ordinal[1]), 0, 1) + (Number(ordinal[2]) - 1) * 86_400_000
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim())
  if (m === null) throw new ConfigError(path, `unparsable time '${text}'`)
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number]
  let t = Date.UTC(y, mo - 1, d, h, mi, s)
  const zone = m[7]
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  return t
}
