import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe('meta/typedoc', function () {
  this.timeout(300_000)

  it('the public API documents without a single warning (typedoc.json treats warnings as errors)', () => {
    const run = spawnSync(process.execPath, ['node_modules/typedoc/bin/typedoc', '--emit', 'none'], { cwd: root, encoding: 'utf8' })
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0)
    expect(`${run.stdout}${run.stderr}`).to.not.match(/\[warning\]/)
  })
})
