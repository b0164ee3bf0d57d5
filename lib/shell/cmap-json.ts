import { ClusterError } from '../errors.js'
import type { CmapEntry, CmapType, CmapValue } from '../services/cmap-types.js'

/**
 * A CMAP entry in JSON (admin socket, `ts-ha cmap --json`): int64/uint64 as
 * decimal strings (JSON numbers stop being exact at 2^53), binary as base64,
 * other numbers as numbers, strings as strings.
 */
export interface CmapJsonEntry {
  readonly key: string
  readonly type: CmapType
  readonly value: number | string
}

const SHORT: Readonly<Record<CmapType, string>> = {
  int8: 'i8', uint8: 'u8', int16: 'i16', uint16: 'u16', int32: 'i32', uint32: 'u32', int64: 'i64', uint64: 'u64',
  float: 'flt', double: 'dbl', string: 'str', binary: 'bin',
}

/** corosync-cmapctl's short type names (`u64`, `str`, …). */
export function shortType(type: CmapType): string {
  return SHORT[type]
}

/** A type by its long (`uint32`) or corosync-cmapctl short (`u32`) name. */
export function parseCmapType(name: string): CmapType | undefined {
  for (const [long, short] of Object.entries(SHORT)) if (name === long || name === short) return long as CmapType
  return undefined
}

export function cmapToJson(key: string, entry: CmapEntry): CmapJsonEntry {
  const v = entry.value
  if (v instanceof Uint8Array) return { key, type: entry.type, value: Buffer.from(v).toString('base64') }
  if (entry.type === 'int64' || entry.type === 'uint64') return { key, type: entry.type, value: v.toString() }
  return { key, type: entry.type, value: typeof v === 'bigint' ? v.toString() : v }
}

/** Parses a value given on a command line or in JSON for a key of type `type`. */
export function cmapFromInput(type: CmapType, raw: unknown): CmapValue {
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new ClusterError('ERR_INVALID_ARGUMENT', 'a cmap value is a string or a number')
  const text = String(raw).trim()
  switch (type) {
    case 'string': return String(raw)
    case 'binary': return new Uint8Array(Buffer.from(text, 'base64'))
    case 'float': case 'double': {
      const n = Number(text)
      if (text === '' || Number.isNaN(n)) throw new ClusterError('ERR_INVALID_ARGUMENT', `${JSON.stringify(raw)} is not a number`)
      return n
    }
    case 'int64': case 'uint64':
      if (!/^-?\d+$/.test(text)) throw new ClusterError('ERR_INVALID_ARGUMENT', `${JSON.stringify(raw)} is not an integer`)
      return BigInt(text)
    default:
      if (!/^-?\d+$/.test(text)) throw new ClusterError('ERR_INVALID_ARGUMENT', `${JSON.stringify(raw)} is not an integer`)
      return Number(text)
  }
}

/** How corosync-cmapctl prints a value: strings as they are, binary as hex. */
export function cmapValueText(entry: CmapJsonEntry): string {
  if (entry.type === 'binary') return Buffer.from(String(entry.value), 'base64').toString('hex')
  return String(entry.value)
}
