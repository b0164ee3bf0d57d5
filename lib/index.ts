/**
 * ts-ha: an embeddable high-availability SDK for Node.js.
 *
 * This release contains the engine core: the Totem single-ring ordering and
 * membership protocol (extended virtual synchrony) as a pure state machine,
 * packing and fragmentation of application messages, the wire codec and the
 * UDP / in-memory transports. The `Cluster` facade and the services built on
 * the engine (CPG, quorum, CMAP, checkpoints, locks, resources) follow.
 *
 * @packageDocumentation
 */
export { TotemEngine, MCAST_FRAME_OVERHEAD_MAX } from './totem/engine.js'
export type { EngineInit, McastOptions } from './totem/engine.js'
export { totemConfig, frameSizeMaxFor } from './totem/config.js'
export type { TotemConfig, TotemOptions } from './totem/config.js'
export type {
  ConfigurationChange, Delivery, McastResult, Outgoing, TotemEvent, TotemOutput, TotemState, WarningCode,
} from './totem/events.js'
export type { NodeId, RingId } from './totem/ring-id.js'
export type { SrpStats } from './totem/srp/stats.js'
export { FrameCodec, clusterHash, NODES_MAX } from './wire/codec.js'
export type { DecodeResult, DropReason, FrameCodecOptions } from './wire/codec.js'
export { PROTOCOL_VERSION } from './wire/frames.js'
export type {
  CommitEntry, CommitToken, Frame, FrameBody, Guarantee, Mcast, MembJoin, MergeDetect, OrfToken, RtrItem, TokenHoldCancel,
} from './wire/frames.js'
export type { ReceiveHandler, Transport, TransportNode, TransportStats } from './transport/transport.js'
export { udpu } from './transport/udpu.js'
export type { UdpuOptions } from './transport/udpu.js'
export { udp } from './transport/udp.js'
export type { UdpOptions } from './transport/udp.js'
export { MemoryHub, memory } from './transport/memory.js'
export type { MemoryHubCounters, MemoryHubOptions, MemoryOptions } from './transport/memory.js'
export { faulty } from './transport/faulty.js'
export type { FaultOptions, FaultStats, FaultyTransport } from './transport/faulty.js'
export { ClusterError, ConfigError } from './errors.js'
export type { ClusterErrorCode } from './errors.js'
