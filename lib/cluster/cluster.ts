import { EventEmitter } from 'eventemitter3'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { configFromConf, loadConfigFile, parseConfText, type ParsedConfig, type ParseOptions } from '../config/index.js'
import { abortError, ClusterError, ConfigError, throwIfAborted } from '../errors.js'
import { CmapStore } from '../services/cmap/store.js'
import { configKeys, memberKeys, statsKeys } from '../services/cmap/populate.js'
import type { CpgEvent } from '../services/cpg/types.js'
import type { HostEvent } from '../services/host.js'
import type { QuorumEvent } from '../services/quorum/types.js'
import type { ConfigurationChange } from '../totem/events.js'
import type { NodeId } from '../totem/ring-id.js'
import type { MemoryHub } from '../transport/memory.js'
import { NodeShell } from '../shell/node-shell.js'
import { CheckpointsApi, type CheckpointEvent } from './checkpoints-api.js'
import { CmapApi } from './cmap-api.js'
import { CpgApi } from './cpg-api.js'
import { clusterTotemConfig } from './engine-runtime.js'
import { EngineLink } from './link.js'
import { LocksApi, type LockLostEvent } from './locks-api.js'
import { membershipLine, quorumLine } from './event-log.js'
import { NodeLog } from './logger.js'
import { Membership, type Member, type MembershipEvent, type ClusterRingId } from './membership.js'
import type { ClusterOptions } from './options.js'
import type { EngineOptions, EngineStats } from './protocol.js'
import { QuorumApi, type QuorumInfo } from './quorum-api.js'
import { deadlineOf, type ReadyCondition, Readiness, remaining } from './readiness.js'
import { Singleton, type SingletonOptions, type SingletonTask } from './singleton.js'
import { ringFile } from './state-dir.js'
import { clusterStatus, type ClusterStatus } from './status.js'
import { args, check, validateOptions } from './validate.js'

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
 * What `start()` waits for once the engine runs: `ring` (default) a formed
 * ring with synchronised services, possibly of this node alone; `quorum` also
 * quorum; `all` every node of the nodelist; `{ members: n }` at least n members.
 */
export type WaitFor = 'ring' | 'quorum' | 'all' | { readonly members: number }

export interface StartOptions {
  /** @default 'ring' */
  readonly waitFor?: WaitFor
  /** Gives up (`ERR_ABORTED`, the reason as `cause`) and stops the engine again. */
  readonly signal?: AbortSignal
  /** Gives up with `ERR_TIMEOUT` after this long, and stops the engine again. */
  readonly timeoutMs?: number
}

/** What `ready()` waits for, beyond a synchronised ring. */
export interface ReadyOptions extends ReadyCondition {
  readonly signal?: AbortSignal
  /** Rejects `ERR_TIMEOUT` after this long. */
  readonly timeoutMs?: number
}

export interface StopOptions {
  /** Cuts the graceful part short: the engine ends at once, and stop() rejects `ERR_ABORTED` once it has. */
  readonly signal?: AbortSignal
  /** Bound of the graceful part (leaving groups, releasing locks, closing checkpoints, leaving the ring). @default max(5000, 2 × token) */
  readonly timeoutMs?: number
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
 * await cluster.start({ waitFor: 'quorum', signal: AbortSignal.timeout(30_000) })
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
  readonly #readiness = new Readiness()
  readonly #log: NodeLog
  readonly #engine: EngineOptions
  #stats: EngineStats | undefined
  #stopping: Promise<void> | undefined
  /** Admin socket and metrics listener (main thread). */
  readonly #shell: NodeShell

  constructor(init: ClusterInit) {
    super()
    const { memoryHub, ...options } = validateOptions(init)
    this.options = options
    this.nodeId = options.nodeId
    this.#hub = memoryHub
    this.#log = new NodeLog(options.logger, options.nodeId)
    const { logger: _logger, engineWorker: _worker, stateDir: _dir, ...plain } = options
    this.#engine = { ...plain, ringFile: ringFile(options) }
    this.#link = new EngineLink({
      event: (e) => { this.#onEvent(e) },
      stats: (s) => { this.#onStats(s) },
      failed: (e) => { this.#onFailed(e) },
      log: (r) => { this.#log.record(r) },
    })
    const provider = options.quorum?.provider ?? 'votequorum'
    const expected = options.quorum?.expectedVotes ?? options.nodes.reduce((n, node) => n + (node.votes ?? 1), 0)
    this.cpg = new CpgApi(this.#link, this.#readiness)
    this.quorum = new QuorumApi(this.#link, provider, expected)
    this.cmap = new CmapApi(this.#store)
    this.checkpoints = new CheckpointsApi(this.#link, this.#readiness)
    this.locks = new LocksApi(this.#link, this.#readiness)
    this.clm = new Membership(options.nodes)
    this.#readiness.update({ quorate: this.quorum.quorate })
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

  /**
   * Starts the engine and resolves once this node is operational in a formed
   * ring with its services synchronised, and what `waitFor` asks holds. A
   * ring formed alone is the usual first state when nodes start together: use
   * `waitFor: 'quorum'` before taking locks. Rejects exactly once (bind
   * failure, bad authkey, abort, timeout); after a failure to start, start()
   * may be called again.
   */
  async start(options: StartOptions = {}): Promise<void> {
    check(args.start, options, 'options')
    const state = this.#link.state
    if (state !== 'idle') {
      throw new ClusterError(state === 'stopped' ? 'ERR_STOPPED' : 'ERR_INVALID_ARGUMENT', `start() was already called (the cluster is ${state})`)
    }
    throwIfAborted(options.signal, 'start()')
    const deadline = deadlineOf(options.timeoutMs)
    this.#readiness.reset()
    this.#mainLag.enable()
    const inline = this.options.engine === 'inline' || this.options.transport === 'memory'
    try {
      await this.#shell.open()
      await this.#link.open(this.#engine, { inline, hub: this.#hub, engineWorker: this.options.engineWorker })
    } catch (error) {
      this.#mainLag.disable()
      await this.#shell.close()
      throw error
    }
    this.#readiness.update({ running: true })
    try {
      await this.#readiness.wait(this.#condition(options.waitFor ?? 'ring'), { signal: options.signal, deadline, what: 'start()' })
    } catch (error) {
      if (this.#link.state === 'running') await this.#halt()
      throw error
    }
  }

  /**
   * Resolves when this node is in a synchronised ring and, as asked, quorate
   * and with at least `members` members; at once if that holds now. Rejects
   * `ERR_TIMEOUT`, `ERR_ABORTED`, or `ERR_STOPPED` when the cluster stops.
   *
   * @example
   * ```ts
   * await cluster.ready({ quorate: true, signal: AbortSignal.timeout(30_000) })
   * ```
   */
  async ready(options: ReadyOptions = {}): Promise<void> {
    check(args.ready, options, 'options')
    const condition = { ...(options.quorate === undefined ? {} : { quorate: options.quorate }), ...(options.members === undefined ? {} : { members: options.members }) }
    await this.#readiness.wait(condition, { signal: options.signal, deadline: deadlineOf(options.timeoutMs), what: 'ready()' })
  }

  /** One plain-JSON snapshot of this node (what an ops endpoint returns): ring, members, quorum, groups, locks, checkpoints, engine stats. */
  status(): ClusterStatus {
    return clusterStatus({
      nodeId: this.nodeId, clusterName: this.options.clusterName, state: this.#link.state, ready: this.#readiness.holds({}),
      clm: this.clm, quorum: this.quorum.info, groups: this.cpg.joined, locks: this.locks.snapshot, checkpoints: this.checkpoints.opened, stats: this.#stats,
    })
  }

  #condition(waitFor: WaitFor): ReadyCondition {
    if (waitFor === 'ring') return {}
    if (waitFor === 'quorum') return { quorate: true }
    if (waitFor === 'all') return { members: this.options.nodes.length }
    return { members: waitFor.members }
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
    return new Singleton(this.locks, this.#log, name, task, options)
  }

  /**
   * Leaves the cluster gracefully: every CPG group first (peers see reason
   * `leave`, not `nodedown`), locks released, checkpoints closed, then the
   * ring. Bounded by `timeoutMs`; `signal` cuts it short. Idempotent.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    check(args.stop, options, 'options')
    this.#stopping ??= this.#stop(options)
    await this.#stopping
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  async #stop(options: StopOptions): Promise<void> {
    const { signal } = options
    await this.#shell.close()
    const deadline = deadlineOf(options.timeoutMs ?? Math.max(5000, 2 * clusterTotemConfig(this.options).token))
    if (this.#link.state === 'running' && signal?.aborted !== true) {
      const graceful = Promise.allSettled([this.cpg.leaveAll(), this.locks.releaseAll(), this.checkpoints.closeEvery()])
      await bounded(graceful, remaining(deadline), signal)
    }
    await this.#link.close(remaining(deadline), signal?.aborted !== true)
    this.#closed(new ClusterError('ERR_STOPPED', 'the cluster was stopped'))
    if (signal?.aborted === true) throw abortError(signal, 'stop()')
  }

  /** Ends the engine without the graceful part (an abandoned start). */
  async #halt(): Promise<void> {
    await this.#link.close(0, false)
    this.#closed(new ClusterError('ERR_STOPPED', 'the cluster was stopped'))
  }

  #closed(error: ClusterError): void {
    void this.#shell.close()
    this.#mainLag.disable()
    this.#readiness.end(error)
    this.cpg.closeAll(error)
    this.locks.closeAll(error)
    this.checkpoints.closeAll()
  }

  #onEvent(event: HostEvent): void {
    switch (event.type) {
      case 'configuration': return this.#onConfiguration(event.change)
      case 'sync':
        this.#readiness.update({ synced: event.phase === 'completed' })
        return
      case 'service':
        if (event.service === 'cpg') this.cpg.dispatch(event.event as CpgEvent)
        if (event.service === 'lck') this.locks.dispatch(event.event as LockLostEvent)
        if (event.service === 'ckpt') this.checkpoints.dispatch(event.event as CheckpointEvent)
        if (event.service === 'votequorum') this.#onQuorum(event.event as QuorumEvent)
        return
      case 'warning':
        this.#log.log('warn', 'totem', event.message, { code: event.code })
        this.emit('warning', { code: event.code, message: event.message })
        return
      default:
        return
    }
  }

  #onConfiguration(configuration: ConfigurationChange): void {
    const change = this.clm.apply(configuration)
    if (change === undefined) return
    memberKeys(this.#store, this.clm.cmapMembers())
    this.#log.log('info', 'cluster', membershipLine(change), { ringId: `${change.ringId.rep}.${change.ringId.seq}` })
    this.#readiness.update({ members: change.members.length })
    this.emit('membership', change)
    const info = this.quorum.membersChanged(change.members.map((m) => m.nodeId))
    if (info !== undefined) this.#quorumChanged(info)
  }

  #onQuorum(event: QuorumEvent): void {
    const was = this.quorum.quorate
    if (!this.quorum.update(event)) return
    if (was !== this.quorum.quorate) this.#log.log('info', 'votequorum', quorumLine(this.quorum.info))
    this.#quorumChanged(this.quorum.info)
  }

  #quorumChanged(info: QuorumInfo): void {
    this.#readiness.update({ quorate: info.quorate })
    this.emit('quorum', info)
  }

  #onStats(stats: EngineStats): void {
    this.#stats = stats
    statsKeys(this.#store, stats.srp, stats.transport, {
      rxDropped: { ...stats.rxDropped, ...(stats.secure ?? {}) },
      eventLoopLagMs: stats.engineLagMs,
      mainThreadStallMs: this.#mainLag.max / 1e6,
    })
    this.#mainLag.reset()
  }

  #onFailed(error: ClusterError): void {
    this.#closed(error)
    if (this.listenerCount('error') > 0) {
      this.#log.log('error', 'cluster', 'the engine failed; the cluster is stopped', { err: error })
      this.emit('error', error)
    } else {
      this.#log.unheard('cluster', 'the engine failed; the cluster is stopped', error)
    }
  }
}

/** Waits for `work`, at most `ms` and until `signal` aborts (then it goes on in the background). */
async function bounded(work: Promise<unknown>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1))
    onAbort = resolve
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  await Promise.race([work, cut])
  clearTimeout(timer)
  if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
}

export { ConfigError }
