import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

/**
 * The protobuf schemas in `proto/` are the single source of truth for the wire.
 * They are parsed once per process with protobufjs reflection; no generated code
 * lives in the tree. The Root is read-only after loading.
 */

const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url))

const cache = new Map<string, protobuf.Root>()

/** Loads (once) and returns the protobuf Root for `proto/<file>`. */
export function loadProto(file: string): protobuf.Root {
  let root = cache.get(file)
  if (root === undefined) {
    root = protobuf.loadSync(protoDir + file)
    root.resolveAll()
    cache.set(file, root)
  }
  return root
}

export function lookupType(file: string, name: string): protobuf.Type {
  return loadProto(file).lookupType(name)
}

/** protobufjs decodes 64-bit fields to Long objects; ring seqs stay far below 2^53. */
export function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (value !== null && typeof value === 'object' && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber()
  }
  return 0
}
