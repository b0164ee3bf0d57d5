/**
 * Operation digests as Pacemaker computes them (`calculate_operation_digest`):
 * the MD5 of the parameters as one sorted, escaped XML element. A history
 * entry whose digest no longer matches the configuration means the
 * resource definition changed.
 *
 * @module
 */
import { createHash } from 'node:crypto'

function escape(value: string): string {
  return value.replace(/[<>"'&\t\n\r]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '&': '&amp;', '\t': '    ', '\n': '\\n', '\r': '\\r' })[c]!)
}

/** `<parameters …/>` with attributes in byte order; empty values are omitted as libxml2 does. */
export function parametersXml(params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((k) => params.get(k) !== '').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return `<parameters${names.map((n) => ` ${n}="${escape(params.get(n)!)}"`).join('')}/>`
}

/** Pacemaker's digest of a parameter set. */
export function operationDigest(params: ReadonlyMap<string, string>): string {
  return createHash('md5').update(` ${parametersXml(params)}\n`).digest('hex')
}
