import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { basePort } from '../multiprocess/helpers.js'
import { APP_TS, bundleScript, consumerPackage, consumerTsconfig, REQUIRE_CJS } from './consumer-files.js'

const exec = promisify(execFile)
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const modules = join(repo, 'node_modules')

async function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 })
  return stdout
}

/** The one JSON line the consumer app prints. */
function result(stdout: string): { received: string[]; read: boolean; sameClassAcrossCopies: boolean; members: number } {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ReturnType<typeof result>
}

/**
 * The packed tarball as a newcomer gets it: installed into a scratch project
 * outside the repo, used through `import ... from 'ts-ha'` only, by strict
 * TypeScript ESM, by CommonJS require, and as an esbuild bundle run from a
 * directory with no node_modules at all.
 */
describe('packaging: the packed tarball in a scratch consumer project', function () {
  this.timeout(240_000)
  let dir: string
  let app: string
  let tarball: string
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-ha-consumer-'))
    // The suite has just built dist/ (pretest); prepack would build it again.
    await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], repo)
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!)
    app = join(dir, 'app')
    mkdirSync(join(app, 'src'), { recursive: true })
    writeFileSync(join(app, 'package.json'), consumerPackage(tarball))
    writeFileSync(join(app, 'tsconfig.json'), consumerTsconfig(join(modules, '@types')))
    writeFileSync(join(app, 'src', 'app.ts'), APP_TS)
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app)
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('ships what it needs and nothing it points at is missing: LICENSE, sources behind the source maps, generated protobuf code', () => {
    const pkg = join(app, 'node_modules', 'ts-ha')
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { license: string; repository?: unknown; scripts: Record<string, string> }
    expect(manifest.license).to.equal('MIT')
    expect(manifest.repository).to.not.equal(undefined)
    expect(manifest.scripts['prepack']).to.equal('npm run build')
    expect(readFileSync(join(pkg, 'LICENSE'), 'utf8')).to.match(/^MIT License/)
    expect(existsSync(join(pkg, 'dist', 'lib', 'wire', 'generated', 'proto.js'))).to.equal(true)
    const missing: string[] = []
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.name.endsWith('.js.map')) {
          for (const s of (JSON.parse(readFileSync(p, 'utf8')) as { sources: string[] }).sources) if (!existsSync(join(d, s))) missing.push(`${p} → ${s}`)
        }
      }
    }
    walk(join(pkg, 'dist'))
    expect(missing.slice(0, 5), `${missing.length} source-map sources missing`).to.deep.equal([])
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8')
    expect(readme, 'README points outside the package').to.not.match(/\.\.\/shared|\/work\//)
  })

  it('strict TypeScript ESM: three nodes start with the wait option, join, send, lock, write a checkpoint, stop', async () => {
    await run(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app)
    const out = result(await run(process.execPath, ['out/app.js'], app, { PORT: String(basePort(81)), XDG_STATE_HOME: join(dir, 'state') }))
    expect(out).to.deep.equal({ received: ['hello', 'hello', 'hello'], read: true, sameClassAcrossCopies: true, members: 3 })
  })

  it('CommonJS: require("ts-ha") works, errors keep their class', async () => {
    writeFileSync(join(app, 'require.cjs'), REQUIRE_CJS)
    const out = JSON.parse((await run(process.execPath, ['require.cjs'], app, { PORT: String(basePort(83)), XDG_STATE_HOME: join(dir, 'state') })).trim()) as unknown
    expect(out).to.deep.equal({ config: 'totm', started: true })
  })

  it('an esbuild bundle of the app (and of ts-ha/engine-worker beside it) runs with no node_modules around', async () => {
    if (!existsSync(join(app, 'out', 'app.js'))) await run(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app)
    writeFileSync(join(app, 'bundle.mjs'), bundleScript(join(modules, 'esbuild', 'lib', 'main.js')))
    await run(process.execPath, ['bundle.mjs'], app)
    const alone = join(dir, 'bundled')
    cpSync(join(app, 'bundle'), alone, { recursive: true })
    const out = result(await run(process.execPath, ['app.js'], alone, { PORT: String(basePort(85)), XDG_STATE_HOME: join(dir, 'state') }))
    // Within one bundle, 'ts-ha' and 'ts-ha-copy' are two copies of the library (esbuild renames their classes).
    expect(out).to.deep.equal({ received: ['hello', 'hello', 'hello'], read: true, sameClassAcrossCopies: true, members: 3 })
  })
})
