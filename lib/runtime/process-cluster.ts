import { fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TotemOptions } from '../totem/config.js'
import type { NodeId } from '../totem/ring-id.js'
import type { ClusterOptions } from '../cluster/options.js'
import type { ChildMessage, ClusterNodeSpec, NodeSpec, ParentMessage } from './node-protocol.js'

const NODE_PROCESS = fileURLToPath(new URL('./node-process.js', import.meta.url))
const CLUSTER_NODE_PROCESS = fileURLToPath(new URL('./cluster-node-process.js', import.meta.url))

export interface ProcessClusterOptions {
  readonly nodeIds: readonly NodeId[]
  readonly port: number
  readonly ports?: Readonly<Record<number, number>>
  readonly clusterName?: string
  /** Address of each node; default 127.0.0.<id>. */
  readonly addr?: (id: NodeId) => string
  readonly transport?: 'udpu' | 'udp'
  readonly mcastAddr?: string
  readonly totem?: TotemOptions
  readonly reportDeliveries?: boolean
  /**
   * `totem`: a bare engine per process (engine-level tests and benchmarks).
   * `cluster`: a Cluster (public API: worker engine, CPG, quorum) per process.
   * @default 'totem'
   */
  readonly program?: 'totem' | 'cluster'
  /** Cluster options beyond those derived here (program 'cluster'). */
  readonly cluster?: Partial<ClusterOptions>
  /** Extra node flags for each process (e.g. --cpu-prof when profiling a benchmark). */
  readonly execArgv?: readonly string[]
  /** Runs the node inside a network namespace (`ip netns exec <ns>`). */
  readonly namespace?: (id: NodeId) => string | undefined
  /** Extra environment of each node process (e.g. the test-only knobs of `lib/runtime/test-hooks.ts`). */
  readonly env?: (id: NodeId) => Readonly<Record<string, string>>
}

export interface NodeEvent {
  readonly node: NodeId
  readonly message: ChildMessage
}

interface Running {
  readonly child: ChildProcess
  readonly exited: Promise<void>
}

/**
 * Starts Totem nodes as separate OS processes on real UDP and talks to them
 * over IPC. Every process it starts it also ends, by PID, on close().
 */
export class ProcessCluster {
  readonly options: ProcessClusterOptions
  readonly events: NodeEvent[] = []
  readonly #dir: string
  readonly #running = new Map<NodeId, Running>()
  readonly #listeners = new Set<() => void>()

  constructor(options: ProcessClusterOptions) {
    this.options = options
    this.#dir = mkdtempSync(join(tmpdir(), 'ts-ha-cluster-'))
  }

  pid(id: NodeId): number | undefined {
    return this.#running.get(id)?.child.pid
  }

  /** Starts one node process; resolves when its transport is bound and Totem started. */
  async start(id: NodeId): Promise<void> {
    if (this.#running.has(id)) throw new Error(`node ${id} is already running`)
    const o = this.options
    const addr = o.addr ?? ((n: NodeId) => `127.0.0.${n}`)
    const spec: NodeSpec = {
      self: id, clusterName: o.clusterName ?? 'ts-ha-test', port: o.port, transport: o.transport ?? 'udpu',
      nodes: o.nodeIds.map((nodeId) => ({ nodeId, addr: addr(nodeId) })),
      ringStorePath: join(this.#dir, `ringid_${id}`),
      ...(o.mcastAddr === undefined ? {} : { mcastAddr: o.mcastAddr }),
      ...(o.ports === undefined ? {} : { ports: o.ports }),
      ...(o.totem === undefined ? {} : { totem: o.totem }),
      ...(o.reportDeliveries === undefined ? {} : { reportDeliveries: o.reportDeliveries }),
    }
    const specPath = join(this.#dir, `node-${id}.json`)
    const since = this.events.length
    const program = o.program === 'cluster' ? CLUSTER_NODE_PROCESS : NODE_PROCESS
    writeFileSync(specPath, JSON.stringify(o.program === 'cluster' ? clusterSpec(spec, this.#dir, o.cluster) : spec))
    const ns = o.namespace?.(id)
    const execArgv = [...(o.execArgv ?? [])]
    const env = { ...process.env, ...o.env?.(id) }
    const child = ns === undefined
      ? fork(program, [specPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env })
      : spawn('ip', ['netns', 'exec', ns, process.execPath, ...execArgv, program, specPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    this.#running.set(id, { child, exited })
    child.on('message', (message: ChildMessage) => {
      this.events.push({ node: id, message })
      for (const listener of [...this.#listeners]) listener()
    })
    void exited.then(() => {
      if (this.#running.get(id)?.child === child) this.#running.delete(id)
      for (const listener of [...this.#listeners]) listener()
    })
    const mine = (): ChildMessage[] => this.events.slice(since).filter((e) => e.node === id).map((e) => e.message)
    await this.waitFor(() => mine().some((e) => e.t === 'ready' || e.t === 'error'), 15_000, `node ${id} to start`)
    const failed = mine().find((e) => e.t === 'error')
    if (failed !== undefined && failed.t === 'error') throw new Error(`node ${id} failed to start: ${failed.message}`)
  }

  async startAll(): Promise<void> {
    await Promise.all(this.options.nodeIds.map((id) => this.start(id)))
  }

  send(id: NodeId, message: ParentMessage): void {
    const running = this.#running.get(id)
    if (running === undefined) throw new Error(`node ${id} is not running`)
    running.child.send(message)
  }

  /** Sends a request and resolves with the node's next message of type `reply`. */
  async request<T extends ChildMessage['t']>(id: NodeId, message: ParentMessage, reply: T, timeoutMs = 60_000): Promise<Extract<ChildMessage, { t: T }>> {
    const from = this.events.length
    this.send(id, message)
    let found: ChildMessage | undefined
    await this.waitFor(() => {
      found = this.events.slice(from).find((e) => e.node === id && e.message.t === reply)?.message
      return found !== undefined
    }, timeoutMs, `node ${id} to answer ${message.t}`)
    return found as Extract<ChildMessage, { t: T }>
  }

  /** Sends a signal to a node process by PID (SIGKILL, SIGSTOP, SIGCONT, SIGTERM). */
  signal(id: NodeId, signal: NodeJS.Signals): void {
    const pid = this.pid(id)
    if (pid === undefined) throw new Error(`node ${id} is not running`)
    process.kill(pid, signal)
  }

  async kill(id: NodeId): Promise<void> {
    const running = this.#running.get(id)
    if (running === undefined) return
    this.signal(id, 'SIGKILL')
    await running.exited
  }

  /** Graceful: the node leaves the ring, then exits. */
  async stop(id: NodeId): Promise<void> {
    const running = this.#running.get(id)
    if (running === undefined) return
    running.child.send({ t: 'stop' } satisfies ParentMessage)
    await Promise.race([running.exited, new Promise((resolve) => setTimeout(resolve, 5000))])
    await this.kill(id)
  }

  /** Waits until `done` holds, re-checking on every message; rejects after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        this.#listeners.delete(check)
      }
      this.#listeners.add(check)
    })
  }

  /** The last regular configuration each node reported. */
  lastRegular(id: NodeId): Extract<ChildMessage, { t: 'config' }> | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!
      if (e.node === id && e.message.t === 'config' && e.message.kind === 'regular') return e.message
    }
    return undefined
  }

  /** Resolves when every listed node's last regular configuration is the same ring of exactly them. */
  async waitForRing(ids: readonly NodeId[], timeoutMs: number): Promise<Extract<ChildMessage, { t: 'config' }>[]> {
    const want = [...ids].sort((a, b) => a - b).join(',')
    const configs = (): (Extract<ChildMessage, { t: 'config' }> | undefined)[] => ids.map((id) => this.lastRegular(id))
    await this.waitFor(() => {
      const all = configs()
      const first = all[0]
      return first !== undefined && all.every((c) => c !== undefined && c.members.join(',') === want &&
        c.ringId.rep === first.ringId.rep && c.ringId.seq === first.ringId.seq)
    }, timeoutMs, `ring [${want}]`)
    return configs() as Extract<ChildMessage, { t: 'config' }>[]
  }

  /** Ends every process this cluster started (by PID) and removes its files. */
  async close(): Promise<void> {
    const all = [...this.#running.entries()]
    for (const [id, running] of all) {
      if (running.child.exitCode === null) {
        try { this.signal(id, 'SIGCONT') } catch { /* already gone */ }
        try { this.signal(id, 'SIGKILL') } catch { /* already gone */ }
      }
    }
    await Promise.all(all.map(([, r]) => r.exited))
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

/** The Cluster options of a node process, from the same spec the engine-level processes use. */
function clusterSpec(spec: NodeSpec, dir: string, extra: Partial<ClusterOptions> | undefined): ClusterNodeSpec {
  const options: ClusterOptions = {
    clusterName: spec.clusterName, nodeId: spec.self, nodes: spec.nodes, port: spec.port, transport: spec.transport, stateDir: dir,
    ...(spec.totem === undefined ? {} : { totem: spec.totem }),
    ...(spec.mcastAddr === undefined ? {} : { mcastAddr: spec.mcastAddr }),
    ...extra,
  }
  return { options, ...(spec.reportDeliveries === undefined ? {} : { reportDeliveries: spec.reportDeliveries }) }
}
