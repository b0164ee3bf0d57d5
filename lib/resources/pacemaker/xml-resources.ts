/**
 * `<resources>` → the model's resource definitions: primitives, groups,
 * clones (and the legacy `<master>`), with meta, params, ops, utilization.
 *
 * @module
 */
import { ConfigError } from '../../errors.js'
import type { CloneDef, GroupDef, Op, PrimitiveDef, ResourceDef } from '../model/config.js'
import { toResourceMeta, isOnFail } from './xml-meta.js'
import { childrenNamed, firstChild, requireAttr, type IdIndex, type XmlElement } from './xml-tree.js'
import { nvpairs, parseBool, parseIntervalMs, parseRole } from './xml-values.js'

/** Every top-level resource under `<resources>`, in document order. */
/** Decides whether a rule-guarded attribute set applies. */
export type SetFilter = ((set: XmlElement) => boolean) | undefined

export function importResources(resources: XmlElement | undefined, ids: IdIndex, accept?: SetFilter): ResourceDef[] {
  const out: ResourceDef[] = []
  for (const e of resources?.children ?? []) {
    switch (e.name) {
      case 'primitive': out.push(primitive(e, ids, accept)); break
      case 'group': out.push(group(e, ids, accept)); break
      case 'clone': case 'master': out.push(clone(e, ids, accept)); break
      case 'template': break
      default:
        throw new ConfigError(e.path, `<${e.name}> resources are not supported (primitive, group, clone, master are)`)
    }
  }
  return out
}

function primitive(raw: XmlElement, ids: IdIndex, accept: SetFilter): PrimitiveDef {
  const e = ids.resolve(raw)
  const id = requireAttr(e, 'id')
  if (e.attrs['template'] !== undefined) {
    throw new ConfigError(e.path, 'resource templates are not supported')
  }
  const cls = requireAttr(e, 'class')
  const type = requireAttr(e, 'type')
  const provider = e.attrs['provider']
  const def: PrimitiveDef = { kind: 'primitive', id, agent: provider === undefined ? `${cls}:${type}` : `${cls}:${provider}:${type}` }
  const params = nvpairs(e, 'instance_attributes', ids, opts(accept))
  if (params.size > 0) def.params = Object.fromEntries(params)
  const meta = toResourceMeta(nvpairs(e, 'meta_attributes', ids, opts(accept)))
  if (meta !== undefined) def.meta = meta
  const ops = importOps(firstChild(e, 'operations'), ids)
  if (ops.length > 0) def.ops = ops
  const util = utilization(e, ids)
  if (util !== undefined) def.utilization = util
  if (e.attrs['description'] !== undefined) def.description = e.attrs['description']
  return def
}

function group(e: XmlElement, ids: IdIndex, accept: SetFilter): GroupDef {
  const id = requireAttr(e, 'id')
  const members = childrenNamed(e, 'primitive').map((p) => primitive(p, ids, accept))
  const def: GroupDef = { kind: 'group', id, members }
  const params = nvpairs(e, 'instance_attributes', ids, opts(accept))
  if (params.size > 0) def.params = Object.fromEntries(params)
  const meta = toResourceMeta(nvpairs(e, 'meta_attributes', ids, opts(accept)))
  if (meta !== undefined) def.meta = meta
  return def
}

function clone(e: XmlElement, ids: IdIndex, accept: SetFilter): CloneDef {
  const id = requireAttr(e, 'id')
  const child = e.children.find((c) => c.name === 'primitive' || c.name === 'group')
  if (child === undefined) throw new ConfigError(e.path, `<${e.name}> has nothing to clone`)
  const of = child.name === 'group' ? group(child, ids, accept) : primitive(child, ids, accept)
  const attrs = nvpairs(e, 'meta_attributes', ids, opts(accept))
  if (e.name === 'master' && !attrs.has('promotable')) attrs.set('promotable', 'true')
  const def: CloneDef = { kind: 'clone', id, of }
  const params = nvpairs(e, 'instance_attributes', ids, opts(accept))
  if (params.size > 0) def.params = Object.fromEntries(params)
  const meta = toResourceMeta(attrs)
  if (meta !== undefined) def.meta = meta
  return def
}

function importOps(ops: XmlElement | undefined, ids: IdIndex): Op[] {
  const out: Op[] = []
  for (const raw of childrenNamed(ops, 'op')) {
    const e = ids.resolve(raw)
    const op: Op = { name: requireAttr(e, 'name') }
    if (e.attrs['id'] !== undefined) op.id = e.attrs['id']
    const interval = parseIntervalMs(e.attrs['interval'])
    if (interval !== undefined && interval > 0) op.intervalMs = interval
    const timeout = parseIntervalMs(e.attrs['timeout'])
    if (timeout !== undefined) op.timeoutMs = timeout
    const role = parseRole(e.attrs['role'])
    if (role !== undefined) op.role = role
    const onFail = e.attrs['on-fail'] ?? nvpairs(e, 'meta_attributes', ids).get('on-fail')
    if (isOnFail(onFail)) op.onFail = onFail
    else if (onFail !== undefined) throw new ConfigError(e.path, `unknown on-fail '${onFail}'`)
    const enabled = parseBool(e.attrs['enabled'])
    if (enabled !== undefined) op.enabled = enabled
    out.push(op)
  }
  return out
}

const opts = (accept: SetFilter): { accept?: (set: XmlElement) => boolean } => (accept === undefined ? {} : { accept })

/** Numeric utilization attributes of an element (node or primitive). */
export function utilization(e: XmlElement, ids: IdIndex): Record<string, number> | undefined {
  const attrs = nvpairs(e, 'utilization', ids)
  if (attrs.size === 0) return undefined
  const out: Record<string, number> = {}
  for (const [k, v] of attrs) {
    const n = Number.parseInt(v, 10)
    out[k] = Number.isFinite(n) ? n : 0
  }
  return out
}
