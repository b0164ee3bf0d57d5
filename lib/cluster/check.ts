import { ConfigError, InvalidArgumentError } from '../errors.js'

/**
 * A small structural validator for the public API's inputs. A schema library
 * (zod, valibot, typebox) would check the same shapes, but our errors must be
 * ConfigError / InvalidArgumentError naming the option path with corosync-
 * style wording and a "did you mean" for misspelt keys, and the option types
 * already exist as TSDoc'd interfaces that typedoc documents; mapping a
 * library's issues onto that would be as much code as this file, plus a
 * runtime dependency in every bundle.
 */

/** Options of `new Cluster()` raise ConfigError; arguments of calls raise InvalidArgumentError. */
export type Kind = 'config' | 'argument'

export type Rule = (value: unknown, path: string, kind: Kind) => void

/** A rule for every key of T, so a key added to an options interface without a rule does not compile. */
export type Shape<T> = { readonly [K in keyof Required<T>]-?: Rule }

export function fail(kind: Kind, path: string, message: string): never {
  throw kind === 'config' ? new ConfigError(path, message) : new InvalidArgumentError(path, message)
}

/** How a value reads in a message: `"1"`, `42`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
    case 'number': case 'boolean': return String(value)
    case 'bigint': return `${value}n`
    case 'undefined': return 'undefined'
    case 'function': return 'a function'
    default: return value instanceof Uint8Array ? `a ${value.constructor.name} of ${value.length} bytes` : 'an object'
  }
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`)

export function integer(min: number, max: number): Rule {
  return (value, path, kind) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) fail(kind, path, `expected an integer in ${min}..${max}, got ${describe(value)}`)
    if (value < min || value > max) fail(kind, path, `must be in ${min}..${max}, got ${value}`)
  }
}

/** A duration or count in ms: finite, ≥ min. */
export function duration(min = 0): Rule {
  return (value, path, kind) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(kind, path, `expected a finite number of milliseconds ≥ ${min}, got ${describe(value)}`)
    if (value < min) fail(kind, path, `must be ≥ ${min}, got ${value}`)
  }
}

export function boolean(): Rule {
  return (value, path, kind) => { if (typeof value !== 'boolean') fail(kind, path, `expected a boolean, got ${describe(value)}`) }
}

export function string(options: { readonly nonEmpty?: boolean; readonly maxBytes?: number } = {}): Rule {
  return (value, path, kind) => {
    if (typeof value !== 'string') fail(kind, path, `expected a string, got ${describe(value)}`)
    if (options.nonEmpty === true && value.length === 0) fail(kind, path, 'must not be empty')
    if (options.maxBytes !== undefined && Buffer.byteLength(value) > options.maxBytes) fail(kind, path, `is at most ${options.maxBytes} bytes in UTF-8, got ${Buffer.byteLength(value)}`)
  }
}

export function oneOf(...values: readonly (string | number | boolean)[]): Rule {
  const list = values.map((v) => JSON.stringify(v))
  const wanted = list.length === 2 ? `${list[0]} or ${list[1]}` : `one of ${list.join(', ')}`
  return (value, path, kind) => { if (!values.includes(value as never)) fail(kind, path, `expected ${wanted}, got ${describe(value)}`) }
}

/** Payloads: bytes or a string (UTF-8). */
export function bytesOrString(): Rule {
  return (value, path, kind) => {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) fail(kind, path, `expected a Uint8Array or a string, got ${describe(value)}`)
  }
}

export function abortSignal(): Rule {
  return (value, path, kind) => {
    if (typeof value !== 'object' || value === null || typeof (value as AbortSignal).aborted !== 'boolean' || typeof (value as AbortSignal).addEventListener !== 'function') {
      fail(kind, path, `expected an AbortSignal, got ${describe(value)}`)
    }
  }
}

export function func(): Rule {
  return (value, path, kind) => { if (typeof value !== 'function') fail(kind, path, `expected a function, got ${describe(value)}`) }
}

/** The first rule that accepts wins; otherwise the error of `explain`. */
export function either(rules: readonly Rule[], explain: string): Rule {
  return (value, path, kind) => {
    for (const rule of rules) {
      try {
        rule(value, path, kind)
        return
      } catch { /* try the next */ }
    }
    fail(kind, path, `expected ${explain}, got ${describe(value)}`)
  }
}

export function array(item: Rule, options: { readonly min?: number; readonly max?: number } = {}): Rule {
  return (value, path, kind) => {
    if (!Array.isArray(value)) fail(kind, path, `expected an array, got ${describe(value)}`)
    if (options.min !== undefined && value.length < options.min) fail(kind, path, options.min === 1 ? 'must not be empty' : `needs at least ${options.min} entries`)
    if (options.max !== undefined && value.length > options.max) fail(kind, path, `at most ${options.max} entries, got ${value.length}`)
    value.forEach((v, i) => { item(v, `${path}[${i}]`, kind) })
  }
}

/**
 * A plain object with known keys: an unknown key is an error naming the
 * closest valid one, `required` keys must be present, the others may be
 * missing or undefined.
 */
export function object<T>(shape: Shape<T>, required: readonly (keyof T & string)[] = []): Rule {
  const keys = Object.keys(shape)
  return (value, path, kind) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(kind, path === '' ? 'options' : path, `expected an object, got ${describe(value)}`)
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (keys.includes(key)) continue
      const near = closest(key, keys)
      fail(kind, join(path, key), `unknown ${kind === 'config' ? 'option' : 'key'}${near === undefined ? ` (valid: ${keys.join(', ')})` : `; did you mean "${near}"?`}`)
    }
    for (const key of required) if (record[key] === undefined) fail(kind, join(path, key), 'is required')
    for (const key of keys) {
      const v = record[key]
      if (v !== undefined) (shape as Record<string, Rule>)[key]!(v, join(path, key), kind)
    }
  }
}

/** Optional options argument: undefined is fine, otherwise it must match. */
export function options<T>(shape: Shape<T>): Rule {
  const rule = object(shape)
  return (value, path, kind) => { if (value !== undefined) rule(value, path, kind) }
}

/** The valid name nearest to a misspelt one, if it is near enough to be a likely typo. */
export function closest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of valid) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  const near = bestDistance <= Math.max(2, Math.floor(key.length / 3)) || (best !== undefined && (best.startsWith(key) || key.startsWith(best)))
  return near ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]!
}
