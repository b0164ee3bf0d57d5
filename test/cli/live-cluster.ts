import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The compiled `ts-ha` command. */
export const TSHA = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url))

export interface RunResult { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** Runs `ts-ha <args>` as its own process. */
export function tsha(args: readonly string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSHA, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c })
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }) })
  })
}

/** corosync.conf for nodes 1..n on 127.0.0.1..n. */
export function corosyncConf(clusterName: string, port: number, n: number, token = 1000): string {
  const nodes = Array.from({ length: n }, (_, i) => `  node {\n    ring0_addr: 127.0.0.${i + 1}\n    nodeid: ${i + 1}\n  }`).join('\n')
  return `totem {\n  version: 2\n  cluster_name: ${clusterName}\n  token: ${token}\n  interface {\n    mcastport: ${port}\n  }\n}\n` +
    `nodelist {\n${nodes}\n}\nquorum {\n  provider: corosync_votequorum\n}\n`
}

interface NodeProc { readonly child: ChildProcess; log: string; readonly exited: Promise<number | null> }

/**
 * `ts-ha node run` processes: a cluster with no application code, each node
 * with its admin socket in a private directory and metrics on a free port.
 * Every process it starts it ends (by PID) in close().
 */
export class LiveCluster {
  readonly dir: string
  readonly conf: string
  readonly #nodes = new Map<number, NodeProc>()
  readonly #listeners = new Set<() => void>()

  constructor(readonly clusterName: string, port: number, readonly size: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'tsha-live-'))
    this.conf = join(this.dir, 'corosync.conf')
    writeFileSync(this.conf, corosyncConf(clusterName, port, size))
  }

  socket(id: number): string { return join(this.dir, `n${id}.sock`) }
  pid(id: number): number | undefined { return this.#nodes.get(id)?.child.pid }
  log(id: number): string { return this.#nodes.get(id)?.log ?? '' }
  exited(id: number): Promise<number | null> { return this.#nodes.get(id)!.exited }

  /** The metrics/status-page URL a node logged when it came up. */
  metricsUrl(id: number): string {
    const m = /metrics and status page (http:\/\/\S+)/.exec(this.log(id))
    if (m === null) throw new Error(`node ${id} logged no metrics URL:\n${this.log(id)}`)
    return m[1]!
  }

  start(id: number): void {
    const child = spawn(process.execPath, [TSHA, 'node', 'run', '--conf', this.conf, '-n', String(id), '--admin-socket', this.socket(id), '--metrics-port', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'] })
    const proc: NodeProc = { child, log: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      proc.log += c
      for (const l of [...this.#listeners]) l()
    })
    void proc.exited.then(() => { for (const l of [...this.#listeners]) l() })
    this.#nodes.set(id, proc)
  }

  /** Starts every node and waits until each logged that it is running and ready (quorate). */
  async startAll(timeoutMs = 30_000): Promise<void> {
    for (let id = 1; id <= this.size; id++) this.start(id)
    const ids = Array.from({ length: this.size }, (_, i) => i + 1)
    await this.waitFor(() => ids.every((id) => /ready \(quorate\)/.test(this.log(id)) && /running: /.test(this.log(id))), timeoutMs, 'every node ready')
  }

  signal(id: number, signal: NodeJS.Signals): void {
    const pid = this.pid(id)
    if (pid === undefined) throw new Error(`node ${id} was not started`)
    process.kill(pid, signal)
  }

  waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (test()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => { if (test()) { done(); resolve() } }
      const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); this.#listeners.delete(check) }
      this.#listeners.add(check)
    })
  }

  async close(): Promise<void> {
    for (const p of this.#nodes.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    await Promise.all([...this.#nodes.values()].map((p) => p.exited))
    rmSync(this.dir, { recursive: true, force: true })
  }
}
