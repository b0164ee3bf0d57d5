import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))

/** The README's demo must keep working exactly as a newcomer runs it. */
describe('examples: demos', function () {
  this.timeout(90_000)

  it('demo: three processes form a ring, survive a kill -9 and take the node back', async () => {
    const { stdout } = await run(process.execPath, [example('demo.js')], { timeout: 60_000 })
    expect(stdout).to.match(/delivered 3000\/3000\/3000 in one identical order/)
    expect(stdout).to.match(/survivors re-formed \d+\.\d+ s after the kill/)
    expect(stdout).to.match(/node 3 rejoined .* all three in one ring/)
    expect(stdout).to.include('all node processes stopped.')
  })

  it('simulated demo: the same story under the deterministic simulator', async () => {
    const { stdout } = await run(process.execPath, [example('simulated-demo.js')], { timeout: 30_000 })
    expect(stdout).to.match(/survivors re-formed 7\.\d+ s after the kill/)
    expect(stdout).to.include('node 3 is back; all three in one ring')
  })
})
