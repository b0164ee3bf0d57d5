import type { McastResult } from '../totem/events.js'
import { ringIdEqual, type NodeId, type RingId } from '../totem/ring-id.js'
import type { SyncMessage } from './envelope.js'
import type { Service, ServiceContext } from './service.js'

export interface SyncHooks {
  /** Local services, in ascending id. */
  readonly services: readonly Service[]
  context(service: Service): ServiceContext
  send(message: SyncMessage): McastResult
  completed(ring: RingId): void
  log(message: string): void
}

type Phase = 'idle' | 'building' | 'processing'

/**
 * One round of service synchronisation after a configuration change
 * (corosync sync.c, "sync v2"): every member announces its services; then,
 * one service at a time in id order, every member sends its state and a
 * barrier; when all barriers of a service are delivered every member
 * activates it at the same point of the total order. A new configuration
 * aborts the round.
 */
export class SyncRound {
  readonly #hooks: SyncHooks
  #phase: Phase = 'idle'
  #ring: RingId | undefined
  #members: readonly NodeId[] = []
  #received = new Set<NodeId>()
  #union = new Set<number>()
  #order: number[] = []
  #index = 0
  #listSent = false
  #processed = false
  #barrierSent = false

  constructor(hooks: SyncHooks) {
    this.#hooks = hooks
  }

  get active(): boolean {
    return this.#phase !== 'idle'
  }

  get ring(): RingId | undefined {
    return this.#ring
  }

  start(ring: RingId, transitional: readonly NodeId[], members: readonly NodeId[]): void {
    this.#phase = 'building'
    this.#ring = ring
    this.#members = members
    this.#received = new Set()
    this.#union = new Set(this.#hooks.services.map((s) => s.id))
    this.#order = []
    this.#index = 0
    this.#listSent = false
    const trans = transitional.filter((id) => members.includes(id))
    for (const service of this.#hooks.services) service.syncInit(this.#hooks.context(service), trans, members, ring)
    this.pump()
  }

  /** A configuration change interrupted the round: services forget what they gathered (corosync PR #828). */
  abort(): void {
    if (this.#phase === 'idle') return
    if (this.#phase === 'processing') {
      const current = this.#local(this.#order[this.#index])
      if (current !== undefined) current.syncAbort(this.#hooks.context(current))
    } else {
      for (const service of this.#hooks.services) service.syncAbort(this.#hooks.context(service))
    }
    this.#hooks.log(`sync of ring ${this.#ring?.rep}.${this.#ring?.seq} aborted`)
    this.#phase = 'idle'
    this.#ring = undefined
  }

  /** Makes whatever progress is possible now (sends that were refused are retried here). */
  pump(): void {
    const ring = this.#ring
    if (ring === undefined) return
    if (this.#phase === 'building' && !this.#listSent) {
      const services = this.#hooks.services.map((s) => s.id)
      this.#listSent = this.#hooks.send({ ring, kind: 'service-list', services }) === 'ok'
      return
    }
    if (this.#phase !== 'processing' || this.#barrierSent) return
    const serviceId = this.#order[this.#index]!
    const service = this.#local(serviceId)
    if (!this.#processed) this.#processed = service === undefined || service.syncProcess(this.#hooks.context(service))
    if (this.#processed) this.#barrierSent = this.#hooks.send({ ring, kind: 'barrier', service: serviceId }) === 'ok'
  }

  onMessage(from: NodeId, message: SyncMessage): void {
    if (this.#ring === undefined || !ringIdEqual(message.ring, this.#ring) || !this.#members.includes(from)) return
    if (message.kind === 'service-list' && this.#phase === 'building') {
      for (const id of message.services) this.#union.add(id)
      this.#received.add(from)
      if (this.#received.size === this.#members.length) this.#enterProcessing()
    } else if (message.kind === 'barrier' && this.#phase === 'processing' && message.service === this.#order[this.#index]) {
      this.#received.add(from)
      if (this.#received.size === this.#members.length) this.#barrierReached()
    }
    this.pump()
  }

  #enterProcessing(): void {
    this.#phase = 'processing'
    this.#order = [...this.#union].sort((a, b) => a - b)
    this.#index = 0
    this.#nextService()
  }

  #barrierReached(): void {
    const service = this.#local(this.#order[this.#index])
    if (service !== undefined) service.syncActivate(this.#hooks.context(service))
    this.#index++
    if (this.#index < this.#order.length) {
      this.#nextService()
      return
    }
    const ring = this.#ring!
    this.#phase = 'idle'
    this.#ring = undefined
    this.#hooks.completed(ring)
  }

  #nextService(): void {
    this.#received = new Set()
    this.#processed = false
    this.#barrierSent = false
  }

  #local(id: number | undefined): Service | undefined {
    return this.#hooks.services.find((s) => s.id === id)
  }
}
