import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

/**
 * Source scanners behind the meta tests. They work on source strings so the
 * tests can prove each rule fires on synthetic offenders, not only that today's
 * tree is clean.
 */

export interface Hit {
  readonly file: string
  readonly line: number
  readonly rule: string
}

export const EXEMPT = '// determinism-exempt:'

/**
 * Ambient time and randomness make a replay diverge from the original run; the
 * protocol core gets both from its host instead.
 */
export const AMBIENT_RULES: ReadonlyArray<readonly [string, RegExp]> = [
  ['Date.now(', /\bDate\s*\.\s*now\s*\(/],
  ['new Date(', /\bnew\s+Date\b/],
  ['performance.now(', /\bperformance\s*\.\s*now\s*\(/],
  ['Math.random(', /\bMath\s*\.\s*random\s*\(/],
  ['setTimeout(', /\bsetTimeout\s*\(/],
  ['setInterval(', /\bsetInterval\s*\(/],
  ['setImmediate(', /\bsetImmediate\s*\(/],
  ['process.hrtime', /\bprocess\s*\.\s*hrtime\b/],
  ['crypto.random', /\bcrypto\s*\.\s*random/],
  ['randomBytes', /\brandomBytes\b/],
  ['randomUUID', /\brandomUUID\b/],
  // Same entropy source under other names; listed so an import alias cannot dodge the rule.
  ['randomInt', /\brandomInt\b/],
  ['getRandomValues', /\bgetRandomValues\b/],
]

/**
 * Blanks comments and the text of string, template and regex literals (keeping
 * line breaks), so a rule never fires on prose such as "never call Date.now()"
 * in a doc comment. Whatever lies outside the parser's tokens is trivia, so
 * comments are found without a second, context-free tokenizer.
 */
export function codeOnly(source: string): string {
  const sf = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true)
  const keep = new Uint8Array(source.length)
  const literal = (n: ts.Node): boolean =>
    ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isRegularExpressionLiteral(n) ||
    ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)
  const visit = (node: ts.Node): void => {
    if (ts.isJSDoc(node)) return
    const children = node.getChildren(sf)
    if (children.length > 0) {
      children.forEach(visit)
      return
    }
    const from = node.getStart(sf)
    // Literal delimiters stay so the code keeps its shape; their contents are not code.
    if (literal(node)) {
      keep[from] = 1
      keep[node.end - 1] = 1
    } else {
      keep.fill(1, from, node.end)
    }
  }
  visit(sf)
  let out = ''
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!
    out += keep[i] === 1 || ch === '\n' || ch === '\r' ? ch : ' '
  }
  return out
}

function lineOf(file: ts.SourceFile, pos: number): number {
  return file.getLineAndCharacterOfPosition(pos).line + 1
}

/** Hits of the ambient time/randomness rules, one per rule and line, unless the line carries the exemption. */
export function scanAmbient(source: string, file: string): Hit[] {
  const lines = source.split('\n')
  const code = codeOnly(source).split('\n')
  const hits: Hit[] = []
  code.forEach((text, i) => {
    if (lines[i]?.includes(EXEMPT) === true) return
    for (const [rule, pattern] of AMBIENT_RULES) if (pattern.test(text)) hits.push({ file, line: i + 1, rule })
  })
  return hits
}

/** Module-level `let`/`var`: mutable state shared by every instance, invisible to a replay. */
export function scanTopLevelMutable(source: string, file: string): Hit[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const lines = source.split('\n')
  const hits: Hit[] = []
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt)) continue
    if (stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) === true) continue
    const flags = stmt.declarationList.flags
    if ((flags & (ts.NodeFlags.Const | ts.NodeFlags.Using | ts.NodeFlags.AwaitUsing)) !== 0) continue
    const line = lineOf(sf, stmt.getStart(sf))
    if (lines[line - 1]?.includes(EXEMPT) === true) continue
    hits.push({ file, line, rule: (flags & ts.NodeFlags.Let) !== 0 ? 'top-level let' : 'top-level var' })
  }
  return hits
}

export interface SizeLimits {
  readonly fileLines: number
  readonly functionLines: number
}

/** Lines of text in a file; a trailing newline does not start another line. */
export function lineCount(source: string): number {
  if (source.length === 0) return 0
  const n = source.split('\n').length
  return source.endsWith('\n') ? n - 1 : n
}

function functionName(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(sf)
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(sf)
  return ts.isArrowFunction(node) ? '<arrow>' : '<function>'
}

/**
 * Files over the line limit and function bodies (every function-like node,
 * nested ones included, measured from the line of `{` to the line of `}`)
 * over the function limit.
 */
export function scanSize(source: string, file: string, limits: SizeLimits): Hit[] {
  const hits: Hit[] = []
  const total = lineCount(source)
  if (total > limits.fileLines) hits.push({ file, line: 1, rule: `file has ${total} lines (max ${limits.fileLines})` })
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration
      const body = fn.body!
      const first = lineOf(sf, body.getStart(sf))
      const lines = lineOf(sf, body.end) - first + 1
      if (lines > limits.functionLines) {
        hits.push({ file, line: lineOf(sf, fn.getStart(sf)), rule: `${functionName(fn, sf)} body has ${lines} lines (max ${limits.functionLines})` })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return hits
}

/** Every .ts file under `dir` (recursively), skipping the given top-level subdirectories; sorted for stable output. */
export function tsFiles(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = []
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) {
        if (!skip.includes(relative(dir, path))) walk(path)
      } else if (entry.isFile() && entry.name.endsWith('.ts')) {
        out.push(path)
      }
    }
  }
  walk(dir)
  return out.sort()
}

/** Runs a source scanner over files, reporting paths relative to `base`. */
export function scanFiles(files: readonly string[], base: string, scan: (source: string, file: string) => Hit[]): Hit[] {
  return files.flatMap((path) => scan(readFileSync(path, 'utf8'), relative(base, path)))
}

export function formatHits(hits: readonly Hit[]): string {
  return hits.map((h) => `${h.file}:${h.line}: ${h.rule}`).join('\n')
}
