import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CibConfig } from '../../lib/resources/model/config.js'

const cli = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'ts-ha-simulate-'))

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'simulate', ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const config: CibConfig = {
  options: { fencingEnabled: false, noQuorumPolicy: 'ignore' },
  defaults: { resource: {}, op: {} },
  nodes: { node1: {}, node2: {} },
  resources: [{ kind: 'primitive', id: 'web', agent: 'ocf:pacemaker:Dummy', meta: { stickiness: 100 } }],
  constraints: [{ kind: 'location', id: 'prefer', rsc: 'web', node: 'node2', score: 50 }],
  fencing: {},
}
const up = { inCluster: true, crmd: 'online', join: 'member', expected: 'member' }

describe('cli/simulate', () => {
  it('schedules a JSON CIB in crm_simulate -S layout and exits 0', () => {
    const file = join(dir, 'cib.json')
    writeFileSync(file, JSON.stringify({ config, status: { nodes: { node1: up, node2: up } }, quorate: true, now: 0 }))
    const r = run('-x', file)
    expect(r.status).to.equal(0)
    expect(r.stdout).to.include('Current cluster status:')
    expect(r.stdout).to.match(/\* Start\s+web\s+\(\s*node2 \)/)
    expect(r.stdout).to.include('Revised Cluster Status:')
    expect(r.stdout).to.match(/web\t\(ocf:pacemaker:Dummy\):\t Started node2/)
  })

  it('--node-fail and --json report the recovery as data (no fencing: the resource starts elsewhere)', () => {
    const file = join(dir, 'running.json')
    const status = { nodes: { node1: up, node2: { ...up, resources: { web: { ops: [{ id: 'web_last_0', operation: 'start', intervalMs: 0, callId: 1, rc: 0, status: 0, expectedRc: 0 }] } } } } }
    writeFileSync(file, JSON.stringify({ config, status, quorate: true, now: 0 }))
    const r = run('-x', file, '--node-fail', 'node2', '--json')
    expect(r.status).to.equal(0)
    const out = JSON.parse(r.stdout) as { summary: string[] }
    expect(out.summary.map((l) => l.replace(/\s+/g, ' ').trim())).to.deep.equal(['* Start web ( node1 )'])
  })

  it('names the element of a CIB it cannot read, without a stack trace', () => {
    const file = join(dir, 'bad.xml')
    writeFileSync(file, '<cib><configuration><resources><bundle id="b1"/></resources></configuration></cib>')
    const r = run('-x', file)
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include("bundle[@id='b1']")
    expect(r.stderr).to.not.match(/\n\s+at /)
  })

  it('names the JSON path of a bad value in a JSON CIB', () => {
    const file = join(dir, 'bad.json')
    const bad = { ...config, resources: [{ kind: 'primitive', id: 'web', agent: 'Dummy', meta: { migrationThreshold: -1 } }] }
    writeFileSync(file, JSON.stringify({ config: bad }))
    const r = run('-x', file)
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include('resources[0].meta.migrationThreshold')
    expect(r.stderr).to.include('and 1 more')
  })

  it('rejects a missing -x with usage (exit 2)', () => {
    expect(run().status).to.equal(2)
  })
})
