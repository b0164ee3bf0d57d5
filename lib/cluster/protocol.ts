import type { SerializedError } from '../errors.js'
import type { HostEvent } from '../services/host.js'
import type { SrpStats } from '../totem/srp/stats.js'
import type { TransportStats } from '../transport/transport.js'
import type { LogRecord } from './logger.js'
import type { ClusterOptions } from './options.js'
import type { RingFile } from './state-dir.js'

/**
 * Messages between the Cluster facade (main thread) and its engine (a worker
 * thread, or the same thread with `engine: 'inline'`): the library/daemon
 * split of corosync, over a MessagePort instead of IPC.
 */
export type ToEngine =
  | { readonly t: 'request'; readonly service: string; readonly op: string; readonly args: unknown; readonly id: number }
  | { readonly t: 'stop' }

/** What the engine is started with: plain data only (it is structured-cloned into the worker). */
export interface EngineOptions extends Omit<ClusterOptions, 'logger' | 'engineWorker' | 'stateDir'> {
  readonly ringFile: RingFile
}

export interface EngineStats {
  readonly srp: SrpStats
  readonly transport: TransportStats
  readonly rxDropped: Readonly<Record<string, number>>
  readonly secure?: Readonly<Record<string, number>>
  /** Worst event-loop delay of the engine's thread over the last interval. */
  readonly engineLagMs: number
  readonly unroutable: number
}

export type FromEngine =
  | { readonly t: 'started' }
  | { readonly t: 'failed'; readonly error: SerializedError }
  | { readonly t: 'event'; readonly event: HostEvent }
  | { readonly t: 'stats'; readonly stats: EngineStats }
  | { readonly t: 'log'; readonly record: LogRecord }
  | { readonly t: 'stopped' }

/** The one client connection a Cluster instance is to its engine. */
export const MAIN_CLIENT = 'main'
