import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClusterError } from '../../lib/errors.js'
import { AdminClient } from '../../lib/ipc/client.js'
import { ADMIN_FRAME_MAX } from '../../lib/ipc/protocol.js'
import type { AdminServer } from '../../lib/ipc/server.js'
import type { AdminTable } from '../../lib/ipc/table.js'
import { frameOf, rawExchange, socketDir, stubServer } from './helpers.js'

const isRoot = process.getuid?.() === 0

interface Ctx { hits: number; emitters: Set<(d: unknown) => void> }
const TABLE: AdminTable<Ctx> = {
  methods: {
    echo: (_ctx, p) => p,
    count: (ctx) => ++ctx.hits,
    fail: () => { throw new ClusterError('ERR_NOT_EXIST', 'nothing here') },
  },
  topics: {
    ticks: (ctx, _p, emit) => { ctx.emitters.add(emit); return () => { ctx.emitters.delete(emit) } },
  },
}

async function refusal(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError)
    return error as ClusterError
  }
  throw new Error('expected a refusal')
}

describe('ipc/server: the admin socket', function () {
  this.timeout(20_000)
  let dir: string
  let path: string
  let ctx: Ctx
  let server: AdminServer<Ctx>
  beforeEach(async () => {
    dir = socketDir('srv')
    path = join(dir, 'stub-7.sock')
    ctx = { hits: 0, emitters: new Set() }
    server = await stubServer(path, TABLE, ctx)
  })
  afterEach(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the table after hello; socket 0600, cookie 0640 beside it; both removed on close', async () => {
    expect(statSync(path).mode & 0o777).to.equal(0o600)
    const cookiePath = join(dir, 'stub-7.cookie')
    expect(statSync(cookiePath).mode & 0o777).to.equal(0o640)
    expect(readFileSync(cookiePath, 'utf8')).to.match(/^[0-9a-f]{64}\n$/)
    const client = await AdminClient.connect({ socket: path })
    expect(client.hello).to.include({ server: 'ts-ha', clusterName: 'stub', nodeId: 7, protocol: 1 })
    expect(client.hello.methods).to.deep.equal(['count', 'echo', 'fail'])
    expect(await client.request('echo', { a: [1, 'x'] })).to.deep.equal({ a: [1, 'x'] })
    const e = await refusal(client.request('fail'))
    expect([e.code, e.message]).to.deep.equal(['ERR_NOT_EXIST', 'nothing here'])
    expect((await refusal(client.request('nope'))).message).to.equal('no method nope')
    expect(await client.request('count')).to.equal(1)
    client.close()
    await server.close()
    expect(existsSync(path) || existsSync(cookiePath)).to.equal(false)
  })

  it('refuses a wrong cookie with ERR_ACCESS, closes that connection only, and counts it', async () => {
    const good = await AdminClient.connect({ socket: path })
    const forged = join(dir, 'forged.cookie')
    writeFileSync(forged, `${'ab'.repeat(32)}\n`, { mode: 0o600 })
    const e = await refusal(AdminClient.connect({ socket: path, cookie: forged }))
    expect(e.code).to.equal('ERR_ACCESS')
    expect(e.message).to.match(/^wrong cookie/)
    expect(server.stats.rejected.auth).to.equal(1)
    expect(await good.request('count')).to.equal(1)
    good.close()
  })

  it('closes a connection whose first request is not hello, with the reason', async () => {
    const r = await rawExchange(path, frameOf(JSON.stringify({ id: 1, method: 'count' })))
    expect(r.closedByNode).to.equal(true)
    expect(r.frames).to.deep.equal([{ id: null, ok: false, error: { code: 'ERR_PROTOCOL', message: 'the first request must be hello with the cookie' } }])
    expect(server.stats.rejected.unauthenticated).to.equal(1)
    expect(ctx.hits).to.equal(0)
  })

  it('refuses an oversized frame from its length alone and counts it; other connections go on', async () => {
    const good = await AdminClient.connect({ socket: path })
    const head = Buffer.alloc(4)
    head.writeUInt32BE(ADMIN_FRAME_MAX + 1, 0)
    const r = await rawExchange(path, head)
    expect(r.closedByNode).to.equal(true)
    expect((r.frames[0] as { error: { message: string } }).error.message).to.equal(`a frame of ${ADMIN_FRAME_MAX + 1} bytes exceeds the limit of ${ADMIN_FRAME_MAX}`)
    expect(server.stats.rejected.oversized).to.equal(1)
    expect(await good.request('echo', { still: 'here' })).to.deep.equal({ still: 'here' })
    good.close()
  })

  it('a client that says nothing is dropped after the handshake time', async () => {
    const quick = await stubServer(join(dir, 'quick.sock'), TABLE, ctx, { limits: { helloTimeoutMs: 150 } })
    const r = await rawExchange(quick.path, Buffer.alloc(0), 5000)
    expect(r.closedByNode).to.equal(true)
    expect(quick.stats.rejected.handshake_timeout).to.equal(1)
    await quick.close()
  })

  it('slows a fast client down to the request rate instead of refusing it', async () => {
    const slow = await stubServer(join(dir, 'slow.sock'), TABLE, ctx, { limits: { requestsPerSecond: 50, burst: 5 } })
    const client = await AdminClient.connect({ socket: slow.path })
    const started = Date.now()
    const answers = await Promise.all(Array.from({ length: 30 }, () => client.request('count')))
    const elapsed = Date.now() - started
    expect(answers.length).to.equal(30)
    // 5 at once, then 25 at 50/s: at least 0.5 s (the hello took one token from the burst).
    expect(elapsed).to.be.greaterThan(450)
    client.close()
    await slow.close()
  })

  it('subscriptions deliver events until unsubscribed, and end with the connection', async () => {
    const client = await AdminClient.connect({ socket: path })
    const got: unknown[] = []
    const stop = await client.subscribe('ticks', {}, (d) => got.push(d))
    for (const emit of ctx.emitters) emit({ n: 1 })
    await client.request('count')
    expect(got).to.deep.equal([{ n: 1 }])
    await stop()
    expect(ctx.emitters.size).to.equal(0)
    await client.subscribe('ticks', {}, () => {})
    client.close()
    const deadline = Date.now() + 2000
    while (ctx.emitters.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(ctx.emitters.size).to.equal(0)
  })

  it('the client refuses a cookie file others can read, saying why and how to fix it', async () => {
    const cookiePath = join(dir, 'stub-7.cookie')
    chmodSync(cookiePath, 0o644)
    const e = await refusal(AdminClient.connect({ socket: path }))
    expect(e.code).to.equal('ERR_ACCESS')
    expect(e.message).to.equal(`the cookie ${cookiePath} has mode 0644: others could use it to run the node, so it is refused (it must be 0640 or stricter: chmod 640 ${cookiePath})`)
    expect(server.stats.accepted).to.equal(0)
  })

  it('the client refuses a path that is not a socket, and names a missing one', async () => {
    const file = join(dir, 'plain.sock')
    writeFileSync(file, '')
    expect((await refusal(AdminClient.connect({ socket: file }))).message).to.equal(`${file} is not a socket`)
    const missing = join(dir, 'none.sock')
    const e = await refusal(AdminClient.connect({ socket: missing }))
    expect([e.code, e.message]).to.deep.equal(['ERR_NOT_EXIST', `no admin socket at ${missing} (is the node running?)`])
  })

  it('the client does not send the cookie to a socket owned by another user (root only)', async function () {
    if (!isRoot) {
      console.log('      skipped: needs root to chown the socket')
      this.skip()
    }
    chownSync(path, 65534, 65534)
    const e = await refusal(AdminClient.connect({ socket: path }))
    expect(e.message).to.equal(`${path} belongs to uid 65534 but its cookie to uid 0: another user may have put the socket there, so the cookie is not sent`)
    expect(server.stats.accepted).to.equal(0)
  })

  it('a second server refuses a live socket; a stale one (its process died) is replaced', async () => {
    const e = await refusal(stubServer(path, TABLE, ctx))
    expect(e.code).to.equal('ERR_EXIST')
    const stale = join(dir, 'stale.sock')
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => { child.stdout.once('data', () => { resolve() }) })
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    expect(existsSync(stale)).to.equal(true)
    const replacement = await stubServer(stale, TABLE, ctx)
    const client = await AdminClient.connect({ socket: stale })
    expect(await client.request('count')).to.equal(1)
    client.close()
    await replacement.close()
  })

  it('removes its socket and cookie when the process dies of an uncaught exception', async () => {
    const doomed = join(dir, 'doomed.sock')
    const server = new URL('../../lib/ipc/server.js', import.meta.url).href
    const script = `import { AdminServer } from ${JSON.stringify(server)}
      const s = new AdminServer({ path: ${JSON.stringify(doomed)}, mode: 0o600, ownDirectory: false, table: { methods: {}, topics: {} }, context: null, identity: () => ({ clusterName: 'x', nodeId: 1, version: 't' }) })
      await s.listen(); console.log('up'); setTimeout(() => { throw new Error('boom') }, 10)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] })
    await new Promise<void>((resolve) => { child.stdout.once('data', () => { resolve() }) })
    expect(existsSync(doomed)).to.equal(true)
    expect(await new Promise((resolve) => child.once('exit', resolve))).to.equal(1)
    expect([existsSync(doomed), existsSync(join(dir, 'doomed.cookie'))]).to.deep.equal([false, false])
  })

  it('refuses a world-writable directory without the sticky bit, and makes its own directory 0750', async () => {
    const open = join(dir, 'open')
    const own = join(dir, 'own')
    await stubServer(join(own, 'a.sock'), TABLE, ctx, { ownDirectory: true }).then((s) => s.close())
    expect(statSync(own).mode & 0o7777).to.equal(0o750)
    await stubServer(join(open, 'a.sock'), TABLE, ctx).then((s) => s.close())
    chmodSync(open, 0o777)
    const e = await refusal(stubServer(join(open, 'b.sock'), TABLE, ctx))
    expect(e.message).to.equal(`admin socket directory ${open} is writable by everyone without the sticky bit`)
  })

  it('with a group: socket 0660 and cookie 0640 owned by that group (root only)', async function () {
    if (!isRoot) {
      console.log('      skipped: needs root to chown to another group')
      this.skip()
    }
    const grouped = await stubServer(join(dir, 'g.sock'), TABLE, ctx, { gid: 65534, mode: 0o660 })
    expect([statSync(grouped.path).mode & 0o777, statSync(grouped.path).gid]).to.deep.equal([0o660, 65534])
    expect([statSync(grouped.cookiePath).mode & 0o777, statSync(grouped.cookiePath).gid]).to.deep.equal([0o640, 65534])
    await grouped.close()
  })
})
