/**
 * `ts-ha/pacemaker`: Pacemaker interoperability — CIB XML import, plus the
 * scheduler and simulation entry points that accept what it produces.
 *
 * @module
 */
export { importPacemakerCib, toScheduleInput, type ImportedCib, type ImportOptions } from './xml-import.js'
export { schedule, type ScheduleInput, type ScheduleResult } from '../scheduler/schedule.js'
export type { ScheduledAction, ScheduledEdge } from '../scheduler/graph.js'
export { simulate, formatSimulation, type SimulateOptions, type SimulateResult } from '../simulate.js'
export { formatStatus, type FormatStatusOptions } from '../status/format-text.js'
export type { ClusterStatusView, NodeView, PrimitiveView, GroupView, CloneView } from '../status/snapshot.js'
export * from '../model/index.js'
