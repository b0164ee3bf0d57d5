/**
 * Placement scores with Pacemaker's INFINITY arithmetic: every score is an
 * integer clamped to ±1,000,000, and sums saturate so that a ban always beats
 * a requirement (`-INFINITY + INFINITY = -INFINITY`).
 *
 * @module
 */

/** A score as written in a CIB: a number, or one of the infinite keywords. */
export type Score = number | 'INFINITY' | '-INFINITY' | '+INFINITY'

/** The largest finite magnitude, which stands for infinity. */
export const INFINITY = 1_000_000

/**
 * Turns a score (number or keyword, or Pacemaker's text such as `"+INFINITY"`,
 * `"red"`, `"yellow"`, `"green"`) into a clamped integer. Unparsable text is 0,
 * as in Pacemaker's `char2score`.
 */
export function toScore(value: Score | string | undefined | null): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number') return clamp(Math.trunc(value))
  const text = value.trim()
  const lower = text.toLowerCase()
  if (lower === 'infinity' || lower === '+infinity') return INFINITY
  if (lower === '-infinity') return -INFINITY
  // Node-health colours score 0 unless the health options say otherwise.
  if (lower === 'red' || lower === 'yellow' || lower === 'green') return 0
  return clamp(parseLeadingInt(text))
}

/** Pacemaker's score sum: `-INFINITY` wins over everything, then `+INFINITY`. */
export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY
  if (a >= INFINITY || b >= INFINITY) return INFINITY
  return clamp(a + b)
}

/** A score as Pacemaker prints it: `INFINITY`, `-INFINITY` or the integer. */
export function formatScore(score: number): string {
  if (score >= INFINITY) return 'INFINITY'
  if (score <= -INFINITY) return '-INFINITY'
  return String(score)
}

function clamp(n: number): number {
  if (!Number.isFinite(n)) return n > 0 ? INFINITY : n < 0 ? -INFINITY : 0
  return Math.max(-INFINITY, Math.min(INFINITY, n))
}

/** Like C's strtoll: optional sign then digits; anything else stops the scan. */
function parseLeadingInt(text: string): number {
  const m = /^[+-]?\d+/.exec(text)
  return m === null ? 0 : Number(m[0])
}
