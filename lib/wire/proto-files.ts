import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

/**
 * The schemas in `proto/` parsed with protobufjs reflection, for tests and
 * tools that inspect them (field names, oneofs). The library itself uses the
 * generated code of schema.ts and never reads these files.
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
