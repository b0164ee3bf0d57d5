import { expect } from 'chai'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { codeOnly, formatHits, scanAmbient, scanFiles, scanTopLevelMutable, tsFiles, type Hit } from './scan.js'

/*
 * The protocol core must replay bit for bit in the simulator: time and
 * randomness come in through the host (runtime/, transport/), never from the
 * ambient environment, and no module keeps state outside its instances.
 */

const lib = fileURLToPath(new URL('../../../lib/', import.meta.url))
/**
 * Host adapters may touch the real world: runtime/ and transport/ drive the
 * cores, cluster/ is the facade's shell (worker thread, timers, link to it).
 * The operator's side is I/O too: ipc/ (admin socket), metrics/ (HTTP),
 * shell/ (what serves them), cli/ (the ts-ha command).
 * The simulator has its own seeded PRNG and virtual clock.
 */
const HOST = ['runtime', 'transport', 'cluster', 'ipc', 'metrics', 'shell', 'cli']
const SIM = 'sim'

function both(source: string, file: string): Hit[] {
  return [...scanAmbient(source, file), ...scanTopLevelMutable(source, file)]
}

describe('meta/determinism', () => {
  it('lib/ outside runtime/, transport/, cluster/ and sim/ uses no ambient time, randomness or module-level let/var', () => {
    const files = tsFiles(lib, [...HOST, SIM])
    expect(files.length, 'scanned files').to.be.greaterThan(0)
    const hits = scanFiles(files, lib, both)
    expect(hits, `\n${formatHits(hits)}`).to.deep.equal([])
  })

  it('lib/sim/ uses no ambient time or randomness', () => {
    const files = tsFiles(join(lib, SIM))
    const hits = scanFiles(files, lib, scanAmbient)
    expect(hits, `\n${formatHits(hits)}`).to.deep.equal([])
  })

  describe('scanner', () => {
    it('flags every ambient pattern, with its line', () => {
      const source = [
        'const a = Date.now()',
        'const b = new Date()',
        'const c = performance.now()',
        'const d = Math.random()',
        'setTimeout(() => {}, 1)',
        'const e = setInterval(f, 1)',
        'setImmediate(f)',
        'const t = process.hrtime.bigint()',
        'const r = crypto.randomInt(3)',
        'const x = randomBytes(4)',
        'const id = randomUUID()',
        'globalThis.setTimeout(f, 1)',
        'const g = new Date',
        'const h = Date . now ()',
      ].join('\n')
      const hits = scanAmbient(source, 'x.ts')
      expect(hits.map((h) => h.line)).to.include.members([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
      expect(hits.find((h) => h.line === 9)?.rule).to.equal('crypto.random')
      expect(formatHits(hits)).to.contain('x.ts:4: Math.random(')
    })

    it('ignores comments, strings and look-alike identifiers', () => {
      const source = [
        '/** Never call Date.now() here; see setTimeout( in the host. */',
        "const msg = 'Math.random() is banned'",
        'const tpl = `new Date( ${value} setImmediate(`',
        '// process.hrtime would break replay',
        'const re = /randomBytes/',
        'const clock = { now: () => host.now() }',
        'function mySetTimeout() {}',
        'const dateNow = x.Date_now()',
        '/* multi',
        '   performance.now() */ const ok = 1',
      ].join('\n')
      expect(scanAmbient(source, 'x.ts')).to.deep.equal([])
    })

    it('still sees code inside template substitutions', () => {
      const hits = scanAmbient('const s = `at ${Date.now()} ms`', 'x.ts')
      expect(hits.map((h) => h.rule)).to.deep.equal(['Date.now('])
    })

    it('honours the exemption comment on the same line only', () => {
      const source = [
        'const a = Date.now() // determinism-exempt: log timestamp only',
        '// determinism-exempt: applies to nothing below',
        'const b = Date.now()',
      ].join('\n')
      expect(scanAmbient(source, 'x.ts')).to.deep.equal([{ file: 'x.ts', line: 3, rule: 'Date.now(' }])
    })

    it('flags module-level let and var, not const or nested declarations', () => {
      const source = [
        'let counter = 0',
        'export var legacy = 1',
        'const fine = new Map()',
        'export let shared: number | undefined',
        'function f() { let local = 1; var old = 2; return local + old }',
        'class C { static x = 1; m() { let y = 0; return y } }',
        'declare let ambient: number',
        'let exempt = 0 // determinism-exempt: test fixture',
        'for (let i = 0; i < 1; i++) {}',
      ].join('\n')
      const hits = scanTopLevelMutable(source, 'x.ts')
      expect(hits).to.deep.equal([
        { file: 'x.ts', line: 1, rule: 'top-level let' },
        { file: 'x.ts', line: 2, rule: 'top-level var' },
        { file: 'x.ts', line: 4, rule: 'top-level let' },
      ])
    })

    it('codeOnly keeps line numbers and code intact', () => {
      const source = 'const a = 1 // c\n/* x\ny */ const b = "s"\n'
      expect(codeOnly(source)).to.equal('const a = 1     \n    \n     const b = " "\n')
    })

    it('walks a directory tree, skipping the excluded subtrees, and reports file:line', () => {
      const root = mkdtempSync(join(tmpdir(), 'ts-ha-determinism-'))
      try {
        mkdirSync(join(root, 'totem'))
        mkdirSync(join(root, 'runtime'))
        writeFileSync(join(root, 'totem', 'bad.ts'), 'export const ok = 1\nlet state = 0\nexport const t = Date.now()\n')
        writeFileSync(join(root, 'runtime', 'clock.ts'), 'export const now = () => Date.now()\n')
        writeFileSync(join(root, 'notes.md'), 'Date.now()\n')
        const hits = scanFiles(tsFiles(root, ['runtime']), root, both)
        expect(formatHits(hits).split('\n')).to.have.members([
          `${join('totem', 'bad.ts')}:3: Date.now(`,
          `${join('totem', 'bad.ts')}:2: top-level let`,
        ])
        expect(scanFiles(tsFiles(root), root, scanAmbient).map((h) => h.file)).to.include(join('runtime', 'clock.ts'))
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    })
  })
})
