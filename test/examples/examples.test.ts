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
})
