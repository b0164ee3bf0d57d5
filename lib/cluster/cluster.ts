import { EventEmitter } from 'eventemitter3'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { configFromConf, loadConfigFile, parseConfText, type ParsedConfig, type ParseOptions } from '../config/index.js'
import { ClusterError, ConfigError } from '../errors.js'
import { CmapStore } from '../services/cmap/store.js'
import { configKeys, memberKeys, statsKeys } from '../services/cmap/populate.js'
import type { CpgEvent } from '../services/cpg/types.js'
import type { HostEvent } from '../services/host.js'
import type { QuorumEvent } from '../services/quorum/types.js'
import type { NodeId } from '../totem/ring-id.js'
import type { MemoryHub } from '../transport/memory.js'
import { NodeShell } from '../shell/node-shell.js'
import { CheckpointsApi, type CheckpointEvent } from './checkpoints-api.js'
import { CmapApi } from './cmap-api.js'
import { CpgApi } from './cpg-api.js'
import { clusterTotemConfig } from './engine-runtime.js'
import { EngineLink } from './link.js'
import { LocksApi, type LockLostEvent } from './locks-api.js'
import { Membership, type Member, type MembershipEvent, type ClusterRingId } from './membership.js'
import type { ClusterOptions } from './options.js'
import type { EngineStats } from './protocol.js'
import { QuorumApi, type QuorumInfo } from './quorum-api.js'
import { Singleton, type SingletonOptions, type SingletonTask } from './singleton.js'
import { validateOptions } from './validate.js'

export type { Member, MembershipEvent, ClusterRingId } from './membership.js'

export interface ClusterWarning {
  readonly code: string
  readonly message: string
}

export type ClusterEvents = {
  /** After every configuration change: the new members, who joined, who left. */
  membership: (event: MembershipEvent) => void
  quorum: (info: QuorumInfo) => void
  /** Conditions an operator should see (token warnings, process pauses, continuous gather…). */
  warning: (warning: ClusterWarning) => void
  /** The engine failed; the cluster is stopped. */
  error: (error: ClusterError) => void
}

/** Options accepted by `new Cluster(...)`: the cluster options, plus the in-process hub for transport 'memory'. */
export interface ClusterInit extends ClusterOptions {
  readonly memoryHub?: MemoryHub
}

/**
 * One node of a ts-ha cluster: Totem membership and total order, closed
 * process groups (`cpg`), quorum (`quorum`), configuration and statistics
 * (`cmap`), replicated checkpoints (`checkpoints`), distributed locks
 * (`locks`) and singletons. The engine runs in a worker thread unless
 * `engine: 'inline'`.
 *
 * @example
 * ```ts
 * const cluster = new Cluster({ clusterName: 'demo', nodeId: 1, nodes: [{ nodeId: 1, addr: '127.0.0.1' }, { nodeId: 2, addr: '127.0.0.2' }] })
 * await cluster.start()
 * const group = await cluster.cpg.join('chat')
 * group.on('message', (data, from) => console.log(from.nodeId, data.toString()))
 * await group.send('hello')
 * ```
 */
export class Cluster extends EventEmitter<ClusterEvents> {
  readonly nodeId: NodeId
  readonly options: ClusterOptions
  readonly cpg: CpgApi
  readonly quorum: QuorumApi
  readonly cmap: CmapApi
  readonly checkpoints: CheckpointsApi
  readonly locks: LocksApi
  /** Cluster membership service (CLM): members with names and addresses. */
  readonly clm: Membership
  readonly #link: EngineLink
  readonly #store = new CmapStore()
  readonly #hub: MemoryHub | undefined
  readonly #mainLag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  #ready: { resolve: () => void; reject: (e: ClusterError) => void } | undefined
  /** Admin socket and metrics listener (main thread). */
  readonly #shell: NodeShell

  constructor(init: ClusterInit) {
    super()
    const { memoryHub, ...options } = init
    this.options = validateOptions(options)
    this.nodeId = options.nodeId
    this.#hub = memoryHub
    this.#link = new EngineLink({
      event: (e) => { this.#onEvent(e) },
      stats: (s) => { this.#onStats(s) },
      failed: (e) => { this.#onFailed(e) },
    })
    const provider = options.quorum?.provider ?? 'votequorum'
    const expected = options.quorum?.expectedVotes ?? options.nodes.reduce((n, node) => n + (node.votes ?? 1), 0)
    this.cpg = new CpgApi(this.#link)
    this.quorum = new QuorumApi(this.#link, provider, expected)
    this.cmap = new CmapApi(this.#store)
    this.checkpoints = new CheckpointsApi(this.#link)
    this.locks = new LocksApi(this.#link)
    this.clm = new Membership(options.nodes)
    configKeys(this.#store, this.options, clusterTotemConfig(this.options))
    this.#shell = new NodeShell(this)
  }

  /** Parses corosync.conf text (totem, interface, nodelist, quorum, logging); bad values throw ConfigError with key and line. */
  static parseConfig(text: string, options?: ParseOptions): ParsedConfig {
    return configFromConf(parseConfText(text, undefined, options))
  }

  /** A Cluster from a corosync.conf file; this node is found by its addresses unless `overrides.nodeId` says. */
  static fromConfigFile(path: string, overrides: Partial<ClusterInit> = {}): Cluster {
    const { memoryHub, ...rest } = overrides
    const loaded = loadConfigFile(path, rest)
    return new Cluster({ ...loaded.options, ...(memoryHub === undefined ? {} : { memoryHub }) })
  }

  get members(): readonly Member[] { return this.clm.members }
  /** The admin socket `ts-ha` commands reach this node by, while it serves one. */
  get adminSocket(): string | undefined { return this.#shell.adminSocket }
  /** `http://host:port/` of the metrics and status-page listener, while it serves (option `metrics`). */
  get metricsUrl(): string | undefined { return this.#shell.metricsUrl }

  /** This node's metrics in the Prometheus text format (what `/metrics` serves). */
  metrics(): Promise<string> { return this.#shell.metrics() }
  get ringId(): ClusterRingId | undefined { return this.clm.ringId }

  /** Resolves once this node is operational in a formed ring with its services synchronised. */
  async start(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#link.state !== 'idle') throw new ClusterError('ERR_INVALID_ARGUMENT', `start() was already called (the cluster is ${this.#link.state})`)
    options.signal?.throwIfAborted()
    this.#mainLag.enable()
    const ready = new Promise<void>((resolve, reject) => { this.#ready = { resolve, reject } })
    const onAbort = (): void => { void this.stop().finally(() => this.#ready?.reject(new ClusterError('ERR_ABORTED', 'start() was aborted', { cause: options.signal?.reason }))) }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.#shell.open()
      await this.#link.open(this.options, this.#hub)
      await ready
    } catch (error) {
      await this.#shell.close()
      throw error
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * Runs `task` on exactly one node of the quorate partition at a time: every
   * node that calls this competes, the winner runs the task with an abort
   * signal and a fencing token, and the next one takes over when it fails,
   * leaves or loses quorum.
   *
   * @example
   * ```ts
   * cluster.singleton('nightly-report', async (signal, token) => {
   *   while (!signal.aborted) { await runReport(token); await sleep(60_000, undefined, { signal }) }
   * })
   * ```
   */
  singleton(name: string, task: SingletonTask, options?: SingletonOptions): Singleton {
    return new Singleton(this.locks, name, task, options)
  }

  /** Leaves the cluster gracefully: peers see a leave, not a failure. */
  async stop(): Promise<void> {
    this.#mainLag.disable()
    await this.#shell.close()
    await this.#link.close()
    const stopped = new ClusterError('ERR_STOPPED', 'the cluster was stopped')
    this.cpg.closeAll(stopped)
    this.locks.closeAll(stopped)
    this.checkpoints.closeAll()
    this.#ready?.reject(new ClusterError('ERR_STOPPED', 'the cluster was stopped before it formed a ring'))
    this.#ready = undefined
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  #onEvent(event: HostEvent): void {
    switch (event.type) {
      case 'configuration': {
        const change = this.clm.apply(event.change)
        if (change !== undefined) {
          memberKeys(this.#store, this.clm.cmapMembers())
          this.emit('membership', change)
          const info = this.quorum.membersChanged(change.members.map((m) => m.nodeId))
          if (info !== undefined) this.emit('quorum', info)
        }
        return
      }
      case 'sync':
        if (event.phase === 'completed' && this.#ready !== undefined) {
          this.#ready.resolve()
          this.#ready = undefined
        }
        return
      case 'service':
        if (event.service === 'cpg') this.cpg.dispatch(event.event as CpgEvent)
        if (event.service === 'lck') this.locks.dispatch(event.event as LockLostEvent)
        if (event.service === 'ckpt') this.checkpoints.dispatch(event.event as CheckpointEvent)
        if (event.service === 'votequorum' && this.quorum.update(event.event as QuorumEvent)) this.emit('quorum', this.quorum.info)
        return
      case 'warning':
        this.emit('warning', { code: event.code, message: event.message })
        return
      default:
        return
    }
  }

  #onStats(stats: EngineStats): void {
    statsKeys(this.#store, stats.srp, stats.transport, {
      rxDropped: { ...stats.rxDropped, ...(stats.secure ?? {}) },
      eventLoopLagMs: stats.engineLagMs,
      mainThreadStallMs: this.#mainLag.max / 1e6,
    })
    this.#mainLag.reset()
  }

  #onFailed(error: ClusterError): void {
    void this.#shell.close()
    this.#ready?.reject(error)
    this.#ready = undefined
    this.cpg.closeAll(error)
    this.locks.closeAll(error)
    this.checkpoints.closeAll()
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}

export { ConfigError }
