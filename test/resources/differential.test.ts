import { expect } from 'chai'
import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importPacemakerCib, toScheduleInput } from '../../lib/resources/pacemaker/xml-import.js'
import { schedule } from '../../lib/resources/scheduler/schedule.js'
import { collapse } from './cases.js'
import { randomCib } from './fuzz-cib.js'

/*
 * Differential test against the real scheduler: the same random CIB through
 * Debian's crm_simulate 2.1.5 and through ours must give the same Transition
 * Summary. HA_RM_DIFF_SEEDS=N runs more seeds; HA_RM_DIFF_FIRST sets the first.
 */

const SEEDS = Number(process.env['HA_RM_DIFF_SEEDS'] ?? 200)
const FIRST = Number(process.env['HA_RM_DIFF_FIRST'] ?? 1)
const CONCURRENCY = 2

function haveCrmSimulate(): boolean {
  return spawnSync('crm_simulate', ['--version'], { encoding: 'utf8' }).status === 0
}

function summaryOf(text: string): string[] {
  const out: string[] = []
  let inside = false
  for (const line of text.split('\n')) {
    if (line.startsWith('Transition Summary:')) { inside = true; continue }
    if (!inside) continue
    if (/^(Executing|Revised)/.test(line)) break
    if (line.trim() !== '') out.push(collapse(line))
  }
  return out.sort()
}

function run(mode: string, file: string, shadow: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('crm_simulate', [mode, '-x', file], { env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: shadow }, maxBuffer: 16 << 20 },
      (err, stdout) => (err === null ? resolve(stdout) : reject(err)))
  })
}

/** crm_simulate -S; where its transition executor asserts, -R prints the same summary. */
async function crmSimulate(file: string, shadow: string): Promise<string> {
  try {
    return await run('-S', file, shadow)
  } catch {
    return run('-R', file, shadow)
  }
}

function ours(xml: string): string[] {
  const r = schedule(toScheduleInput(importPacemakerCib(xml), 0))
  return r.summary.map(collapse).sort()
}

describe('resources/differential fuzz against crm_simulate', function () {
  this.timeout(600_000)
  if (!haveCrmSimulate()) {
    it('skipped: crm_simulate is not installed (apt-get install pacemaker-cli-utils)')
    return
  }
  it(`${SEEDS} seeded random CIBs schedule exactly as crm_simulate -S`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-ha-rm-diff-'))
    const shadow = join(dir, 'shadow')
    mkdirSync(shadow)
    const mismatches: string[] = []
    let next = FIRST
    const worker = async (): Promise<void> => {
      while (next < FIRST + SEEDS) {
        const seed = next++
        const xml = randomCib(seed)
        const file = join(dir, `seed-${seed}.xml`)
        writeFileSync(file, xml)
        const want = summaryOf(await crmSimulate(file, shadow))
        const got = ours(xml)
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(`seed ${seed} (${file}):\n  crm_simulate: ${JSON.stringify(want)}\n  ours:         ${JSON.stringify(got)}`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(mismatches, `reproduce: crm_simulate -S -x <file>\n${mismatches.join('\n')}`).to.deep.equal([])
  })
})
