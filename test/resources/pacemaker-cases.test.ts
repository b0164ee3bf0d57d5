import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { importPacemakerCib, toScheduleInput } from '../../lib/resources/pacemaker/xml-import.js'
import { runScheduler, schedule, unpackInput, type ScheduleInput } from '../../lib/resources/scheduler/schedule.js'
import { formatStatus } from '../../lib/resources/status/format-text.js'
import { statusView } from '../../lib/resources/status/snapshot.js'
import { collapse, currentStatusBlock, loadCases, missingOrderings, pacemakerCasesDir } from './cases.js'

const dir = pacemakerCasesDir()

function inputOf(xml: string): ScheduleInput {
  return toScheduleInput(importPacemakerCib(xml), 0)
}

describe('resources/pacemaker cases (Pacemaker 2.1.5 cts/scheduler)', function () {
  if (dir === undefined) {
    it('skipped: ../shared/pacemaker (or HA_PACEMAKER_CASES) is absent')
    return
  }
  for (const c of loadCases(dir)) {
    describe(c.name, () => {
      const xml = readFileSync(join(dir, c.files.input), 'utf8')
      it('Transition Summary is the exact multiset of lines', () => {
        const r = schedule(inputOf(xml))
        expect(r.summary.map(collapse).sort()).to.deep.equal([...c.summary_lines].sort())
      })
      it('"Current cluster status" matches (whitespace collapsed)', () => {
        const want = currentStatusBlock(readFileSync(join(dir, c.files.full_summary), 'utf8'))
        expect(collapse(formatStatus(statusView(unpackInput(inputOf(xml)))))).to.equal(collapse(want))
      })
      if (c.files.scores !== undefined) {
        const scoresFile = c.files.scores
        it('allocation and promotion scores are the .scores multiset', () => {
          const want = readFileSync(join(dir, scoresFile), 'utf8').split('\n').filter((l) => / (allocation|promotion) score on /.test(l))
          expect([...schedule(inputOf(xml)).scores].sort()).to.deep.equal(want.sort())
        })
      }
      it('every ordering of real actions in the .dot holds in our graph', () => {
        const r = schedule(inputOf(xml))
        expect(missingOrderings(readFileSync(join(dir, c.files.graph_dot), 'utf8'), r)).to.deep.equal([])
      })
    })
  }
  it('is deterministic: the same input gives the same actions and edges', () => {
    const c = loadCases(dir).find((x) => x.name === 'promoted-move')!
    const xml = readFileSync(join(dir, c.files.input), 'utf8')
    expect(JSON.stringify(schedule(inputOf(xml)))).to.equal(JSON.stringify(schedule(inputOf(xml))))
    expect(runScheduler(inputOf(xml)).actions.length).to.be.greaterThan(0)
  })
})
