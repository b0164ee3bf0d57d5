import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { basePort } from '../multiprocess/helpers.js'

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))

/** One example process; its stdout lines, and a wait on them. */
class Run {
  readonly lines: string[] = []
  readonly child: ChildProcess
  readonly #waiters = new Set<() => void>()

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
    let partial = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString()
      const parts = text.split('\n')
      partial = parts.pop()!
      this.lines.push(...parts)
      for (const w of [...this.#waiters]) w()
    })
  }

  waitFor(test: (lines: string[]) => boolean, ms = 20_000): Promise<void> {
    if (test(this.lines)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#waiters.delete(check); reject(new Error(`timed out; output so far:\n${this.lines.join('\n')}`)) }, ms)
      const check = (): void => {
        if (!test(this.lines)) return
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve()
      }
      this.#waiters.add(check)
    })
  }

  async end(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill(signal)
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

/** Waits for a condition over the output of several processes (any of them may print the line that satisfies it). */
async function until(test: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('examples: every example runs', function () {
  this.timeout(120_000)
  const runs: Run[] = []
  afterEach(async () => { await Promise.all(runs.splice(0).map((r) => r.end('SIGKILL'))) })

  it('cpg-chat: three processes print every line in the same order', async () => {
    const env = { CHAT_PORT: String(basePort(31)) }
    const chats = [1, 2, 3].map((id) => new Run([example('cpg-chat.js'), String(id)], env))
    runs.push(...chats)
    // Lines typed before the three rooms merged would only reach part of the group.
    const allThree = (l: string[]): boolean => l.some((x) => x === '* members now: 1, 2, 3' || /^joined as .*members: 1, 2, 3$/.test(x))
    await Promise.all(chats.map((c) => c.waitFor(allThree)))
    for (let i = 0; i < 5; i++) chats.forEach((c, n) => c.child.stdin!.write(`line ${i} from ${n + 1}\n`))
    const said = (l: string[]): string[] => l.filter((x) => x.startsWith('[node'))
    await Promise.all(chats.map((c) => c.waitFor((l) => said(l).length === 15)))
    expect(said(chats[1]!.lines)).to.deep.equal(said(chats[0]!.lines))
    expect(said(chats[2]!.lines)).to.deep.equal(said(chats[0]!.lines))
    for (const c of chats) c.child.stdin!.write('/quit\n')
    await Promise.all(chats.map((c) => new Promise((resolve) => c.child.once('exit', resolve))))
  })

  it('quorum-watcher: the last node standing reports losing quorum', async () => {
    const env = { QUORUM_PORT: String(basePort(33)) }
    const watchers = [1, 2, 3].map((id) => new Run([example('quorum-watcher.js'), String(id)], env))
    runs.push(...watchers)
    await Promise.all(watchers.map((w) => w.waitFor((l) => l.some((x) => x.includes('QUORATE (3 of 3 votes')))))
    // Only output printed after each fault counts: the watchers also start out inquorate.
    let mark = watchers[0]!.lines.length
    await watchers[1]!.end('SIGTERM')
    await watchers[0]!.waitFor((l) => l.slice(mark).some((x) => /left 2/.test(x)))
    await watchers[0]!.waitFor((l) => l.slice(mark).includes('quorum: QUORATE (2 of 3 votes, 2 needed)'))
    mark = watchers[0]!.lines.length
    await watchers[2]!.end('SIGKILL')
    await watchers[0]!.waitFor((l) => l.slice(mark).some((x) => x.includes('NOT quorate (1 of 3 votes, 2 needed)')), 30_000)
  })

  it('config-node: three nodes from a corosync.conf form a ring with their configured names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-ha-conf-'))
    try {
      const conf = readFileSync(fileURLToPath(new URL('../../../examples/corosync.conf', import.meta.url)), 'utf8').replace('mcastport: 5405', `mcastport: ${basePort(35)}`)
      const path = join(dir, 'corosync.conf')
      writeFileSync(path, conf)
      const nodes = [1, 2, 3].map((id) => new Run([example('config-node.js'), path, String(id)], {}))
      runs.push(...nodes)
      await Promise.all(nodes.map((n) => n.waitFor((l) => l.some((x) => x === 'members: alpha(1) beta(2) gamma(3)'))))
      expect(nodes[0]!.lines).to.include('  runtime.config.totem.token = 1650')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('cpg-hello (the README example): three nodes in one process deliver the same hellos in the same order', async () => {
    const run = new Run([example('cpg-hello.js')], { HELLO_PORT: String(basePort(47)) })
    runs.push(run)
    await run.waitFor((l) => l.some((x) => x === 'same order everywhere' || x === 'ORDER DIFFERS'), 30_000)
    expect(run.lines).to.include('same order everywhere')
    expect(run.lines.filter((l) => l.startsWith('node '))).to.have.length(3)
    await new Promise((resolve) => run.child.exitCode !== null ? resolve(undefined) : run.child.once('exit', resolve))
    expect(run.child.exitCode).to.equal(0)
  })

  it('leader-lock: one leader at a time; after kill -9 another leads with a higher token, and the store saw tokens only grow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-ha-leader-'))
    try {
      const env = { LEADER_PORT: String(basePort(37)), LEADER_STORE: join(dir, 'store.log') }
      const nodes = [1, 2, 3].map((id) => new Run([example('leader-lock.js'), String(id)], env))
      runs.push(...nodes)
      const leaders = (): Array<{ node: number; token: bigint }> => nodes.flatMap((n) => n.lines)
        .map((l) => /^leader: node (\d+) with fencing token (\d+)$/.exec(l)).filter((m) => m !== null)
        .map((m) => ({ node: Number(m[1]), token: BigInt(m[2]!) }))
      await Promise.all(nodes.map((n) => n.waitFor((l) => l.some((x) => x.includes('joined')))))
      await until(() => leaders().length >= 1, 'a leader')
      const first = leaders()[0]!
      await nodes[first.node - 1]!.end('SIGKILL')
      await until(() => leaders().some((l) => l.node !== first.node), 'a leader on another node')
      const second = leaders().find((l) => l.node !== first.node)!
      expect(second.node).to.not.equal(first.node)
      expect(second.token > first.token, `${second.token} > ${first.token}`).to.equal(true)
      await new Promise((resolve) => setTimeout(resolve, 600))
      const tokens = readFileSync(env.LEADER_STORE, 'utf8').trim().split('\n').map((l) => BigInt(l.split(' ')[0]!))
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]! >= tokens[i - 1]!, 'store tokens never go back').to.equal(true)
      expect(new Set(tokens).size, 'two leaders wrote').to.equal(2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('singleton-cron: the job ticks on exactly one node and moves when that node is killed', async () => {
    const env = { CRON_PORT: String(basePort(39)), CRON_EVERY_MS: '200' }
    const nodes = [1, 2, 3].map((id) => new Run([example('singleton-cron.js'), String(id)], env))
    runs.push(...nodes)
    const runners = (): number[] => nodes.flatMap((n) => n.lines).map((l) => /^node (\d+) runs the job now/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]))
    await until(() => runners().length >= 1, 'a runner')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(runners(), 'one runner while all are up').to.have.length(1)
    const first = runners()[0]!
    expect(nodes[first - 1]!.lines.some((l) => l.startsWith('tick 3 on node'))).to.equal(true)
    await nodes[first - 1]!.end('SIGKILL')
    // runners() lists per process, not in time order: look for a run on another node.
    await until(() => runners().some((n) => n !== first), 'a runner on another node')
    expect(runners().filter((n) => n !== first), 'one node took over').to.have.length(1)
  })

  it('checkpoint-counter: three processes increment under a lock and all see 3 × 10', async () => {
    const env = { COUNTER_PORT: String(basePort(41)), COUNTER_INCREMENTS: '10' }
    const nodes = [1, 2, 3].map((id) => new Run([example('checkpoint-counter.js'), String(id)], env))
    runs.push(...nodes)
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.some((x) => x.startsWith('counter reached 30')), 60_000)))
    const sets = nodes.flatMap((n) => n.lines).map((l) => /set counter to (\d+)$/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]))
    expect(sets.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1))
  })
})

describe('examples: the README', function () {
  this.timeout(60_000)

  it("the first program, exactly as README.md shows it, runs (on another port) and each node hears every hello", async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')
    const section = readme.slice(readme.indexOf('## A first program'))
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    expect(code, 'a ts block under "A first program"').to.be.a('string')
    expect(code).to.include("from 'ts-ha'")
    // Inside the package, 'ts-ha' resolves to this build (package self-reference); the README's code has no type annotations.
    const file = fileURLToPath(new URL(`../readme-first-${process.pid}.mjs`, import.meta.url))
    writeFileSync(file, code!.replace('nodes, totem:', `nodes, port: ${basePort(49)}, totem:`))
    try {
      const run = new Run([file], {})
      await new Promise((resolve) => run.child.once('exit', resolve))
      expect(run.child.exitCode, run.lines.join('\n')).to.equal(0)
      for (const n of [1, 2, 3]) expect(run.lines.filter((l) => l.startsWith(`node ${n} got "hello from node`)), `node ${n}`).to.have.length(3)
    } finally {
      rmSync(file, { force: true })
    }
  })
})
