/**
 * Rule evaluation against a node's attributes and the schedule's `now`
 * (Pacemaker's `pe_eval_expr` and its attribute/date expressions).
 *
 * @module
 */
import type { AttrExpr, DateExpr, Rule } from '../model/config.js'
import { compareVersion } from './unpack-config.js'

/** What a rule is evaluated against. */
export interface RuleContext {
  readonly attrs: ReadonlyMap<string, string> | undefined
  /** Seconds since the epoch. */
  readonly now: number
  readonly params?: ReadonlyMap<string, string>
  readonly meta?: ReadonlyMap<string, string>
  /** Earliest future time (seconds) at which a date expression changes its result. */
  nextChange?: number
}

function isRule(x: AttrExpr | DateExpr | Rule): x is Rule {
  return (x as Rule).expressions !== undefined
}

/** Whether the rule holds (`and` needs all expressions, `or` any). */
export function evalRule(rule: Rule, ctx: RuleContext): boolean {
  const any = rule.op === 'or'
  for (const e of rule.expressions) {
    const ok = isRule(e) ? evalRule(e, ctx) : e.kind === 'date' ? evalDate(e, ctx) : evalAttr(e, ctx)
    if (ok && any) return true
    if (!ok && !any) return false
  }
  return !any
}

function evalDate(e: DateExpr, ctx: RuleContext): boolean {
  const now = ctx.now
  const start = e.start === undefined ? undefined : Math.floor(e.start / 1000)
  const end = e.end === undefined ? undefined : Math.floor(e.end / 1000)
  const note = (t: number | undefined): void => {
    if (t !== undefined && t > now && (ctx.nextChange === undefined || t < ctx.nextChange)) ctx.nextChange = t
  }
  switch (e.operation) {
    case 'lt':
      note(end)
      return end !== undefined && now < end
    case 'gt':
      note(start === undefined ? undefined : start + 1)
      return start !== undefined && now > start
    default:
      note(start)
      note(end === undefined ? undefined : end + 1)
      if (start !== undefined && now < start) return false
      if (end !== undefined && now > end) return false
      return start !== undefined || end !== undefined
  }
}

function evalAttr(e: AttrExpr, ctx: RuleContext): boolean {
  if (ctx.attrs === undefined) return false
  const left = ctx.attrs.get(e.attribute)
  let right = e.value
  if (right !== undefined && right !== '' && e.valueSource === 'param') right = ctx.params?.get(right)
  else if (right !== undefined && right !== '' && e.valueSource === 'meta') right = ctx.meta?.get(right)
  return accept(left, right, e.type, e.operation)
}

function accept(l: string | undefined, r: string | undefined, type: AttrExpr['type'], op: AttrExpr['operation']): boolean {
  if (op === 'defined') return l !== undefined
  if (op === 'not_defined') return l === undefined
  const cmp = compareValues(l, r, type, op)
  if (op === 'eq') return cmp === 0
  if (op === 'ne') return cmp !== 0
  if (l === undefined || r === undefined) return false
  if (op === 'lt') return cmp < 0
  if (op === 'lte') return cmp <= 0
  if (op === 'gt') return cmp > 0
  return cmp >= 0
}

function compareValues(l: string | undefined, r: string | undefined, type: AttrExpr['type'], op: string): number {
  if (l === undefined || r === undefined) return l === r ? 0 : r === undefined ? 1 : -1
  let t = type
  if (t === undefined) {
    if (op === 'lt' || op === 'lte' || op === 'gt' || op === 'gte') t = l.includes('.') || r.includes('.') ? 'number' : 'integer'
    else t = 'string'
  }
  if (t === 'integer' || t === 'number') {
    const a = t === 'integer' ? parseIntPrefix(l) : Number.parseFloat(l)
    const b = t === 'integer' ? parseIntPrefix(r) : Number.parseFloat(r)
    if (a !== undefined && b !== undefined && !Number.isNaN(a) && !Number.isNaN(b)) return a < b ? -1 : a > b ? 1 : 0
    return caseCompare(l, r)
  }
  if (t === 'version') return compareVersion(l, r)
  return caseCompare(l, r)
}

function parseIntPrefix(s: string): number | undefined {
  const m = /^\s*[+-]?\d+/.exec(s)
  return m === null ? undefined : Number(m[0])
}

function caseCompare(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  return x < y ? -1 : x > y ? 1 : 0
}
