import type { TotemConfig } from '../totem/config.js'
import { TotemEngine } from '../totem/engine.js'
import type { Outgoing } from '../totem/events.js'
import type { NodeId } from '../totem/ring-id.js'
import type { Frame } from '../wire/frames.js'

/**
 * What the simulator runs on each node: a bare Totem engine, or a service host
 * (engine + services). Either way a pure state machine with the same shape.
 */
export interface SimCore {
  readonly engine: TotemEngine
  start(now: number): void
  receive(now: number, frame: Frame): void
  tick(now: number): void
  leave(now: number): void
  nextDeadline(): number
  takeOutput(): { readonly persistRingSeq: number | undefined; readonly sends: readonly Outgoing[]; readonly events: readonly unknown[] }
}

export interface SimCoreInit {
  readonly id: NodeId
  readonly nodes: readonly NodeId[]
  readonly config: TotemConfig
  readonly ringSeq: number
  readonly seed: number
  readonly incarnation: number
  readonly log: (message: string) => void
}

export type SimCoreFactory = (init: SimCoreInit) => SimCore

/** The default core: one Totem engine, checked at the level of application messages. */
export function totemCore(init: SimCoreInit): SimCore {
  const engine = new TotemEngine({ self: init.id, nodes: init.nodes, config: init.config, ringSeq: init.ringSeq, seed: init.seed, log: init.log })
  return {
    engine,
    start: (now) => { engine.start(now) },
    receive: (now, frame) => { engine.receive(now, frame) },
    tick: (now) => { engine.tick(now) },
    leave: (now) => { engine.leave(now) },
    nextDeadline: () => engine.nextDeadline(),
    takeOutput: () => engine.takeOutput(),
  }
}
