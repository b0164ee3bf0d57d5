import type protobuf from 'protobufjs'
import { FIELD_IDS } from './generated/fields.js'
import * as generated from './generated/proto.js'

/**
 * The protobuf schemas in `proto/` are the single source of truth for the wire.
 * The build turns them into static code (protobufjs-cli's pbjs/pbts, see
 * scripts/build-proto.mjs; nothing generated is committed), so no .proto file
 * is read at run time: the library bundles, and starts without parsing schemas.
 */

/**
 * A generated message class with the part of protobufjs's reflection `Type`
 * the codecs use: `encode(...).finish()`, `decode(bytes)`, `create`, and
 * `fields[name].id` (field numbers, for sizing encodings ahead). The
 * generated code has no verify/convert functions: they would double its size
 * and its load time. Typed as `protobuf.Type` so codecs
 * keep their declarations; nothing else of the reflection API is there (tests
 * that inspect the schemas use proto-files.ts).
 */
export function lookupType(_file: string, name: string): protobuf.Type {
  let node: unknown = generated
  for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  const ids = FIELD_IDS[name]
  if (typeof node !== 'function' || ids === undefined) throw new Error(`no generated protobuf message ${name}: run npm run build`)
  const type = node as unknown as Record<string, unknown>
  const methods = Object.fromEntries(STATIC_METHODS.map((m) => [m, (type[m] as (...a: unknown[]) => unknown).bind(type)]))
  return { ...methods, name: name.slice(name.lastIndexOf('.') + 1), fields: Object.fromEntries(Object.entries(ids).map(([f, id]) => [f, { id }])) } as unknown as protobuf.Type
}

const STATIC_METHODS = ['encode', 'decode', 'create'] as const

/** protobufjs decodes 64-bit fields to Long objects; ring seqs stay far below 2^53. */
export function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (value !== null && typeof value === 'object' && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber()
  }
  return 0
}
