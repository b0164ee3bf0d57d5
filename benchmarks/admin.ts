import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AdminClient } from '../lib/ipc/client.js'
import { corosyncUnavailable, startCorosync } from './corosync-node.js'
import { median, percentile, sleep } from './stats.js'

/**
 * npm run bench:admin [-- --runs=20 --requests=1000]
 *
 * The operator's side, next to Corosync's own tools on the same machine:
 * wall time of one CLI invocation (process start to exit) of ts-ha's
 * `quorum -s` and `cmap get` against `corosync-quorumtool -s` and
 * `corosync-cmapctl -g`, each on a one-node cluster; and the round trip of
 * one admin request over an open connection. Prints markdown, writes JSON
 * to bench-results/.
 */
function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3))
}

const RUNS = arg('runs', 20)
/** Within the admin socket's burst (1000), so the round trip is measured, not the rate limit. */
const REQUESTS = arg('requests', 800)
const TSHA = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url))

/** Milliseconds per run of `command`, timed by the shell around each run (the same way for both tools). */
function shellTimes(run: (script: string) => string, command: string): number[] {
  const script = `i=0; while [ $i -lt ${RUNS} ]; do s=$(date +%s%N); ${command} >/dev/null 2>&1; e=$(date +%s%N); echo $((e - s)); i=$((i + 1)); done`
  return run(script).trim().split('\n').map((ns) => Number(ns) / 1e6)
}

async function startTsha(dir: string): Promise<{ socket: string; stop(): Promise<void> }> {
  const conf = join(dir, 'corosync.conf')
  const port = 30000 + (process.pid % 20000)
  writeFileSync(conf, `totem {\n  version: 2\n  cluster_name: bench\n  interface {\n    mcastport: ${port}\n  }\n}\nnodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n`)
  const socket = join(dir, 'n1.sock')
  const child = spawn(process.execPath, [TSHA, 'node', 'run', '--conf', conf, '-n', '1', '--admin-socket', socket], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.setEncoding('utf8').on('data', (c: string) => { log += c })
  for (let i = 0; i < 150 && !log.includes('ready (quorate)'); i++) await sleep(100)
  if (!log.includes('ready (quorate)')) throw new Error(`ts-ha node run did not come up:\n${log}`)
  return { socket, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)) } }
}

async function requestTimes(client: AdminClient, method: string, params: Record<string, unknown>, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint()
    await client.request(method, params)
    out.push(Number(process.hrtime.bigint() - t) / 1e3)
  }
  return out
}

const row = (name: string, ms: readonly number[], unit = 'ms'): string => `| ${name} | ${median(ms).toFixed(1)} ${unit} | ${percentile(ms, 90).toFixed(1)} ${unit} |`

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsha-bench-admin-'))
  const node = await startTsha(dir)
  const local = (script: string): string => spawnSync('sh', ['-c', script], { encoding: 'utf8' }).stdout
  const tsha = {
    quorum: shellTimes(local, `${process.execPath} ${TSHA} quorum -s --socket ${node.socket}`),
    cmap: shellTimes(local, `${process.execPath} ${TSHA} cmap get totem.cluster_name --socket ${node.socket}`),
    status: shellTimes(local, `${process.execPath} ${TSHA} status --socket ${node.socket}`),
  }
  const client = await AdminClient.connect({ socket: node.socket })
  const rtt = { cmapGet: await requestTimes(client, 'cmap.get', { key: 'totem.cluster_name' }, REQUESTS), status: await requestTimes(client, 'status', {}, Math.ceil(REQUESTS / 5)) }
  client.close()
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
  const reason = corosyncUnavailable()
  let corosync: { quorum: number[]; cmap: number[] } | { error: string }
  if (reason !== undefined) corosync = { error: reason }
  else {
    const cs = await startCorosync()
    try {
      corosync = { quorum: shellTimes(cs.shell, 'corosync-quorumtool -s'), cmap: shellTimes(cs.shell, 'corosync-cmapctl -g totem.cluster_name') }
    } finally {
      await cs.stop()
    }
  }
  const lines = [
    `## Admin tools, one-node clusters, ${RUNS} runs each (median, p90)`, '', '| | median | p90 |', '|---|---|---|',
    row('ts-ha quorum -s', tsha.quorum), row('ts-ha cmap get', tsha.cmap), row('ts-ha status', tsha.status),
    ...('error' in corosync ? [`| corosync | ${corosync.error} | |`] : [row('corosync-quorumtool -s', corosync.quorum), row('corosync-cmapctl -g', corosync.cmap)]),
    row(`admin request cmap.get (${REQUESTS}, open connection)`, rtt.cmapGet, 'µs'), row(`admin request status (${Math.ceil(REQUESTS / 5)})`, rtt.status, 'µs'),
  ]
  if (!('error' in corosync)) lines.push('', `ratio ts-ha quorum -s / corosync-quorumtool -s (medians): ${(median(tsha.quorum) / median(corosync.quorum)).toFixed(1)}×`)
  console.log(lines.join('\n'))
  mkdirSync('bench-results', { recursive: true })
  writeFileSync(join('bench-results', `admin-${Date.now()}.json`), JSON.stringify({ runs: RUNS, requests: REQUESTS, tsha, rtt, corosync }, null, 2))
}

main().catch((error: unknown) => { console.error(error); process.exitCode = 1 })
