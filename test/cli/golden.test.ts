import { expect } from 'chai'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CliOutput } from '../../lib/cli/command.js'
import { main } from '../../lib/cli/main.js'
import { ClusterError } from '../../lib/errors.js'
import type { AdminServer } from '../../lib/ipc/server.js'
import type { AdminTable } from '../../lib/ipc/table.js'
import { socketDir, stubServer } from '../ipc/helpers.js'
import { CMAP, CMAP_CHANGES, CPG, LINKS, QUORUM, STATUS, STATUS_HEALED } from './fixtures.js'

/** Golden files live in the source tree; UPDATE_GOLDEN=1 rewrites them from the current output. */
const GOLDEN = fileURLToPath(new URL('../../../test/cli/golden/', import.meta.url))

function capture(): CliOutput & { readonly lines: string[]; readonly errors: string[] } {
  const lines: string[] = []
  const errors: string[] = []
  return { lines, errors, out: (l) => void lines.push(l), err: (l) => void errors.push(l), tty: false }
}

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name)
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) writeFileSync(file, actual)
  expect(actual, `golden file test/cli/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`).to.equal(readFileSync(file, 'utf8'))
}

/** A node that answers with the fixtures. */
const TABLE: AdminTable<null> = {
  methods: {
    'status': () => STATUS,
    'quorum.status': () => QUORUM,
    'quorum.setExpected': (_c, p) => {
      if (p['value'] === 1) throw new ClusterError('ERR_INVALID_ARGUMENT', 'setExpected: 1 is below the votes present or would make the cluster inquorate')
      return null
    },
    'cfg.links': () => LINKS,
    'cpg.list': () => CPG,
    'cmap.list': (_c, p) => CMAP.filter((e) => e.key.startsWith(String(p['prefix'] ?? ''))),
    'cmap.get': (_c, p) => {
      const e = CMAP.find((x) => x.key === p['key'])
      if (e === undefined) throw new ClusterError('ERR_NOT_EXIST', `cmap key ${String(p['key'])} does not exist`)
      return e
    },
  },
  topics: {
    status: (_c, _p, emit) => { emit(STATUS); setTimeout(() => { emit(STATUS_HEALED) }, 20); return () => {} },
    cmap: (_c, _p, emit) => { for (const c of CMAP_CHANGES) emit(c); return () => {} },
  },
}

describe('cli/golden: the human form of every command', function () {
  this.timeout(20_000)
  let dir: string
  let server: AdminServer<null>
  let sock: string[]
  beforeEach(async () => {
    dir = socketDir('golden')
    server = await stubServer(join(dir, 'demo-1.sock'), TABLE, null)
    sock = ['--socket', server.path]
  })
  afterEach(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function run(args: string[], withSocket = true): Promise<{ code: number; out: string; err: string[] }> {
    const io = capture()
    const code = await main(withSocket ? [...args, ...sock] : args, io)
    return { code, out: io.lines.map((l) => `${l}\n`).join(''), err: io.errors }
  }

  /** Runs a command that streams until the node goes away; closes the node once `lines` lines are out. */
  async function stream(args: string[], lines: number): Promise<{ code: number; out: string }> {
    const io = capture()
    const done = main([...args, ...sock], io)
    const deadline = Date.now() + 5000
    while (io.lines.length < lines && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    await server.close()
    return { code: await done, out: io.lines.map((l) => `${l}\n`).join('') }
  }

  const cases: readonly [string, string[]][] = [
    ['status.txt', ['status']],
    ['quorum-status.txt', ['quorum']],
    ['quorum-list.txt', ['quorum', '-l']],
    ['cfg-status.txt', ['cfg', '-s']],
    ['cmap-list.txt', ['cmap']],
    ['cmap-list-prefix.txt', ['cmap', 'list', 'runtime.totem.stats.srp.']],
    ['cmap-get.txt', ['cmap', 'get', 'totem.token']],
    ['cpg.txt', ['cpg']],
  ]
  for (const [file, args] of cases) {
    it(`ts-ha ${args.join(' ')}`, async () => {
      const r = await run(args)
      expect([r.code, r.err]).to.deep.equal([0, []])
      golden(file, r.out)
    })
  }

  it('ts-ha status --watch (not a terminal): one view per update, until the node goes away', async () => {
    const r = await stream(['status', '--watch'], 2 * 2)
    expect(r.code).to.equal(0)
    golden('status-watch.txt', r.out)
  })

  it('ts-ha cmap track: corosync-cmapctl -T lines', async () => {
    const r = await stream(['cmap', 'track', 'app.'], CMAP_CHANGES.length)
    expect(r.code).to.equal(0)
    golden('cmap-track.txt', r.out)
  })

  it('--json prints exactly what the node answered (the documented types), indented', async () => {
    const pairs: readonly [string[], unknown][] = [[['status'], STATUS], [['quorum'], QUORUM], [['cfg'], LINKS], [['cpg'], CPG], [['cmap', 'get', 'totem.token'], CMAP[3]]]
    for (const [args, expected] of pairs) {
      const r = await run([...args, '--json'])
      expect(r.out, args.join(' ')).to.equal(`${JSON.stringify(expected, null, 2)}\n`)
    }
    const w = await stream(['status', '--watch', '--json'], 2)
    expect(w.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))).to.deep.equal([STATUS, STATUS_HEALED])
  })

  it('errors: one line on stderr, exit 1 for a refusal, 2 for a bad command line', async () => {
    const missing = await run(['cmap', 'get', 'no.such.key'])
    expect([missing.code, missing.out, missing.err]).to.deep.equal([1, '', ['ts-ha cmap: cmap key no.such.key does not exist']])
    const refused = await run(['quorum', '-e', '1'])
    expect([refused.code, refused.err]).to.deep.equal([1, ['ts-ha quorum: setExpected: 1 is below the votes present or would make the cluster inquorate']])
    const usage: readonly [string[], string][] = [
      [['status', '--bogus'], "ts-ha status: unknown option '--bogus' (see 'ts-ha help status')"],
      [['status', '--interval'], "ts-ha status: Option '--interval' argument is ambiguous (see 'ts-ha help status')"],
      [['status', '--interval', '10'], "ts-ha status: --interval must be a number of milliseconds ≥ 250, got '10' (see 'ts-ha help status')"],
      [['quorum', '-e', 'x'], "ts-ha quorum: --expected takes an integer ≥ 1, got 'x' (see 'ts-ha help quorum')"],
      [['quorum', '-l', '-e', '3'], "ts-ha quorum: choose one of --list, --expected (see 'ts-ha help quorum')"],
      [['cmap', 'get'], "ts-ha cmap: get takes 1 argument, got 0 (see 'ts-ha help cmap')"],
      [['cmap', 'set', 'a', 'b', '-t', 'nope'], "ts-ha cmap: unknown type 'nope' (see 'ts-ha help cmap')"],
      [['cpg', 'extra'], "ts-ha cpg: unexpected argument 'extra' (see 'ts-ha help cpg')"],
      [['node'], "ts-ha node: which subcommand? (run) (see 'ts-ha help node')"],
      [['node', 'run'], "ts-ha node run: --conf <corosync.conf> is required (see 'ts-ha help node')"],
    ]
    for (const [args, line] of usage) {
      const r = await run(args, args[0] !== 'node')
      expect([r.code, r.err], args.join(' ')).to.deep.equal([2, [line]])
    }
    await server.close()
    const gone = await run(['status'])
    expect([gone.code, gone.err]).to.deep.equal([1, [`ts-ha status: no admin socket at ${server.path} (is the node running?)`]])
  })

  it('help <command> prints its usage; --version prints the version', async () => {
    for (const name of ['status', 'quorum', 'cfg', 'cmap', 'cpg', 'node']) {
      const io = capture()
      expect(await main(['help', name], io)).to.equal(0)
      expect(io.lines.join('\n')).to.match(new RegExp(`^usage: ts-ha ${name}`))
    }
    const io = capture()
    expect(await main(['--version'], io)).to.equal(0)
    expect(io.lines).to.deep.equal([`ts-ha ${JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).version}`])
  })
})
