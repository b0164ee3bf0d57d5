import type { TotemEngine } from '../totem/engine.js'
import type { SimCore } from './sim-core.js'
import type { NodeId } from '../totem/ring-id.js'

/** Datagrams a paused process can have waiting in its socket buffer before the kernel drops more. */
export const PAUSED_INBOX_MAX = 2000

/** One simulated process hosting a Totem engine, and what survives its crashes. */
export class SimNode {
  readonly id: NodeId
  /** Bumped at every (re)start; messages and checker state are per incarnation. */
  incarnation = 0
  core: SimCore | undefined
  /** The ring seq on "disk": survives crashes, like corosync's ringid file. */
  storedRingSeq = 0
  pausedUntil: number | undefined
  /** Datagrams waiting while paused; `altered` when the network damaged them. */
  readonly inbox: { readonly bytes: Uint8Array; readonly altered: boolean }[] = []
  inboxDropped = 0
  timerEvent: number | undefined
  timerAt = Infinity
  /** Next workload counter, and how many messages this incarnation had accepted. */
  nextCounter = 0
  accepted = 0
  refused = 0
  waitingWritable = false
  /** Between a transitional configuration and its regular one. */
  inTransitional = false

  constructor(id: NodeId) {
    this.id = id
  }

  get engine(): TotemEngine | undefined {
    return this.core?.engine
  }

  get alive(): boolean {
    return this.engine !== undefined && this.engine.state !== 'stopped'
  }

  get paused(): boolean {
    return this.pausedUntil !== undefined
  }
}
