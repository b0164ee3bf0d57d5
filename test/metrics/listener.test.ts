import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import type { Cluster } from '../../lib/cluster/cluster.js'
import type { StatusView } from '../../lib/status/view.js'
import { shapeDiff, STATUS } from '../cli/fixtures.js'
import { stopAll, threeNodes, until } from '../cluster/three-nodes.js'
import { defaultAdminDir } from '../../lib/ipc/paths.js'
import { basePort } from '../multiprocess/helpers.js'

/** promtool (Prometheus' own checker) where installed; PROMTOOL names another binary. */
const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool'

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }) })
    })
    req.on('error', reject)
    req.end()
  })
}

/** The first server-sent `status` event of /events. */
function firstEvent(url: string): Promise<StatusView> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        buf += c
        const m = /event: status\ndata: (.*)\n\n/.exec(buf)
        if (m !== null) { resolve(JSON.parse(m[1]!) as StatusView); req.destroy() }
      })
    })
    req.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'ECONNRESET') reject(e) })
    req.end()
  })
}

describe('metrics: cluster.metrics() and the HTTP listener (3 nodes in one process)', function () {
  this.timeout(60_000)
  let all: Cluster[]
  before(async () => {
    all = await threeNodes(basePort(67) + 40, { metrics: { port: 0 } })
    for (const [i, c] of all.entries()) expect(c.adminSocket, `node ${i + 1}`).to.be.a('string')
    const [a, b] = all as [Cluster, Cluster]
    await a.cpg.join('web')
    await b.cpg.join('web')
    await a.locks.acquire('orders')
    const ckpt = await b.checkpoints.open('state', { create: true })
    await ckpt.write('k', Buffer.alloc(1000))
    await until(() => all.every((c) => Number(c.cmap.get('runtime.totem.stats.srp.orf_token_rx') ?? 0) > 0), 'the first engine statistics')
  })
  after(async () => {
    await stopAll(all)
  })

  it('/metrics parses with a Prometheus text parser and carries the cluster, Totem, service and admin families', async () => {
    const url = all[0]!.metricsUrl!
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const r = await get(`${url}metrics`)
    expect(r.status).to.equal(200)
    expect(r.type).to.equal('text/plain; version=0.0.4; charset=utf-8')
    const families = new Map(parsePrometheusTextFormat(r.body).map((f) => [f.name, f]))
    const value = (name: string, labels: Record<string, string> = {}): number => {
      const f = families.get(name)
      expect(f, name).to.not.equal(undefined)
      const s = f!.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
      expect(s, `${name}${JSON.stringify(labels)}`).to.not.equal(undefined)
      return Number(s!.value)
    }
    expect(value('tsha_quorate')).to.equal(1)
    expect(value('tsha_quorum_votes', { type: 'total_votes' })).to.equal(3)
    expect(value('tsha_nodes', { name: 'node3', status: 'online' })).to.equal(1)
    expect(value('tsha_totem_token_rotations_total')).to.be.greaterThan(0)
    expect(value('tsha_membership_changes_total')).to.be.greaterThan(0)
    expect(value('tsha_cpg_group_members', { group: 'web' })).to.equal(2)
    expect(value('tsha_lock_holders', { lock: 'orders' })).to.equal(1)
    expect(value('tsha_checkpoint_bytes', { checkpoint: 'state' })).to.equal(1000)
    expect(value('tsha_event_loop_lag_seconds', { thread: 'engine' })).to.be.at.least(0)
    expect(value('tsha_admin_connections')).to.equal(0)
    for (const f of families.values()) {
      expect(f.name, 'prefix').to.match(/^tsha_/)
      if (f.type === 'COUNTER') expect(f.name).to.match(/_total$/)
    }
    expect(await all[0]!.metrics()).to.match(/^# HELP tsha_info /)
  })

  it('/metrics passes promtool check metrics, where promtool is installed', async function () {
    if (!existsSync(PROMTOOL)) {
      console.log(`      skipped: no promtool at ${PROMTOOL} (Debian package prometheus, or set PROMTOOL)`)
      this.skip()
    }
    const r = await get(`${all[1]!.metricsUrl!}metrics`)
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: r.body, encoding: 'utf8' })
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0)
  })

  it('serves the status page, its script, /status.json and a live feed; only GET, only loopback names', async () => {
    const url = all[0]!.metricsUrl!
    const page = await get(url)
    expect([page.status, page.type]).to.deep.equal([200, 'text/html; charset=utf-8'])
    expect(page.body).to.include('<script src="app.js" defer></script>')
    expect((await get(`${url}app.js`)).body).to.include("new EventSource('events')")
    const view = JSON.parse((await get(`${url}status.json`)).body) as StatusView
    expect(view.snapshot.nodes.map((n) => n.online)).to.deep.equal([true, true, true])
    expect(view.sections.map((s) => s.id)).to.deep.equal(['nodes', 'groups', 'locks', 'checkpoints'])
    // With a group, a lock and a checkpoint present, every nested shape is compared.
    expect(view.snapshot.groups.length * view.snapshot.locks.length * view.snapshot.checkpoints.length).to.be.greaterThan(0)
    expect(shapeDiff(view.snapshot, STATUS)).to.deep.equal([])
    const live = await firstEvent(`${url}events`)
    expect(live.snapshot.clusterName).to.equal('facade-test')
    expect((await get(`${url}metrics`, { Host: 'evil.example:80' })).status).to.equal(403)
    expect((await get(`${url}metrics`, {}, 'POST')).status).to.equal(405)
    expect((await get(`${url}nope`)).status).to.equal(404)
  })

  it('serves each node\'s own admin socket by default, at <dir>/<cluster>-<nodeId>.sock', () => {
    for (const c of all) expect(c.adminSocket).to.equal(join(defaultAdminDir(), `facade-test-${c.nodeId}.sock`))
  })
})
