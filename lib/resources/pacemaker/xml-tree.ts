/**
 * A small element tree over fast-xml-parser's ordered output, with the
 * id index Pacemaker's `id-ref` indirection needs and the element path used
 * in error messages.
 *
 * @module
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { ConfigError } from '../../errors.js'

/** One XML element: name, attributes, child elements in document order. */
export interface XmlElement {
  readonly name: string
  readonly attrs: Readonly<Record<string, string>>
  readonly children: readonly XmlElement[]
  /** Where the element sits, e.g. `/cib/configuration/resources/primitive[@id='rsc1']`. */
  readonly path: string
}

type Ordered = Record<string, unknown>

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
})

/** Parses XML text into an element tree; malformed XML names the line. */
export function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text)
  if (valid !== true) {
    throw new ConfigError('xml', `not well-formed XML: ${valid.err.msg}`, valid.err.line)
  }
  const nodes = parser.parse(text) as Ordered[]
  const roots = nodes.map((n) => toElement(n, '')).filter((e): e is XmlElement => e !== undefined)
  const root = roots[0]
  if (root === undefined) throw new ConfigError('xml', 'no root element')
  return root
}

function toElement(node: Ordered, parentPath: string): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@')
  if (name === undefined || name === '#text' || name.startsWith('?') || name === '#comment') return undefined
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>
  const attrs: Record<string, string> = {}
  for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v)
  const id = attrs['id']
  const path = `${parentPath}/${name}${id === undefined ? '' : `[@id='${id}']`}`
  const kids = (node[name] ?? []) as Ordered[]
  const children = kids.map((k) => toElement(k, path)).filter((e): e is XmlElement => e !== undefined)
  return { name, attrs, children, path }
}

/** Elements by id, for `id-ref` resolution. */
export class IdIndex {
  private readonly byId = new Map<string, XmlElement>()

  constructor(root: XmlElement) {
    const walk = (e: XmlElement): void => {
      const id = e.attrs['id']
      if (id !== undefined && !this.byId.has(id)) this.byId.set(id, e)
      e.children.forEach(walk)
    }
    walk(root)
  }

  /** The element itself, or the one its `id-ref` names (which must exist). */
  resolve(e: XmlElement): XmlElement {
    const ref = e.attrs['id-ref']
    if (ref === undefined) return e
    const target = this.byId.get(ref)
    if (target === undefined) throw new ConfigError(e.path, `id-ref '${ref}' names no element`)
    return target
  }
}

/** Child elements with the given name. */
export function childrenNamed(e: XmlElement | undefined, name: string): XmlElement[] {
  return e === undefined ? [] : e.children.filter((c) => c.name === name)
}

/** The first child element with the given name. */
export function firstChild(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name)
}

/** A required attribute. */
export function requireAttr(e: XmlElement, name: string): string {
  const v = e.attrs[name]
  if (v === undefined || v === '') throw new ConfigError(e.path, `<${e.name}> needs a '${name}' attribute`)
  return v
}
