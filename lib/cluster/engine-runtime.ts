import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { readAuthKey } from '../crypto/authkey.js'
import { ConfigError } from '../errors.js'
import { systemClock } from '../runtime/clock.js'
import { CoreDriver } from '../runtime/core-driver.js'
import { testFrameChecksum, withTestFaults } from '../runtime/test-hooks.js'
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
import type { LogLevel } from './logger.js'
import type { ClusterOptions } from './options.js'
import { MAIN_CLIENT, type EngineOptions, type EngineStats, type FromEngine, type ToEngine } from './protocol.js'
import { engineRingStore } from './ring-seq.js'
import { createTransport } from './transport-factory.js'

const STATS_INTERVAL_MS = 1000
/** Room for the service envelope and CPG header around a maximal CPG message. */
const SERVICE_OVERHEAD_BYTES = 4096

/** Effective Totem configuration of a cluster node (what CMAP's runtime.config.totem.* shows). */
export function clusterTotemConfig(options: Pick<ClusterOptions, 'totem' | 'nodes'>): TotemConfig {
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

  constructor(options: EngineOptions, send: (message: FromEngine) => void, hub?: MemoryHub) {
    this.#send = send
    const log = (level: LogLevel, layer: string, msg: string): void => { send({ t: 'log', record: { level, layer, msg } }) }
    const config = clusterTotemConfig(options)
    const ids = options.nodes.map((n) => n.nodeId)
    // The secret first: a missing key is the likelier mistake, and it must not leave a bound socket behind.
    const authKey = secretOf(options)
    const raw = withTestFaults(createTransport(options, frameSizeMaxFor(config), hub))
    this.#transport = authKey === undefined ? raw : secure(raw, { authKey, clusterName: options.clusterName, nodeId: options.nodeId })
    const frameSizeMax = Math.min(frameSizeMaxFor(config), this.#transport.frameSizeMax)
    const ring = engineRingStore(options.ringFile, log)
    this.#host = new ServiceHost({
      self: options.nodeId, nodes: ids, config, ringSeq: ring.initialSeq, services: services(options), seed: options.nodeId,
      envelopeBytes: frameSizeMaxFor(config) - frameSizeMax, log: (message, layer) => { log(levelOf(message), layer ?? 'totem', message) },
    })
    const store = ring.store
    this.#driver = new CoreDriver<HostEvent>({
      self: options.nodeId, core: this.#host, transport: this.#transport, store, clock: systemClock,
      codec: new FrameCodec({
        clusterName: options.clusterName, nodes: ids, frameSizeMax, checksum: this.#transport.authenticated !== true && testFrameChecksum(),
      }),
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

/** The authkey, read where the engine runs; its problems are ConfigErrors naming the option. */
function secretOf(options: ClusterOptions): Uint8Array | undefined {
  const secauth = options.secauth ?? false
  if (secauth === false) return undefined
  let authKey: Uint8Array
  try {
    authKey = 'key' in secauth ? secauth.key : readAuthKey(secauth.keyFile)
  } catch (error) {
    throw new ConfigError('secauth.keyFile', (error as Error).message, undefined, { cause: error })
  }
  if (authKey.length < 128) throw new ConfigError('key' in secauth ? 'secauth.key' : 'secauth.keyFile', 'secauth keys are at least 128 bytes (ts-ha keygen writes 256)')
  return authKey
}

/**
 * What corosync logs at info level from these layers: a processor failing and
 * sync completing. The rest of the engine's log is debug detail.
 */
const INFO_MESSAGES = [/^A processor failed/, /^Completed service synchronization/]

function levelOf(message: string): LogLevel {
  return INFO_MESSAGES.some((re) => re.test(message)) ? 'info' : 'debug'
}

