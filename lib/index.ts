/**
 * ts-ha: an embeddable high-availability SDK for Node.js.
 *
 * `Cluster` is the entry point: membership (CLM), closed process groups
 * (CPG), votequorum and CMAP over the Totem single-ring protocol with
 * extended virtual synchrony. The engine-level pieces (Totem as a pure state
 * machine, the codec, transports, secauth) are exported for those who build
 * their own services.
 *
 * @packageDocumentation
 */
export { Cluster } from './cluster/cluster.js'
export type { ClusterEvents, ClusterInit, ClusterWarning, ClusterRingId, Member, MembershipEvent } from './cluster/cluster.js'
export type { ClusterOptions, LockOptions, NodeConfig, QuorumOptions, SecauthOptions } from './cluster/options.js'
export { CpgApi, Group } from './cluster/cpg-api.js'
export type { CpgReason } from './services/cpg/messages.js'
export type { CpgMember, CpgMemberChange, GroupChange, GroupEvents, GroupMessage, JoinOptions, SendOptions } from './cluster/cpg-api.js'
export { QuorumApi } from './cluster/quorum-api.js'
export type { QuorumInfo } from './cluster/quorum-api.js'
export { CmapApi } from './cluster/cmap-api.js'
export { CheckpointsApi, Checkpoint } from './cluster/checkpoints-api.js'
export type { CheckpointEvent, CheckpointEvents, OpenOptions } from './cluster/checkpoints-api.js'
export { LocksApi, Lock } from './cluster/locks-api.js'
export type { AcquireOptions, LockLostEvent, LockMode } from './cluster/locks-api.js'
export { Singleton } from './cluster/singleton.js'
export type { SingletonEvents, SingletonOptions, SingletonTask } from './cluster/singleton.js'
export { Membership } from './cluster/membership.js'
export type { CmapChange, CmapEntry, CmapEventKind, CmapType, CmapValue } from './services/cmap-types.js'
export type { CmapTrackCallback, CmapTrackOptions } from './services/cmap/store.js'
export type { ConfigWarning, ParsedConfig, ParseOptions } from './config/index.js'
export { AUTHKEY_BYTES, generateAuthKey, readAuthKey, writeAuthKey } from './crypto/authkey.js'
export type { WriteAuthKeyOptions } from './crypto/authkey.js'
export { SEAL_OVERHEAD } from './crypto/frame-crypto.js'
export { claimBootId, secure } from './transport/secure.js'
export type { SecureOptions, SecureStats, SecureTransport } from './transport/secure.js'
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
export type { AdminOptions, MetricsOptions } from './cluster/options.js'
export type { GroupInfo } from './cluster/cpg-api.js'
export type { QuorumNodeInfo, QuorumStatus } from './cluster/quorum-api.js'
export type { CheckpointInfo } from './cluster/checkpoints-api.js'
export type { LockInfo } from './cluster/locks-api.js'
export { AdminClient } from './ipc/client.js'
export type { AdminConnectOptions } from './ipc/client.js'
export { ADMIN_FRAME_MAX, ADMIN_PROTOCOL } from './ipc/protocol.js'
export type { HelloResult } from './ipc/protocol.js'
export { STATUS_SCHEMA } from './status/snapshot.js'
export type { StatusGroup, StatusLock, StatusNode, StatusQuorum, StatusSnapshot } from './status/snapshot.js'
export type { CpgReport, QuorumReport } from './shell/admin-methods.js'
export type { LinkNodeStatus, LinkStatus } from './shell/links.js'
export type { CmapJsonEntry } from './shell/cmap-json.js'
