/**
 * `ts-ha/testing`: the deterministic simulator ts-ha is tested with, for
 * testing your own failover logic. Real engines and the real codec run under a
 * virtual clock and a seeded network; one seed reproduces a run exactly.
 *
 * @packageDocumentation
 */
export { Simulation } from './simulation.js'
export type { CorruptionStats, SimulationOptions } from './simulation.js'
export { SimNetwork } from './network.js'
export type { DropReason as NetworkDropReason, NetworkOptions, NetworkStats, SimNetworkInit } from './network.js'
export { FaultProcess } from './faults.js'
export type { FaultOptions, FaultProcessInit, PartitionMode } from './faults.js'
export { Prng, seedFrom } from './prng.js'
export type { Ratio } from './prng.js'
export { drawScenario } from './scenario.js'
export type { Scenario, ProcessFaults, WorkloadOptions } from './scenario.js'
export { runScenario, replayCommand, SimulationFailure } from './swarm.js'
export type { RunOptions, RunReport } from './swarm.js'
export { OrderChecker } from './checkers/order.js'
export { VirtualSynchronyChecker } from './checkers/virtual-synchrony.js'
export { InvariantViolation } from './checkers/violation.js'
export type { Incarnation, MessageId, Observer } from './checkers/observer.js'
export { EventHeap } from './heap.js'
export type { HeapEntry } from './heap.js'
export { SimNode } from './sim-node.js'
export type { SimCore, SimCoreFactory, SimCoreInit } from './sim-core.js'
export { Trace } from './trace.js'
