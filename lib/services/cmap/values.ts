/**
 * CMAP key names and typed values: validation, type inference, range checks and
 * equality (corosync exec/icmap.c semantics, re-expressed for JavaScript values).
 */
import { ClusterError } from '../../errors.js'
import type { CmapEntry, CmapType, CmapValue } from '../cmap-types.js'

/** Shortest valid key name (corosync ICMAP_KEYNAME_MINLEN). */
export const CMAP_KEY_MIN_LENGTH = 3
/** Longest valid key name (corosync ICMAP_KEYNAME_MAXLEN). */
export const CMAP_KEY_MAX_LENGTH = 255

const KEY_CHARS = /^[a-zA-Z0-9._/:-]*$/
const INVALID_KEY_CHAR = /[^a-zA-Z0-9._/:-]/

/** Integer CMAP types with their inclusive ranges. */
const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint, number, boolean]>> = {
  int8: [-(1n << 7n), (1n << 7n) - 1n, 8, true],
  uint8: [0n, (1n << 8n) - 1n, 8, false],
  int16: [-(1n << 15n), (1n << 15n) - 1n, 16, true],
  uint16: [0n, (1n << 16n) - 1n, 16, false],
  int32: [-(1n << 31n), (1n << 31n) - 1n, 32, true],
  uint32: [0n, (1n << 32n) - 1n, 32, false],
  int64: [-(1n << 63n), (1n << 63n) - 1n, 64, true],
  uint64: [0n, (1n << 64n) - 1n, 64, false],
}

/** Largest finite single-precision float (C FLT_MAX). */
const FLOAT_MAX = 3.4028234663852886e38

const ALL_TYPES: ReadonlySet<string> = new Set([...Object.keys(INTEGER_RANGES), 'float', 'double', 'string', 'binary'])

/** True for `int8` … `uint64`, the types `adjust` works on. */
export function isIntegerType(type: CmapType): boolean {
  return type in INTEGER_RANGES
}

/** True when `type` is one of the twelve CMAP value types. */
export function isCmapType(type: unknown): type is CmapType {
  return typeof type === 'string' && ALL_TYPES.has(type)
}

/**
 * Checks a key name: 3..255 characters of `[a-zA-Z0-9._/:-]`. The restriction
 * exists so names survive corosync-cmapctl style tooling and the hierarchy
 * convention (dots) stays unambiguous.
 */
export function validateKeyName(key: string): void {
  if (typeof key !== 'string') {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap key must be a string, got ${typeof key}`)
  }
  if (key.length < CMAP_KEY_MIN_LENGTH || key.length > CMAP_KEY_MAX_LENGTH) {
    throw new ClusterError('ERR_INVALID_ARGUMENT',
      `cmap key '${key}': name must be ${CMAP_KEY_MIN_LENGTH}..${CMAP_KEY_MAX_LENGTH} characters, got ${key.length}`)
  }
  const bad = INVALID_KEY_CHAR.exec(key)
  if (bad !== null) {
    throw new ClusterError('ERR_INVALID_ARGUMENT',
      `cmap key '${key}': invalid character ${JSON.stringify(bad[0])} (allowed: a-z A-Z 0-9 . _ / : -)`)
  }
}

/** Checks a tracking prefix: any length up to 255 (empty = every key), same alphabet as key names. */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length > CMAP_KEY_MAX_LENGTH || !KEY_CHARS.test(prefix)) {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap prefix ${JSON.stringify(prefix)} is not a valid key prefix`)
  }
}

/**
 * Replaces every character not allowed in key names by `_` (corosync
 * `icmap_convert_name_to_valid_name`), for names built from runtime data.
 */
export function toValidKeyPart(name: string): string {
  return name.replace(/[^a-zA-Z0-9._/:-]/g, '_')
}

/** The type `set` gives a value when none is specified and the key is new. */
export function inferType(value: CmapValue): CmapType {
  if (typeof value === 'string') return 'string'
  if (value instanceof Uint8Array) return 'binary'
  if (typeof value === 'bigint') return value >= 0n ? 'uint64' : 'int64'
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'double'
    return value >= 0 && value < 2 ** 32 ? 'uint32' : 'int64'
  }
  throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap value of type ${typeof value} is not supported`)
}

function fail(key: string, type: CmapType, message: string): never {
  throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap key '${key}' (${type}): ${message}`)
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/**
 * Integers are kept as `number` while they are safe and as `bigint` beyond, so
 * that one value has exactly one representation and equality stays `===`.
 */
function normalizeInteger(key: string, type: CmapType, value: CmapValue): number | bigint {
  const range = INTEGER_RANGES[type]
  if (range === undefined) return fail(key, type, 'not an integer type')
  let big: bigint
  if (typeof value === 'bigint') big = value
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value)
  else return fail(key, type, `expected an integer, got ${describe(value)}`)
  const [min, max] = range
  if (big < min || big > max) return fail(key, type, `${describe(value)} is out of range ${min}..${max}`)
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
}

/**
 * Checks `value` against `type` and returns the canonical stored form:
 * integers range-checked and normalised, `float` rounded to single precision
 * (what a 4-byte C float would hold), binary copied so the caller cannot
 * mutate the store behind its back.
 */
export function normalizeValue(key: string, type: CmapType, value: CmapValue): CmapValue {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return fail(key, type, `expected a string, got ${describe(value)}`)
      // corosync strings are NUL-terminated: a NUL would silently truncate the value for C clients.
      if (value.includes('\0')) return fail(key, type, 'strings must not contain NUL characters')
      return value
    case 'binary':
      if (!(value instanceof Uint8Array)) return fail(key, type, `expected a Uint8Array, got ${describe(value)}`)
      return new Uint8Array(value)
    case 'float':
    case 'double': {
      if (typeof value !== 'number') return fail(key, type, `expected a number, got ${describe(value)}`)
      if (type === 'double') return value
      if (Number.isFinite(value) && Math.abs(value) > FLOAT_MAX) {
        return fail(key, type, `${value} is out of range ±${FLOAT_MAX}`)
      }
      return Math.fround(value)
    }
    default:
      return normalizeInteger(key, type, value)
  }
}

/** Stored size in bytes, for the value size bound (strings as UTF-8). */
export function valueSize(entry: CmapEntry): number {
  const { value } = entry
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (value instanceof Uint8Array) return value.length
  return 8
}

/**
 * Byte-for-byte equality as corosync's `icmap_item_eq` sees it: same type and
 * same value (`Object.is` so NaN equals NaN and 0 differs from -0, like memcmp).
 */
export function entriesEqual(a: CmapEntry, b: CmapEntry): boolean {
  if (a.type !== b.type) return false
  const x = a.value
  const y = b.value
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
    return true
  }
  return Object.is(x, y)
}

/**
 * `value + step` wrapped to the width of `type`, as corosync's
 * `icmap_adjust_int` does with C unsigned arithmetic (uint8 255 + 1 = 0).
 */
export function wrapAdd(type: CmapType, value: CmapValue, step: number | bigint): number | bigint {
  const range = INTEGER_RANGES[type]
  if (range === undefined || (typeof value !== 'number' && typeof value !== 'bigint')) {
    throw new ClusterError('ERR_INVALID_ARGUMENT', `cmap adjust: type ${type} is not an integer type`)
  }
  const [, , bits, signed] = range
  const sum = BigInt(value) + BigInt(step)
  const wrapped = signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum)
  return wrapped >= BigInt(Number.MIN_SAFE_INTEGER) && wrapped <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(wrapped) : wrapped
}
