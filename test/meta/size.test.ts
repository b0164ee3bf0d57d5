import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatHits, lineCount, scanFiles, scanSize, tsFiles, type SizeLimits } from './scan.js'

/*
 * Small files and short functions keep the protocol reviewable against the
 * corosync sources it re-creates (TigerStyle's 70-line function limit).
 */

const lib = fileURLToPath(new URL('../../../lib/', import.meta.url))
const LIMITS: SizeLimits = { fileLines: 400, functionLines: 70 }

/** A function whose body spans exactly `lines` lines, `{` and `}` included. */
function fn(header: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  x += ${i}`)
  return [`${header} {`, ...body, '}'].join('\n')
}

describe('meta/size', () => {
  it(`no lib/ file exceeds ${LIMITS.fileLines} lines and no function body ${LIMITS.functionLines}`, () => {
    // Generated protobuf declarations (the build writes them, nothing is committed) are not ours to split.
    const files = tsFiles(lib, ['wire/generated'])
    expect(files.length, 'scanned files').to.be.greaterThan(0)
    const hits = scanFiles(files, lib, (source, file) => scanSize(source, file, LIMITS))
    expect(hits, `\n${formatHits(hits)}`).to.deep.equal([])
  })

  describe('scanner', () => {
    it('counts lines without the trailing newline', () => {
      expect(lineCount('')).to.equal(0)
      expect(lineCount('a')).to.equal(1)
      expect(lineCount('a\n')).to.equal(1)
      expect(lineCount('a\nb')).to.equal(2)
      expect(lineCount('a\n\n')).to.equal(2)
    })

    it('flags a file one line over the limit, not one at it', () => {
      const at = 'const a = 1\n'.repeat(LIMITS.fileLines)
      expect(scanSize(at, 'at.ts', LIMITS)).to.deep.equal([])
      const over = at + 'const b = 2\n'
      expect(formatHits(scanSize(over, 'over.ts', LIMITS))).to.equal('over.ts:1: file has 401 lines (max 400)')
    })

    it('flags each kind of function one line over the limit, with name and line', () => {
      const n = LIMITS.functionLines
      const source = [
        'let x = 0',
        fn('export function atLimit()', n),
        fn('export function declared()', n + 1),
        fn('const arrow = () =>', n + 1),
        fn('const expr = function ()', n + 1),
        `class K {\n${fn('  method()', n + 1)}\n${fn('  constructor()', n + 1)}\n${fn('  get value()', n + 1)}\n}`,
        `const obj = {\n${fn('  shorthand()', n + 1)},\n}`,
        `run(${fn('() =>', n + 1)})`,
      ].join('\n')
      const hits = scanSize(source, 'f.ts', { fileLines: 10_000, functionLines: n })
      const names = hits.map((h) => h.rule.split(' ')[0])
      expect(names).to.deep.equal(['declared', 'arrow', 'expr', 'method', 'constructor', 'value', 'shorthand', '<arrow>'])
      expect(hits[0]?.line).to.equal(2 + n)
      expect(hits[0]?.rule).to.equal(`declared body has ${n + 1} lines (max ${n})`)
    })

    it('measures nested functions on their own as well as inside their parent', () => {
      const inner = fn('  const inner = () =>', 60)
      const outer = `function outer() {\n${inner}\n${fn('  const other = () =>', 20)}\n}`
      const names = scanSize(outer, 'n.ts', LIMITS).map((h) => h.rule.split(' ')[0])
      expect(names).to.deep.equal(['outer'])
      const hits = scanSize(outer, 'n.ts', { fileLines: 10_000, functionLines: 50 })
      expect(hits.map((h) => h.rule.split(' ')[0])).to.deep.equal(['outer', 'inner'])
    })

    it('ignores bodiless signatures and overloads', () => {
      const source = 'declare function f(a: number): void\ninterface I { m(): void }\nabstract class A { abstract g(): void }\n'
      expect(scanSize(source, 's.ts', { fileLines: 10, functionLines: 1 })).to.deep.equal([])
    })

    it('finds an offending file written to a temporary tree', () => {
      const root = mkdtempSync(join(tmpdir(), 'ts-ha-size-'))
      try {
        writeFileSync(join(root, 'long.ts'), fn('export function long()', 80) + '\n')
        writeFileSync(join(root, 'short.ts'), fn('export function short()', 10) + '\n')
        const hits = scanFiles(tsFiles(root), root, (source, file) => scanSize(source, file, LIMITS))
        expect(formatHits(hits)).to.equal('long.ts:1: long body has 80 lines (max 70)')
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    })
  })
})
