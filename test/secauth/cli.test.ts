import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { keygenCommand } from '../../lib/cli/keygen.js'
import { COMMANDS, main } from '../../lib/cli/main.js'
import type { CliOutput } from '../../lib/cli/command.js'

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url))

function tsha(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function capture(): CliOutput & { out_: string[]; err_: string[] } {
  const out_: string[] = []
  const err_: string[] = []
  return { out_, err_, out: (l) => void out_.push(l), err: (l) => void err_.push(l) }
}

describe('secauth: ts-ha CLI', function () {
  let dir: string
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'ts-ha-cli-'))
  })
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts with a shebang, so the npm bin entry runs it with node', function () {
    expect(readFileSync(MAIN, 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node')
  })

  it('keygen -k writes a 0400 key and says where', function () {
    const path = join(dir, 'sub', 'authkey')
    const r = tsha('keygen', '-k', path)
    expect(r.status, r.stderr).to.equal(0)
    expect(r.stdout).to.include(path).and.to.include('256-byte')
    expect(r.stderr).to.equal('')
    const st = statSync(path)
    expect(st.mode & 0o777).to.equal(0o400)
    expect(st.size).to.equal(256)
  })

  it('keygen refuses to overwrite (exit 1), --force replaces (exit 0)', function () {
    const path = join(dir, 'authkey')
    expect(tsha('keygen', '--key-file', path).status).to.equal(0)
    const first = readFileSync(path)
    const again = tsha('keygen', `--key-file=${path}`)
    expect(again.status).to.equal(1)
    expect(again.stderr).to.include('already exists').and.to.include('--force')
    expect(readFileSync(path).equals(first)).to.equal(true)
    const forced = tsha('keygen', '--force', '-k', path)
    expect(forced.status, forced.stderr).to.equal(0)
    expect(readFileSync(path).equals(first)).to.equal(false)
    expect(statSync(path).mode & 0o777).to.equal(0o400)
  })

  it('exits 2 with usage on bad command lines', function () {
    const cases: string[][] = [[], ['bogus'], ['keygen', '--bogus'], ['keygen', '-k'], ['keygen', 'extra'], ['keygen', '-k', ''], ['help', 'bogus']]
    for (const args of cases) {
      const r = tsha(...args)
      expect(r.status, args.join(' ')).to.equal(2)
      expect(r.stderr, args.join(' ')).to.match(/usage: ts-ha/)
      expect(r.stdout).to.equal('')
    }
  })

  it('help lists every command; help <command> and keygen --help show its usage', function () {
    const r = tsha('help')
    expect(r.status).to.equal(0)
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).to.include(name)
    expect(tsha('help', 'keygen').stdout).to.include('--key-file')
    const h = tsha('keygen', '--help')
    expect(h.status).to.equal(0)
    expect(h.stdout).to.include('/etc/ts-ha/authkey')
  })

  it('exits 1 with a reason when the key cannot be written', function () {
    const io = capture()
    // A path below a regular file cannot be created, whoever runs the test (root included).
    const blocker = join(dir, 'file')
    expect(keygenCommand(['-k', blocker], io)).to.equal(0)
    expect(keygenCommand(['-k', join(blocker, 'authkey')], io)).to.equal(1)
    expect(io.err_.join('\n')).to.include('cannot write authkey')
  })

  it('dispatches in-process too', async function () {
    const io = capture()
    expect(await main(['help'], io)).to.equal(0)
    expect(io.out_.join('\n')).to.include('keygen')
    expect(await main(['nope'], io)).to.equal(2)
    expect(io.err_.join('\n')).to.include("unknown command 'nope'")
    // Names inherited from Object.prototype are not commands.
    expect(await main(['toString'], io)).to.equal(2)
  })
})
