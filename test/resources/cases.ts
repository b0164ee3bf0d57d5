import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ScheduleResult } from '../../lib/resources/scheduler/schedule.js'

/**
 * Pacemaker's scheduler regression cases live outside the repository (GPL
 * data): `../shared/pacemaker` from the repo root, or `HA_PACEMAKER_CASES`.
 */
export function pacemakerCasesDir(): string | undefined {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  const dir = process.env['HA_PACEMAKER_CASES'] ?? resolve(root, '..', 'shared', 'pacemaker')
  return existsSync(join(dir, 'cases.public.json')) ? dir : undefined
}

/** One manifest entry. */
export interface PacemakerCase {
  name: string
  summary_lines: string[]
  files: { input: string; full_summary: string; graph_dot: string; scores?: string }
}

/** The manifest's cases. */
export function loadCases(dir: string): PacemakerCase[] {
  return (JSON.parse(readFileSync(join(dir, 'cases.public.json'), 'utf8')) as { cases: PacemakerCase[] }).cases
}

/** Whitespace collapsed, as the manifest stores lines. */
export const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim()

/** The "Current cluster status" block of a crm_simulate -S output. */
export function currentStatusBlock(text: string): string {
  return text.split('Current cluster status:\n')[1]?.split('\nTransition Summary:')[0] ?? ''
}

/** A dot-style name for each of our actions, as crm_simulate names them. */
export function dotNames(r: ScheduleResult): Map<number, string> {
  const out = new Map<number, string>()
  for (const a of r.actions) {
    if (a.task === 'stonith') out.set(a.id, `stonith '${a.key.slice(a.key.lastIndexOf('-') + 1)}' ${a.node ?? ''}`)
    else out.set(a.id, a.node === undefined ? (a.pseudo ? a.key : `${a.key} <none>`) : `${a.key} ${a.node}`)
  }
  return out
}

/** Edges `"A" -> "B"` of a .dot file. */
export function dotEdges(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const line of text.split('\n')) {
    const m = /^"(.+)" -> "(.+)" \[/.exec(line)
    if (m !== null) out.push([m[1]!, m[2]!])
  }
  return out
}

function closure(edges: Array<[string, string]>): Map<string, Set<string>> {
  const next = new Map<string, string[]>()
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b])
  const reach = new Map<string, Set<string>>()
  const visit = (from: string): Set<string> => {
    const done = reach.get(from)
    if (done !== undefined) return done
    const seen = new Set<string>()
    reach.set(from, seen)
    const stack = [...(next.get(from) ?? [])]
    while (stack.length > 0) {
      const n = stack.pop()!
      if (seen.has(n)) continue
      seen.add(n)
      for (const m of next.get(n) ?? []) stack.push(m)
    }
    return seen
  }
  for (const a of next.keys()) visit(a)
  return reach
}

/** Real actions: resource start/stop/promote/demote on a node, and fencing. */
export function isRealAction(name: string): boolean {
  if (/_(pre|post)_notify_|_confirmed-(pre|post)_/.test(name)) return false
  return /^stonith '/.test(name) || /_(start|stop|promote|demote)_0 (?!<none>)\S+$/.test(name)
}

/** Pairs ordered (transitively) in Pacemaker's graph but not in ours. */
export function missingOrderings(dot: string, r: ScheduleResult): string[] {
  const names = dotNames(r)
  const ours = closure(r.edges.map((e) => [names.get(e.before)!, names.get(e.after)!]))
  const theirs = closure(dotEdges(dot))
  const present = new Set(names.values())
  const missing: string[] = []
  for (const [a, bs] of theirs) {
    if (!isRealAction(a)) continue
    for (const b of bs) {
      if (!isRealAction(b)) continue
      if (!present.has(a) || !present.has(b)) { missing.push(`${a} -> ${b} (absent here)`); continue }
      if (!(ours.get(a)?.has(b) ?? false)) missing.push(`${a} -> ${b}`)
    }
  }
  return missing
}
