/**
 * Value kinds of corosync.conf keys: corosync's typed integers (coroparse.c
 * `safe_atoq`, range-checked per icmap type) plus the enumerations, booleans and
 * addresses that corosync or ts-ha interpret. Each kind converts the raw string
 * or says what it expected.
 */
import { isIP } from 'node:net'

/** How one key's value is read. `convert` returns undefined when the text is invalid. */
export interface ValueKind {
  /** For error messages: "expected …". */
  readonly expected: string
  readonly convert: (text: string) => string | number | undefined
}

const DECIMAL = /^[+-]?[0-9]+$/

/** Integer of a C type; corosync's strtoll accepts a sign and leading zeros, nothing else. */
function integerKind(type: string, min: bigint, max: bigint): ValueKind {
  return {
    expected: `an integer in ${min}..${max} (${type})`,
    convert: (text) => {
      if (!DECIMAL.test(text)) return undefined
      const value = BigInt(text)
      if (value < min || value > max) return undefined
      // u64 values beyond 2^53 are kept as their decimal text rather than rounded.
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
    },
  }
}

/** corosync icmap uint8 (linknumber, ttl, …). */
export const U8 = integerKind('u8', 0n, 0xffn)
/** corosync icmap uint16 (mcastport). */
export const U16 = integerKind('u16', 0n, 0xffffn)
/** corosync icmap uint32 (timers, nodeid, votes). */
export const U32 = integerKind('u32', 0n, 0xffffffffn)
/** corosync icmap int32 (knet_compression_level). */
export const I32 = integerKind('i32', -0x80000000n, 0x7fffffffn)
/** corosync icmap uint64 (config_version, poll_period). */
export const U64 = integerKind('u64', 0n, 0xffffffffffffffffn)

const TRUE_WORDS = new Set(['yes', 'on', 'true', '1'])
const FALSE_WORDS = new Set(['no', 'off', 'false', '0'])

/** Reads a boolean word; corosync itself accepts only yes/no (totem) or on/off (logging). */
export function parseBool(text: string): boolean | undefined {
  const word = text.toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  return undefined
}

/** A yes/no key corosync stores as a string; the string is kept. */
export const BOOL: ValueKind = {
  expected: 'yes or no (also on/off, true/false, 1/0)',
  convert: (text) => (parseBool(text) === undefined ? undefined : text),
}

/**
 * A corosync u8 used as a flag (votequorum's two_node, wait_for_all, …): corosync
 * wants a number and treats non-zero as true; ts-ha also takes yes/no words and
 * stores them as 1/0 so the key keeps its corosync type.
 */
export const FLAG: ValueKind = {
  expected: 'yes/no, on/off or an integer in 0..255 (u8)',
  convert: (text) => {
    const n = U8.convert(text)
    if (n !== undefined) return n
    const b = parseBool(text)
    return b === undefined ? undefined : b ? 1 : 0
  },
}

/** One of a fixed set of words (case-sensitive, as corosync compares with strcmp). */
export function oneOf(...values: readonly string[]): ValueKind {
  return { expected: `one of ${values.join(', ')}`, convert: (text) => (values.includes(text) ? text : undefined) }
}

/** An IP address literal; ts-ha does not resolve host names. */
export const IP: ValueKind = {
  expected: 'an IPv4 or IPv6 address (host names are not resolved)',
  convert: (text) => (isIP(text) === 0 ? undefined : text),
}

/** `lowest`, `highest` or space-separated node ids (votequorum auto_tie_breaker_node). */
export const TIE_BREAKER: ValueKind = {
  expected: "lowest, highest or a space-separated list of node ids",
  convert: (text) => {
    if (text === 'lowest' || text === 'highest') return text
    const ids = text.split(/[ \t\u00a0]+/)
    return ids.every((id) => /^[0-9]+$/.test(id) && Number(id) > 0 && Number(id) <= 0xffffffff) ? text : undefined
  },
}

/**
 * corosync has no trailing comments: `threads: 2   # workers` stores `2   # workers`
 * (and corosync then rejects it as a u32). Annotated examples are full of these, so
 * when a value is invalid ts-ha retries with the text before ` #`; the caller warns.
 */
export function withoutTrailingComment(text: string): string | undefined {
  const m = /^(.*?)[ \t\u00a0]+#/.exec(text)
  return m?.[1]
}

/** Converts with the trailing-comment retry; `stripped` tells whether the retry was needed. */
export function convertValue(kind: ValueKind, text: string): { value: string | number; stripped: boolean } | undefined {
  const value = kind.convert(text)
  if (value !== undefined) return { value, stripped: false }
  const bare = withoutTrailingComment(text)
  const retry = bare === undefined ? undefined : kind.convert(bare)
  return retry === undefined ? undefined : { value: retry, stripped: true }
}

/** 32-bit value of an IPv4 address (network order), as corosync derives a nodeid. */
export function ipv4ToUint32(addr: string): number | undefined {
  if (isIP(addr) !== 4) return undefined
  return addr.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
}
