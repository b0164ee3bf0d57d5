import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import type { QuorumReport } from '../../lib/shell/admin-methods.js'
import type { StatusSnapshot } from '../../lib/status/snapshot.js'
import { basePort } from '../multiprocess/helpers.js'
import { browserUnavailable, openPhoneBrowser } from '../support/browser.js'
import { CMAP, CPG, LINKS, QUORUM, shapeDiff, STATUS } from './fixtures.js'
import { LiveCluster, TSHA, tsha } from './live-cluster.js'

/** Where the before/after screenshots of the status page go (kept for a look; TS_HA_SCREENSHOTS names another place). */
const SHOTS = process.env['TS_HA_SCREENSHOTS'] ?? join(tmpdir(), 'ts-ha-screenshots')

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('ts-ha CLI against a live 3-process cluster (ts-ha node run)', function () {
  this.timeout(120_000)
  let live: LiveCluster
  const s = (id: number): string[] => ['--socket', live.socket(id)]

  before(async () => {
    live = new LiveCluster('live', basePort(83), 3)
    await live.startAll()
  })
  after(async () => { await live.close() })

  it('status: three nodes online, quorate with 3 of 3 votes; --json is the snapshot', async () => {
    const r = await tsha(['status', ...s(1)])
    expect(r.status, r.stderr).to.equal(0)
    expect(r.stdout).to.include('  * Online: [ node1 node2 node3 ]\n')
    expect(r.stdout).to.include('  * Quorum: partition with quorum (3 of 3 expected votes, 2 needed)\n')
    const j = await tsha(['status', '--json', ...s(2)])
    const snap = JSON.parse(j.stdout) as StatusSnapshot
    expect([snap.schema, snap.clusterName, snap.localNodeId, snap.state]).to.deep.equal(['ts-ha.status/1', 'live', 2, 'running'])
    expect(snap.nodes.map((n) => n.online)).to.deep.equal([true, true, true])
    expect(snap.ringId).to.match(/^\d+\.[0-9a-f]+$/)
  })

  it('--json answers of a live node have the documented shapes (those of the golden fixtures)', async () => {
    const cases: readonly [string[], unknown][] = [
      [['status'], STATUS], [['quorum'], QUORUM], [['cfg', '-s'], LINKS], [['cpg'], CPG], [['cmap', 'get', 'totem.cluster_name'], CMAP[2]],
      [['cmap', 'list', 'totem.'], CMAP],
    ]
    for (const [args, fixture] of cases) {
      const r = await tsha([...args, '--json', ...s(1)])
      expect(r.status, r.stderr).to.equal(0)
      expect(shapeDiff(JSON.parse(r.stdout), fixture), args.join(' ')).to.deep.equal([])
    }
  })

  it('cmap get runtime.totem.stats.srp.orf_token_rx reads the live, rising counter', async () => {
    const read = async (): Promise<number> => {
      const r = await tsha(['cmap', 'get', 'runtime.totem.stats.srp.orf_token_rx', ...s(1)])
      expect(r.status, r.stderr).to.equal(0)
      const m = /^runtime\.totem\.stats\.srp\.orf_token_rx \(u64\) = (\d+)\n$/.exec(r.stdout)
      expect(m, r.stdout).to.not.equal(null)
      return Number(m![1])
    }
    const first = await read()
    await new Promise((r) => setTimeout(r, 2200))
    expect(await read()).to.be.greaterThan(first)
    const missing = await tsha(['cmap', 'get', 'runtime.nope', ...s(1)])
    expect([missing.status, missing.stderr]).to.deep.equal([1, 'ts-ha cmap: cmap key runtime.nope does not exist\n'])
  })

  it('cfg -s shows the peers connected; cpg lists no groups on bare nodes', async () => {
    const cfg = await tsha(['cfg', '-s', ...s(3)])
    expect(cfg.status, cfg.stderr).to.equal(0)
    expect(cfg.stdout).to.match(/nodeid: +1:\tconnected\n\t\tnodeid: +2:\tconnected\n\t\tnodeid: +3:\tlocalhost/)
    expect((await tsha(['cpg', ...s(3)])).stdout).to.equal(`${'Group Name'.padEnd(24)}${'Member ID'.padEnd(24)}Node ID\n`)
  })

  it('quorum -e changes expected votes cluster-wide, and refuses a value that would lose quorum', async () => {
    const expected = async (id: number): Promise<QuorumReport> => JSON.parse((await tsha(['quorum', '--json', ...s(id)])).stdout) as QuorumReport
    expect((await tsha(['quorum', '-e', '4', ...s(1)])).status).to.equal(0)
    await eventually(async () => (await expected(2)).expectedVotes === 4, 10_000, 'expected votes 4 on node 2')
    const q = await expected(3)
    expect([q.expectedVotes, q.quorum, q.quorate]).to.deep.equal([4, 3, true])
    expect((await tsha(['quorum', ...s(3)])).stdout).to.include('Expected votes:   4\n')
    const refused = await tsha(['quorum', '-e', '6', ...s(1)])
    expect(refused.status).to.equal(1)
    expect(refused.stderr).to.equal('ts-ha quorum: setExpected: 6 is below the votes present or would make the cluster inquorate\n')
    expect((await tsha(['quorum', '-e', '3', ...s(2)])).status).to.equal(0)
    await eventually(async () => (await expected(1)).expectedVotes === 3, 10_000, 'expected votes back to 3')
  })

  it('a scrape of /metrics parses with a Prometheus text parser', async () => {
    const res = await fetch(`${live.metricsUrl(1)}metrics`)
    const families = parsePrometheusTextFormat(await res.text())
    const quorate = families.find((f) => f.name === 'tsha_quorate')
    expect(quorate?.metrics[0]?.value).to.equal('1')
    expect(families.length).to.be.greaterThan(30)
  })

  it('kill -9 of node 3: status --watch and the status page (real Chromium) show it go offline', async () => {
    const watch = spawn(process.execPath, [TSHA, 'status', '--watch', '--json', '--interval', '500', ...s(1)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const seen: StatusSnapshot[] = []
    let partial = ''
    watch.stdout.setEncoding('utf8').on('data', (c: string) => {
      const lines = (partial + c).split('\n')
      partial = lines.pop()!
      for (const l of lines) if (l !== '') seen.push(JSON.parse(l) as StatusSnapshot)
    })
    const node3Online = (snap: StatusSnapshot): boolean => snap.nodes.find((n) => n.nodeId === 3)!.online
    await eventually(async () => seen.length > 0, 10_000, 'the first watch snapshot')
    const noBrowser = browserUnavailable()
    if (noBrowser !== undefined) console.log(`      browser part skipped: ${noBrowser}`)
    const browser = noBrowser === undefined ? await openPhoneBrowser() : undefined
    try {
      const page = browser?.page
      mkdirSync(SHOTS, { recursive: true })
      if (page !== undefined) {
        await page.goto(live.metricsUrl(1))
        await page.waitForSelector('[data-node="node3"][data-state="online"]', { timeout: 15_000 })
        await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 })
        await page.screenshot({ path: join(SHOTS, 'status-before-kill.png'), fullPage: true })
      }
      expect(node3Online(seen.at(-1)!)).to.equal(true)
      live.signal(3, 'SIGKILL')
      // The membership change shows first; votequorum's recount follows once the new ring has synchronised.
      const settled = (x: StatusSnapshot): boolean => !node3Online(x) && x.quorum.totalVotes === 2
      await eventually(async () => seen.some(settled), 20_000, 'status --watch to show node 3 offline and its vote gone')
      const offline = seen.find(settled)!
      expect(offline.nodes.filter((n) => n.online).map((n) => n.name)).to.deep.equal(['node1', 'node2'])
      expect([offline.quorum.quorate, offline.quorum.totalVotes]).to.deep.equal([true, 2])
      if (page !== undefined) {
        await page.waitForSelector('[data-node="node3"][data-state="offline"]', { timeout: 20_000 })
        await page.screenshot({ path: join(SHOTS, 'status-after-kill.png'), fullPage: true })
        const states = await page.$$eval('.node', (els) => els.map((e) => `${e.getAttribute('data-node')}=${e.getAttribute('data-state')}`))
        expect(states).to.deep.equal(['node1=online', 'node2=online', 'node3=offline'])
        expect(await page.textContent('#summary')).to.include('3 nodes configured, 2 online')
        expect(await page.textContent('[data-node="node3"] .state')).to.equal('OFFLINE')
        console.log(`      screenshots: ${join(SHOTS, 'status-before-kill.png')}, ${join(SHOTS, 'status-after-kill.png')}`)
      }
    } finally {
      await browser?.close()
      watch.kill('SIGINT')
    }
    expect(await new Promise((resolve) => watch.once('close', resolve))).to.equal(0)
    const once = await tsha(['status', ...s(2)])
    expect(once.stdout).to.include('  * OFFLINE: [ node3 ]\n')
  })

  it('the killed node\'s stale socket gets a one-line error; SIGTERM stops a node gracefully with status 0', async () => {
    const stale = await tsha(['status', ...s(3)])
    expect([stale.status, stale.stderr]).to.deep.equal([1, `ts-ha status: nothing listens on ${live.socket(3)}: the node that made it is gone\n`])
    live.signal(2, 'SIGTERM')
    expect(await live.exited(2)).to.equal(0)
    expect(live.log(2)).to.match(/SIGTERM: leaving the cluster\n[^]*stopped\n$/)
    const gone = await tsha(['status', ...s(2)])
    expect([gone.status, gone.stderr]).to.deep.equal([1, `ts-ha status: no admin socket at ${live.socket(2)} (is the node running?)\n`])
  })
})
