import type { ConfigurationChange, Delivery } from '../../totem/events.js'
import type { NodeId } from '../../totem/ring-id.js'

/** Identity of an application message in the simulator: origin, incarnation and counter. */
export interface MessageId {
  readonly origin: NodeId
  readonly incarnation: number
  readonly counter: number
}

export function messageKey(id: MessageId): string {
  return `${id.origin}/${id.incarnation}/${id.counter}`
}

/** One node process: a node id and how many times it has been (re)started. */
export interface Incarnation {
  readonly node: NodeId
  readonly incarnation: number
}

/**
 * What checkers observe. They live outside the code under test and see only
 * its outputs (and, for a few safety checks, read-only introspection).
 */
export interface Observer {
  submitted?(at: number, id: MessageId): void
  delivered?(at: number, who: Incarnation, id: MessageId, delivery: Delivery): void
  configuration?(at: number, who: Incarnation, change: ConfigurationChange): void
  crashed?(at: number, who: Incarnation): void
}
