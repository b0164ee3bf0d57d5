/**
 * Prometheus text exposition format 0.0.4, written by hand: the counters
 * live in the engine thread and arrive as periodic snapshots, so a client
 * library's inc()-only counters would only get in the way; what is needed is
 * a correct writer (names, escaping, number formats) and nothing more.
 *
 * @module
 */

export type MetricType = 'counter' | 'gauge'

export interface Sample {
  readonly labels?: Readonly<Record<string, string | number>>
  readonly value: number | bigint
}

export interface MetricFamily {
  /** `tsha_…`; counters end in `_total`. */
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly samples: readonly Sample[]
}

/** The Content-Type of this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

/** Go's strconv formatting as Prometheus parses it: +Inf, -Inf, NaN, integers without exponent. */
export function formatValue(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString()
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

function labelSet(labels: Sample['labels']): string {
  if (labels === undefined) return ''
  const parts = Object.entries(labels).map(([k, v]) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`bad label name ${JSON.stringify(k)}`)
    return `${k}="${escapeLabel(String(v))}"`
  })
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

/**
 * Writes families in the order given. Throws on a bad or repeated metric
 * name, a counter not ending in `_total`, or a repeated label set: bugs of
 * ours, caught by the tests rather than by a scraper.
 */
export function writeExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>()
  const out: string[] = []
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`bad metric name ${JSON.stringify(f.name)}`)
    if (seen.has(f.name)) throw new Error(`metric ${f.name} written twice`)
    if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`counter ${f.name} must end in _total`)
    seen.add(f.name)
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    const sets = new Set<string>()
    for (const s of f.samples) {
      const labels = labelSet(s.labels)
      if (sets.has(labels)) throw new Error(`metric ${f.name} has two samples with labels ${labels || '{}'}`)
      sets.add(labels)
      out.push(`${f.name}${labels} ${formatValue(s.value)}`)
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`
}
