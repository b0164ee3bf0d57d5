/**
 * The status half of the CIB: what each node reported (membership view,
 * transient attributes, operation history). The scheduler derives node
 * health, resource roles and failures from it, as Pacemaker's unpack does.
 *
 * @module
 */

/** Operation execution status (Pacemaker's `op-status`). */
export const OpStatus = {
  PENDING: -1,
  DONE: 0,
  CANCELLED: 1,
  TIMEOUT: 2,
  NOT_SUPPORTED: 3,
  ERROR: 4,
  ERROR_HARD: 5,
  ERROR_FATAL: 6,
  NOT_INSTALLED: 7,
  NOT_CONNECTED: 8,
  INVALID: 9,
  NO_FENCE_DEVICE: 10,
  NO_SECRETS: 11,
} as const

/** One entry of a resource's operation history on a node (`lrm_rsc_op`). */
export interface OperationRecord {
  /** History id, e.g. `rsc1_last_0`, `rsc1_monitor_10000`, `rsc1_last_failure_0`. */
  id: string
  /** The operation key `<rsc>_<operation>_<interval>` (`operation_key`), when recorded. */
  key?: string
  /** `start`, `stop`, `monitor`, `promote`, `demote`, `migrate_to`, … */
  operation: string
  intervalMs: number
  /** Executor call id; orders the history (-1 while pending). */
  callId: number
  /** Agent exit code (OCF: 0 ok, 7 not running, 8 promoted, …). */
  rc: number
  /** Execution status, see {@link OpStatus}. */
  status: number
  /** The result the scheduler expected (from the transition key). */
  expectedRc: number
  /** When the result last changed, epoch milliseconds. */
  lastRcChange?: number
  /** Digest of the parameters the operation ran with. */
  digest?: string
  /** Digest of the non-reloadable parameters (agents that support reload). */
  restartDigest?: string
  /** The non-reloadable parameter names, space-separated (`op-force-restart`). */
  forceRestart?: string
  /** Digest without private parameters (`op-secure-digest`). */
  secureDigest?: string
  /** The private parameter names, space-separated (`op-secure-params`). */
  secureParams?: string
  /** The feature set of the node that recorded the entry. */
  featureSet?: string
  exitReason?: string
  /** The node the entry was recorded for (`on_node`), when present. */
  onNode?: string
  /** Raw transition key/magic, kept for export and ordering of pending entries. */
  transitionKey?: string
  transitionMagic?: string
}

/** A resource's history on one node (`lrm_resource`). */
export interface ResourceHistory {
  /**
   * The resource id, when it differs from this entry's key (a node may hold
   * several entries for one id, which Pacemaker unpacks one after another).
   */
  id?: string
  /** `class:provider:type` as recorded. */
  agent?: string
  /** For orphaned bundle/container fillers; carried verbatim. */
  container?: string
  ops: OperationRecord[]
}

/** One node's status section (`node_state`). */
export interface NodeStatus {
  id?: string
  /** In the Corosync membership (`in_ccm`); absent: never seen by the cluster layer. */
  inCluster?: boolean
  /** Controller process state (`crmd`). */
  crmd?: 'online' | 'offline'
  /** Join state with the DC (`join`; `banned` is a refused join). */
  join?: 'member' | 'down' | 'pending' | 'banned' | 'nack'
  /** What the DC expects of the node (`expected`). */
  expected?: 'member' | 'down'
  /** Transient attributes: fail counts, promotion scores, `standby`, `shutdown`, custom. */
  attributes?: Record<string, string>
  /** Operation history per resource id (as recorded, possibly with `:N`). */
  resources?: Record<string, ResourceHistory>
}

/** The status section. Nodes missing here were never seen. */
export interface CibStatus {
  nodes: Record<string, NodeStatus>
}
