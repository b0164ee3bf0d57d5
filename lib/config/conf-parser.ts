/**
 * Lexer for corosync.conf (corosync exec/coroparse.c `parse_section`, re-expressed):
 * line based, `#` comment lines, `name {` opens a section, `key: value` splits at the
 * first colon, `}` alone closes. The result is a tree that keeps every line number so
 * later stages can name the line of any offending key.
 */
import { ConfigError } from '../errors.js'

/** A non-fatal finding: something ts-ha accepted but ignores, or reads differently from corosync. */
export interface ConfigWarning {
  /** Flat corosync key or section path, e.g. `totem.threads` or `aisexec`. */
  readonly key: string
  readonly line: number
  readonly message: string
}

/** One `key: value` line. The value is kept verbatim (trimmed), trailing `# text` included. */
export interface ConfKey {
  readonly kind: 'key'
  readonly name: string
  readonly value: string
  readonly line: number
}

/** A `name { … }` section; the root has name `''`, path `''` and line 0. */
export interface ConfSection {
  readonly kind: 'section'
  readonly name: string
  /** Dotted path from the root, e.g. `totem.interface`. */
  readonly path: string
  /** Line of `name {`. */
  readonly line: number
  /** Line of the closing `}` (for the root: the last line of the text). */
  readonly endLine: number
  /** Keys and sub-sections in file order. */
  readonly items: readonly ConfItem[]
  /** Root only: the file name given to {@link parseConfText}. */
  readonly file?: string
  /** Root only: constructs ts-ha accepted although corosync rejects them (lenient mode). */
  readonly warnings?: readonly ConfigWarning[]
}

export type ConfItem = ConfKey | ConfSection

export interface ParseOptions {
  /**
   * Reject everything corosync rejects. By default ts-ha also accepts a `# comment`
   * after `{` or `}` and one-line sections such as `quorum { }` or
   * `logger_subsys { subsys: QUORUM  debug: off }` (common in annotated examples),
   * each with a warning.
   */
  readonly strict?: boolean
}

interface MutableSection {
  kind: 'section'
  name: string
  path: string
  line: number
  endLine: number
  items: ConfItem[]
}

/** corosync reads lines with fgets into char[512]: 510 bytes, the newline, the NUL. */
const MAX_LINE_BYTES = 510
/** corosync ICMAP_KEYNAME_MAXLEN. */
const MAX_KEY_PATH = 255
/** Characters icmap accepts in key names; anything else fails when corosync stores the key. */
const NAME_CHARS = /^[A-Za-z0-9._/:-]+$/
/** An inline `key:` token: a name, a colon, then blank or end (so IPv6 `fe80::1` is not a key). */
const INLINE_KEY = /(?:^|[ \t\u00a0])([^ \t\u00a0:{}#]+):(?=[ \t\u00a0]|$)/g

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\u00a0'

/** Trims space, tab and NBSP only, like corosync (String.prototype.trim strips more). */
export function trimConf(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isBlank(s[start])) start++
  while (end > start && isBlank(s[end - 1])) end--
  return s.slice(start, end)
}

/** Section names also lose trailing `:` and `{` (so `totem: {` is `totem`). */
function sectionName(s: string): string {
  let end = s.length
  while (end > 0 && (isBlank(s[end - 1]) || s[end - 1] === ':' || s[end - 1] === '{')) end--
  return trimConf(s.slice(0, end))
}

class Parser {
  readonly root: MutableSection = { kind: 'section', name: '', path: '', line: 0, endLine: 0, items: [] }
  readonly stack: MutableSection[] = [this.root]
  readonly warnings: ConfigWarning[] = []
  lineNo = 0

  constructor(readonly file: string | undefined, readonly strict: boolean) {}

  get current(): MutableSection {
    return this.stack[this.stack.length - 1] ?? this.root
  }

  fail(key: string, reason: string, line = this.lineNo): never {
    throw new ConfigError(key || '(top level)', this.file === undefined ? reason : `${reason} (in ${this.file})`, line)
  }

  warn(key: string, message: string): void {
    this.warnings.push({ key: key || '(top level)', line: this.lineNo, message })
  }

  childPath(name: string): string {
    return this.current.path === '' ? name : `${this.current.path}.${name}`
  }

  checkName(name: string, what: 'key' | 'section'): void {
    const path = this.childPath(name)
    // Same test as coroparse: the parent path, a dot and the name must fit in an icmap key.
    if (this.current.path.length + name.length + 1 >= MAX_KEY_PATH) {
      this.fail(path, `${what} path is too long (${path.length} characters); corosync key names are limited to ${MAX_KEY_PATH - 1}`)
    }
    if (!NAME_CHARS.test(name)) {
      const bad = /[^A-Za-z0-9._/:-]/.exec(name)?.[0] ?? ''
      this.fail(path, `invalid character ${JSON.stringify(bad)} in ${what} name '${name}' (allowed: letters, digits and . _ - / :)`)
    }
  }

  line(raw: string): void {
    this.lineNo++
    if (Buffer.byteLength(raw, 'utf8') > MAX_LINE_BYTES) {
      this.fail(this.current.path, `line too long (${Buffer.byteLength(raw, 'utf8')} bytes); corosync reads at most ${MAX_LINE_BYTES} bytes per line`)
    }
    const line = trimConf(raw.endsWith('\r') ? raw.slice(0, -1) : raw)
    if (line === '' || line.startsWith('#')) return
    // The order of these tests is corosync's: a '{' anywhere makes a section start,
    // even in what was meant as a value; only then ':' makes a key; only then '}'.
    const brace = line.indexOf('{')
    if (brace >= 0) return this.open(line.slice(0, brace), trimConf(line.slice(brace + 1)))
    const colon = line.indexOf(':')
    if (colon >= 0) return this.key(trimConf(line.slice(0, colon)), trimConf(line.slice(colon + 1)))
    if (line.includes('}')) return this.close(line)
    this.fail(this.current.path, `'${line}' is not a section start ('name {'), a key ('key: value') or a closing '}'`)
  }

  open(before: string, after: string): void {
    const name = sectionName(before)
    if (name === '') this.fail(this.current.path, "missing section name before '{'")
    if (name.includes(':')) {
      this.fail(this.childPath(name), `'${trimConf(before)} {' reads as the start of a section named '${name}': ` +
        "corosync treats every line containing '{' as a section start, so a value cannot contain '{'")
    }
    this.checkName(name, 'section')
    if (after === '') return this.push(name)
    const path = this.childPath(name)
    if (this.strict) this.fail(path, `extra characters after '{' ('${after}'); put each key on its own line and '}' alone on the last`)
    if (after.startsWith('#')) {
      this.warn(path, "corosync rejects text after '{'; ts-ha read it as a comment")
      return this.push(name)
    }
    this.inline(name, after)
  }

  /** Lenient mode: `name { k: v  k2: v2 } # comment` on one line. */
  inline(name: string, after: string): void {
    const path = this.childPath(name)
    if (after.includes('{')) this.fail(path, 'one-line sections cannot contain sections; write them on several lines')
    const close = after.indexOf('}')
    const tail = close < 0 ? '' : trimConf(after.slice(close + 1))
    if (close < 0 || (tail !== '' && !tail.startsWith('#'))) {
      this.fail(path, `extra characters after '{' ('${after}'); put each key on its own line, or close a one-line section with '}' on the same line`)
    }
    const body = trimConf(after.slice(0, close))
    const pairs = splitInline(body)
    if (pairs === undefined) this.fail(path, `cannot read '${body}' as 'key: value' pairs; write one 'key: value' per line`)
    this.push(name)
    for (const [key, value] of pairs) this.key(key, value)
    this.current.endLine = this.lineNo
    this.stack.pop()
    this.warn(path, `one-line section '${name} { … }': corosync requires '{' to end its line and '}' alone on a line; ts-ha accepted it`)
  }

  push(name: string): void {
    const section: MutableSection = { kind: 'section', name, path: this.childPath(name), line: this.lineNo, endLine: 0, items: [] }
    this.current.items.push(section)
    this.stack.push(section)
  }

  key(name: string, value: string): void {
    if (name === '') this.fail(this.current.path, `key name missing before ':' (value '${value}')`)
    this.checkName(name, 'key')
    this.current.items.push({ kind: 'key', name, value, line: this.lineNo })
  }

  close(line: string): void {
    if (line !== '}') {
      const comment = /^\}[ \t\u00a0]*#/.test(line)
      if (this.strict || !comment) this.fail(this.current.path, `extra characters before or after '}' ('${line}'); '}' must be alone on its line`)
      this.warn(this.current.path, "corosync rejects text after '}'; ts-ha read it as a comment")
    }
    if (this.stack.length <= 1) this.fail('(top level)', "unexpected '}': no section is open (one '}' too many?)")
    this.current.endLine = this.lineNo
    this.stack.pop()
  }

  end(): void {
    const open = this.stack[this.stack.length - 1]
    if (open !== undefined && open !== this.root) {
      this.fail(open.path, `missing closing brace for section '${open.name}' opened at line ${open.line} ` +
        `(end of file at line ${this.lineNo}); add '}'`, open.line)
    }
    this.root.endLine = this.lineNo
  }
}

/** Splits `a: 1  b: x y` into pairs; undefined when the text does not start with a key. */
function splitInline(body: string): Array<[string, string]> | undefined {
  if (body === '') return []
  const starts = [...body.matchAll(INLINE_KEY)]
  const first = starts[0]
  if (first === undefined || first.index !== 0) return undefined
  return starts.map((m, i) => {
    const next = starts[i + 1]
    const valueStart = (m.index ?? 0) + m[0].length
    return [m[1] ?? '', trimConf(body.slice(valueStart, next === undefined ? body.length : next.index))]
  })
}

/**
 * Parses corosync.conf text into a tree of sections and keys, each with its line
 * number. Throws {@link ConfigError} (`key` = section or key path, `line` = line
 * number) for syntax errors; `file` is only used in messages.
 */
export function parseConfText(text: string, file?: string, options: ParseOptions = {}): ConfSection {
  const parser = new Parser(file, options.strict ?? false)
  // A byte-order mark would otherwise become part of the first section name.
  const lines = (text.startsWith('\ufeff') ? text.slice(1) : text).split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (const line of lines) parser.line(line)
  parser.end()
  const root: ConfSection = { ...parser.root, warnings: parser.warnings, ...(file === undefined ? {} : { file }) }
  return root
}
