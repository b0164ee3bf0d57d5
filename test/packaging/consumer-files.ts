/**
 * The scratch consumer project of packaging.test.ts: what a newcomer writes
 * against the installed tarball, through the package name only.
 */

/** package.json: ts-ha twice (a second copy under another name, as an app and a plugin would have it). */
export function consumerPackage(tarball: string): string {
  return JSON.stringify({
    name: 'ts-ha-consumer', private: true, type: 'module',
    dependencies: { 'ts-ha': `file:${tarball}`, 'ts-ha-copy': `file:${tarball}` },
  }, null, 2)
}

/** Strict TypeScript, ESM (NodeNext), library declarations checked too. */
export function consumerTsconfig(typeRoots: string): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext',
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false,
      outDir: 'out', rootDir: 'src', types: ['node'], typeRoots: [typeRoots],
    },
    include: ['src/*.ts'],
  }, null, 2)
}

/** Three nodes on 127.0.0.1-3 through the public API: start with the wait option, join, send, lock, checkpoint write, stop. */
export const APP_TS = `import { Cluster, ClusterError, type ClusterStatus, type Group } from 'ts-ha'
import { ClusterError as CopyClusterError } from 'ts-ha-copy'

const port = Number(process.env['PORT'])
const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, addr: \`127.0.0.\${nodeId}\` }))
const all = nodes.map((n) => new Cluster({ clusterName: 'consumer', nodeId: n.nodeId, nodes, port, totem: { token: 500 } }))
const budget = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(30_000) })
await Promise.all(all.map((c) => c.start({ waitFor: 'quorum', ...budget() })))
const groups: Group[] = []
for (const c of all) groups.push(await c.cpg.join('g'))
const received = Promise.all(groups.map((g) => new Promise<string>((resolve) => { g.once('message', (data) => { resolve(data.toString()) }) })))
await groups[0]!.send('hello')
const lock = await all[1]!.locks.acquire('leader', budget())
const ckpt = await all[2]!.checkpoints.open('state', { create: true, ...budget() })
await ckpt.write('owner', \`token \${lock.fencingToken}\`, budget())
const read = (await ckpt.read('owner'))?.toString()
await lock.release()
let sameClassAcrossCopies = false
try {
  await all[0]!.cpg.join(42 as unknown as string)
} catch (error) {
  sameClassAcrossCopies = error instanceof ClusterError && error instanceof CopyClusterError
}
const status: ClusterStatus = all[0]!.status()
await Promise.all(all.map((c) => c.stop()))
console.log(JSON.stringify({ received: await received, read: read === \`token \${lock.fencingToken}\`, sameClassAcrossCopies, members: status.ring.members.length }))
`

/** A CommonJS consumer: require() of the ESM package (Node 20.19+ / 22.12+). */
export const REQUIRE_CJS = `const { Cluster, ConfigError } = require('ts-ha')
let config = ''
try { new Cluster({ clusterName: 'c', nodeId: 1, nodes: [{ nodeId: 1, addr: '127.0.0.1' }], totm: {} }) } catch (e) { config = e instanceof ConfigError ? e.key : String(e) }
const c = new Cluster({ clusterName: 'cjs', nodeId: 1, nodes: [{ nodeId: 1, addr: '127.0.0.1' }], port: Number(process.env.PORT) })
c.start({ waitFor: 'quorum', signal: AbortSignal.timeout(20000) }).then(() => c.stop()).then(() => { console.log(JSON.stringify({ config, started: true })) })
`

/** Bundles the compiled app and the engine thread's entry (ts-ha/engine-worker) side by side. */
export function bundleScript(esbuild: string): string {
  return `import { build } from ${JSON.stringify(esbuild)}
await build({
  entryPoints: { app: 'out/app.js', 'engine-worker': 'ts-ha/engine-worker' },
  bundle: true, platform: 'node', format: 'esm', outdir: 'bundle', logLevel: 'warning',
  // CommonJS dependencies (debug, protobufjs) require Node built-ins: give the ESM bundle a require.
  banner: { js: "import { createRequire as __tsHaRequire } from 'node:module'; const require = __tsHaRequire(import.meta.url);" },
})
`
}
