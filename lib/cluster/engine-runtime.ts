import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { join } from 'node:path'
import { readAuthKey } from '../crypto/authkey.js'
import { ClusterError } from '../errors.js'
import { systemClock } from '../runtime/clock.js'
import { CoreDriver } from '../runtime/core-driver.js'
import { fileRingStore, memoryRingStore } from '../runtime/ring-store.js'
import { CkptService } from '../services/ckpt/service.js'
import { CpgService } from '../services/cpg/service.js'
import { CPG_MESSAGE_SIZE_MAX } from '../services/cpg/types.js'
import { ServiceHost, type HostEvent } from '../services/host.js'
import { LckService } from '../services/lck/service.js'
import { votequorum } from '../services/quorum/votequorum.js'
import type { Service } from '../services/service.js'
import { frameSizeMaxFor, totemConfig, type TotemConfig } from '../totem/config.js'
import type { MemoryHub } from '../transport/memory.js'
import { secure } from '../transport/secure.js'
import type { Transport } from '../transport/transport.js'
import { FrameCodec } from '../wire/codec.js'
import type { ClusterOptions } from './options.js'
import { MAIN_CLIENT, type EngineStats, type FromEngine, type ToEngine } from './protocol.js'
import { createTransport } from './transport-factory.js'

const STATS_INTERVAL_MS = 1000
/** Room for the service envelope and CPG header around a maximal CPG message. */
const SERVICE_OVERHEAD_BYTES = 4096

/** Effective Totem configuration of a cluster node (what CMAP's runtime.config.totem.* shows). */
export function clusterTotemConfig(options: ClusterOptions): TotemConfig {
  return totemConfig({ ...options.totem, messageSizeMax: CPG_MESSAGE_SIZE_MAX + SERVICE_OVERHEAD_BYTES }, options.nodes.length)
}

/**
 * The engine side of a Cluster: transport (with secauth), Totem, the service
 * host and its services, driven by real time. Runs in a worker thread by
 * default so that a busy application event loop cannot stall the token.
 */
export class EngineRuntime {
  readonly #send: (message: FromEngine) => void
  readonly #host: ServiceHost
  readonly #driver: CoreDriver<HostEvent>
  readonly #transport: Transport
  readonly #lag: IntervalHistogram
  #statsTimer: NodeJS.Timeout | undefined

  constructor(options: ClusterOptions, send: (message: FromEngine) => void, hub?: MemoryHub) {
    this.#send = send
    const config = clusterTotemConfig(options)
    const ids = options.nodes.map((n) => n.nodeId)
    const raw = createTransport(options, frameSizeMaxFor(config), hub)
    this.#transport = wrapSecure(raw, options)
    const frameSizeMax = Math.min(frameSizeMaxFor(config), this.#transport.frameSizeMax)
    const store = options.stateDir === undefined ? memoryRingStore() : fileRingStore(join(options.stateDir, `ringid_${options.nodeId}`))
    this.#host = new ServiceHost({
      self: options.nodeId, nodes: ids, config, ringSeq: store.load(), services: services(options), seed: options.nodeId,
      envelopeBytes: frameSizeMaxFor(config) - frameSizeMax,
    })
    this.#driver = new CoreDriver<HostEvent>({
      self: options.nodeId, core: this.#host, transport: this.#transport, store, clock: systemClock,
      codec: new FrameCodec({ clusterName: options.clusterName, nodes: ids, frameSizeMax }),
      onEvent: (event) => { this.#send({ t: 'event', event }) },
    })
    this.#lag = monitorEventLoopDelay({ resolution: 10 })
  }

  async start(): Promise<void> {
    this.#lag.enable()
    await this.#driver.start()
    this.#statsTimer = setInterval(() => { this.#sendStats() }, STATS_INTERVAL_MS)
    this.#statsTimer.unref()
    this.#send({ t: 'started' })
    // Counters exist from the start (as in corosync), not only after the first interval.
    this.#sendStats()
  }

  handle(message: ToEngine): void {
    switch (message.t) {
      case 'request':
        this.#driver.step((now) => {
          this.#host.request(now, message.service, { client: MAIN_CLIENT, op: message.op, args: message.args, id: message.id })
        })
        return
      case 'stop':
        void this.stop().then(() => { this.#send({ t: 'stopped' }) })
    }
  }

  async stop(): Promise<void> {
    if (this.#statsTimer !== undefined) clearInterval(this.#statsTimer)
    this.#lag.disable()
    await this.#driver.stop()
  }

  #sendStats(): void {
    const secureStats = (this.#transport as { secureStats?: Record<string, number> }).secureStats
    const stats: EngineStats = {
      srp: { ...this.#host.engine.stats }, transport: { ...this.#transport.stats }, rxDropped: { ...this.#driver.rxDropped },
      engineLagMs: this.#lag.max / 1e6, unroutable: this.#host.unroutable, ...(secureStats === undefined ? {} : { secure: { ...secureStats } }),
    }
    this.#lag.reset()
    this.#send({ t: 'stats', stats })
  }
}

function services(options: ClusterOptions): Service[] {
  const list: Service[] = [
    new CpgService({ bootId: randomBytes(4).toString('hex') }),
    new CkptService({ nodes: options.nodes.map((n) => n.nodeId) }),
    new LckService({ lockDelayMs: options.locks?.lockDelayMs ?? 0 }),
  ]
  if ((options.quorum?.provider ?? 'votequorum') === 'votequorum') {
    list.push(votequorum({ self: options.nodeId, nodes: options.nodes, quorum: options.quorum ?? {} }))
  }
  return list
}

function wrapSecure(inner: Transport, options: ClusterOptions): Transport {
  const secauth = options.secauth ?? false
  if (secauth === false) return inner
  const authKey = 'key' in secauth ? secauth.key : readAuthKey(secauth.keyFile)
  if (authKey.length < 128) throw new ClusterError('ERR_CONFIG', 'secauth keys are at least 128 bytes (ts-ha keygen writes 256)')
  return secure(inner, { authKey, clusterName: options.clusterName, nodeId: options.nodeId })
}
