/**
 * Pacemaker's text conventions: booleans, time intervals, roles, and
 * name/value sets with Pacemaker's precedence (sets sorted by score, the
 * first value of a name wins).
 *
 * @module
 */
import type { Role } from '../model/config.js'
import { toScore } from '../model/scores.js'
import { childrenNamed, type IdIndex, type XmlElement } from './xml-tree.js'

/** `crm_is_true`: true, on, yes, y, 1 (any case). */
export function isTrue(text: string | undefined): boolean {
  return parseBool(text) === true
}

/** A boolean, or undefined when the text is neither true-ish nor false-ish. */
export function parseBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined
  const t = text.toLowerCase()
  if (t === 'true' || t === 'on' || t === 'yes' || t === 'y' || t === '1') return true
  if (t === 'false' || t === 'off' || t === 'no' || t === 'n' || t === '0') return false
  return undefined
}

const UNIT_MS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(ms|msec)/i, 1],
  [/^(us|usec)/i, 0.001],
  [/^(s|sec)/i, 1000],
  [/^(m|min)/i, 60_000],
  [/^(h|hr)/i, 3_600_000],
]

/** `crm_parse_interval_spec`: ISO 8601 durations (`PT10S`) or a number with units (default seconds). */
export function parseIntervalMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const t = text.trim()
  if (t.startsWith('P')) return isoDurationMs(t)
  const m = /^(\d+)\s*(.*)$/.exec(t)
  if (m === null) return undefined
  const n = Number(m[1])
  const units = m[2] ?? ''
  if (units === '') return n * 1000
  for (const [re, mult] of UNIT_MS) if (re.test(units)) return Math.floor(n * mult)
  return undefined
}

function isoDurationMs(t: string): number | undefined {
  // Lenient like Pacemaker: "P30S" is 30 seconds; M means months before T, minutes after.
  const re = /(\d+)([YMWDHST])/gy
  let pos = 1
  let time = false
  let seconds = 0
  const units: Record<string, number> = { Y: 31_536_000, W: 604_800, D: 86_400, H: 3_600, S: 1 }
  while (pos < t.length) {
    if (t[pos] === 'T') { time = true; pos++; continue }
    re.lastIndex = pos
    const m = re.exec(t)
    if (m === null) return undefined
    const n = Number(m[1])
    const u = m[2]!
    seconds += u === 'M' ? n * (time ? 60 : 2_592_000) : n * (units[u] ?? 0)
    pos = re.lastIndex
  }
  return seconds * 1000
}

/** A role name, mapping the legacy `Master`/`Slave` names. */
export function parseRole(text: string | undefined): Role | undefined {
  if (text === undefined) return undefined
  switch (text.toLowerCase()) {
    case 'stopped': return 'Stopped'
    case 'started': return 'Started'
    case 'unpromoted': case 'slave': return 'Unpromoted'
    case 'promoted': case 'master': return 'Promoted'
    default: return undefined
  }
}

/**
 * The name/value pairs of every `<setName>` child of `e` (for example
 * `meta_attributes`), honouring `id-ref`s: sets sorted by score (the set
 * `first` names first), and within the merge the first value of a name wins.
 * Sets guarded by `<rule>`s are evaluated by `accept` (absent: rules fail).
 */
export function nvpairs(
  e: XmlElement | undefined, setName: string, ids: IdIndex,
  options: { first?: string; accept?: (set: XmlElement) => boolean } = {},
): Map<string, string> {
  const sets = childrenNamed(e, setName).map((s) => ids.resolve(s))
  const sorted = sets
    .map((s, i) => ({ s, i, score: toScore(s.attrs['score']) }))
    .sort((a, b) => {
      if (options.first !== undefined) {
        if (a.s.attrs['id'] === options.first) return -1
        if (b.s.attrs['id'] === options.first) return 1
      }
      return b.score - a.score || b.i - a.i
    })
  const out = new Map<string, string>()
  for (const { s } of sorted) {
    if (childrenNamed(s, 'rule').length > 0 && options.accept?.(s) !== true) continue
    for (const pair of s.children) {
      if (pair.name !== 'nvpair') continue
      const p = ids.resolve(pair)
      const name = pair.attrs['name'] ?? p.attrs['name']
      const value = pair.attrs['value'] ?? p.attrs['value']
      if (name === undefined || value === undefined) continue
      if (value.toLowerCase() === '#default') { out.delete(name); continue }
      if (!out.has(name)) out.set(name, value)
    }
  }
  return out
}
