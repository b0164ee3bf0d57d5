/**
 * The flat corosync key space being built from a parsed file, with the line of every
 * key and section, the warnings collected so far, and errors that name key and line.
 */
import { ConfigError } from '../errors.js'
import type { ConfigWarning } from './conf-parser.js'
import { convertValue, parseBool, type ValueKind } from './conf-values.js'

/** A value in the flat key space: numbers for corosync's typed keys, strings otherwise. */
export type ConfValue = string | number

/** Collects keys, lines and warnings while a file is mapped; every error it throws names key and line. */
export class ConfReader {
  /** Flat keys as CMAP sees them ('totem.token', 'nodelist.node.0.ring0_addr', …). */
  readonly keys = new Map<string, ConfValue>()
  /** Line of every key and of every section path ('totem', 'nodelist.node.0', …). */
  readonly lines = new Map<string, number>()

  constructor(readonly file: string | undefined, readonly warnings: ConfigWarning[]) {}

  /** Throws a ConfigError for `key` at `line` (default: the key's own line). */
  fail(key: string, message: string, line: number | undefined = this.lines.get(key)): never {
    throw new ConfigError(key, this.file === undefined ? message : `${message} (in ${this.file})`, line)
  }

  warn(key: string, message: string, line: number = this.lines.get(key) ?? 0): void {
    this.warnings.push({ key, line, message })
  }

  /** Stores a key; a second value for the same key wins, as in corosync, with a warning. */
  set(key: string, value: ConfValue, line: number): void {
    const before = this.keys.has(key) ? this.lines.get(key) : undefined
    if (before !== undefined) {
      this.warn(key, `set again (first at line ${before}); the later value is used`, line)
    }
    this.keys.set(key, value)
    this.lines.set(key, line)
  }

  /** Records a section's line unless the path was seen before (the first occurrence names it). */
  section(path: string, line: number): void {
    if (!this.lines.has(path)) this.lines.set(path, line)
  }

  has(key: string): boolean {
    return this.keys.has(key)
  }

  /** The raw value as stored (numbers for corosync's typed keys). */
  get(key: string): ConfValue | undefined {
    return this.keys.get(key)
  }

  /** Converts `text` read at `line` for `key`; retries without a trailing `# comment` (with a warning). */
  convert(key: string, text: string, line: number, kind: ValueKind): ConfValue {
    const result = convertValue(kind, text)
    if (result === undefined) this.fail(key, `expected ${kind.expected}, got "${text}"`, line)
    if (result.stripped) {
      this.warn(key, `corosync has no trailing comments and would read the value as "${text}"; ` +
        `ts-ha used "${String(result.value)}" (put comments on their own line)`, line)
    }
    return result.value
  }

  /** Reads a stored key with `kind` (for values ts-ha interprets beyond corosync's typing). */
  read(key: string, kind: ValueKind): ConfValue | undefined {
    const value = this.keys.get(key)
    if (value === undefined || typeof value === 'number') return value
    return this.convert(key, value, this.lines.get(key) ?? 0, kind)
  }

  /** A stored number (the key's corosync type is an integer). */
  number(key: string): number | undefined {
    const value = this.keys.get(key)
    return typeof value === 'number' ? value : undefined
  }

  /** A stored string. */
  string(key: string): string | undefined {
    const value = this.keys.get(key)
    return value === undefined ? undefined : String(value)
  }

  /** A yes/no key read through `kind` (so a trailing comment is tolerated). */
  bool(key: string, kind: ValueKind): boolean | undefined {
    const value = this.read(key, kind)
    if (value === undefined) return undefined
    return typeof value === 'number' ? value !== 0 : parseBool(value)
  }

  /** Keys directly or indirectly below `prefix` (without the trailing dot). */
  under(prefix: string): string[] {
    return [...this.keys.keys()].filter((k) => k.startsWith(`${prefix}.`))
  }
}
