/**
 * The JSON CIB: the resource manager's configuration, in Pacemaker's terms
 * with camelCased names. Every field mirrors a Pacemaker CIB construct so a
 * CIB imported from XML schedules exactly as Pacemaker schedules it.
 *
 * @module
 */
import type { Score } from './scores.js'

/** A resource role. `Started` is the role of a running non-promotable resource. */
export type Role = 'Stopped' | 'Started' | 'Unpromoted' | 'Promoted'

/** What happens to the other copies when a resource is found active on several nodes. */
export type MultipleActive = 'stop_start' | 'stop_only' | 'block' | 'stop_unexpected'

/** What a resource needs before it may start: nothing, quorum, or fencing of unclean nodes. */
export type Requires = 'nothing' | 'quorum' | 'fencing' | 'unfencing'

/** Resource meta-attributes (Pacemaker's names, camelCased). */
export interface ResourceMeta {
  /** The role the cluster should keep the resource in (`target-role`). */
  targetRole?: Role
  /** `false` leaves the resource alone: no starts, stops or recovery (`is-managed`). */
  isManaged?: boolean
  /** Like `isManaged: false`, and its monitors stop too (`maintenance`). */
  maintenance?: boolean
  /** Higher priority resources are placed first (`priority`). */
  priority?: number
  /** Preference for staying where it runs (`resource-stickiness`; clones default to 1). */
  stickiness?: Score
  /** Failures on a node before it is banned there; 0 never bans (`migration-threshold`, default INFINITY). */
  migrationThreshold?: number
  /** Failures older than this are forgotten (`failure-timeout`), in milliseconds. */
  failureTimeoutMs?: number
  /** Recovery when found active on several nodes (`multiple-active`, default `stop_start`). */
  multipleActive?: MultipleActive
  /** What a start needs (`requires`; default `fencing` with fencing on, else `quorum`). */
  requires?: Requires
  /** Whether colocations with this resource as dependent pull its primary (`critical`, default true). */
  critical?: boolean
  /** Clone: instances in total (`clone-max`, default: the number of nodes). */
  cloneMax?: number
  /** Clone: instances per node (`clone-node-max`, default 1). */
  cloneNodeMax?: number
  /** Clone: instances that must run before orderings after the clone may proceed (`clone-min`). */
  cloneMin?: number
  /** Clone: instances are distinct, not interchangeable (`globally-unique`). */
  globallyUnique?: boolean
  /** Clone: order against another clone per node instead of as a whole (`interleave`). */
  interleave?: boolean
  /** Clone: start and stop instances in sequence (`ordered`). */
  ordered?: boolean
  /** Clone: send pre/post notifications (`notify`). */
  notify?: boolean
  /** Clone: instances can be promoted (`promotable`). */
  promotable?: boolean
  /** Promotable clone: promoted instances in total (`promoted-max`, default 1). */
  promotedMax?: number
  /** Promotable clone: promoted instances per node (`promoted-node-max`, default 1). */
  promotedNodeMax?: number
  /** Any other meta-attribute, by its Pacemaker name, kept verbatim. */
  extra?: Record<string, string>
}

/** What to do when an operation fails (`on-fail`). */
export type OnFail = 'ignore' | 'block' | 'stop' | 'restart' | 'fence' | 'standby' | 'demote'

/** One configured operation of a primitive. */
export interface Op {
  /** `start`, `stop`, `monitor`, `promote`, `demote`, `notify`. */
  name: string
  /** Repeat interval for recurring monitors, milliseconds (0 or absent: not recurring). */
  intervalMs?: number
  /** Timeout in milliseconds. */
  timeoutMs?: number
  /** Run only in this role (role-specific monitors). */
  role?: Role
  /** Failure handling for this operation. */
  onFail?: OnFail
  /** `false` disables the operation. */
  enabled?: boolean
  /** The operation's id in the CIB, when it has one. */
  id?: string
}

/** Defaults for every operation (`op_defaults`). */
export interface OpDefaults {
  timeoutMs?: number
  onFail?: OnFail
  /** Other op meta-attributes by Pacemaker name. */
  extra?: Record<string, string>
}

/** A primitive: one agent instance. */
export interface PrimitiveDef {
  kind: 'primitive'
  id: string
  /** `class:provider:type` (`ocf:heartbeat:IPaddr2`) or `class:type` (`stonith:fence_xvm`, `lsb:postfix`). */
  agent: string
  /** Instance attributes passed to the agent. */
  params?: Record<string, string>
  meta?: ResourceMeta
  ops?: Op[]
  /** Resource utilization for `placementStrategy` (`utilization`). */
  utilization?: Record<string, number>
  /** Free text shown by status views (`description`). */
  description?: string
}

/** A group: members colocated with and ordered after the previous member. */
export interface GroupDef {
  kind: 'group'
  id: string
  members: PrimitiveDef[]
  meta?: ResourceMeta
  /** Instance attributes every member inherits (a member's own value wins). */
  params?: Record<string, string>
}

/** A clone of a primitive or a group (anonymous, unique, or promotable by meta). */
export interface CloneDef {
  kind: 'clone'
  id: string
  of: PrimitiveDef | GroupDef
  meta?: ResourceMeta
  /** Instance attributes every instance inherits (the child's own value wins). */
  params?: Record<string, string>
}

/** Any top-level resource. */
export type ResourceDef = PrimitiveDef | GroupDef | CloneDef

/** Comparison in a rule expression. */
export type ExprOp = 'eq' | 'ne' | 'lt' | 'gt' | 'lte' | 'gte' | 'defined' | 'not_defined'

/** A node-attribute test: `#uname`, `#id`, `#kind`, `#is_dc`, `#cluster-name` or a node attribute. */
export interface AttrExpr {
  kind?: 'attr'
  attribute: string
  operation: ExprOp
  value?: string
  /** How to compare (default: string, or integer/number for ordering operators). */
  type?: 'string' | 'integer' | 'number' | 'version'
  /** Take the value from the resource's `param` or `meta` of that name instead of literally. */
  valueSource?: 'literal' | 'param' | 'meta'
}

/** A date test against the schedule's `now`. Times are epoch milliseconds. */
export interface DateExpr {
  kind: 'date'
  operation: 'lt' | 'gt' | 'in_range'
  start?: number
  end?: number
}

/** A rule: expressions combined with `and` (default) or `or`; nested rules allowed. */
export interface Rule {
  id?: string
  /** Score added where the rule holds. */
  score?: Score
  /** Take the score from this node attribute instead. */
  scoreAttribute?: string
  /** Limit to resources whose next role is this. */
  role?: Role
  op?: 'and' | 'or'
  expressions: Array<AttrExpr | DateExpr | Rule>
}

/** A resource set inside a constraint. */
export interface ResourceSet {
  id: string
  resources: string[]
  /** Members depend on each other in order (default true). */
  sequential?: boolean
  /** Order constraints: the action for every member. */
  action?: ConstraintAction
  /** Colocation/location: the role of every member. */
  role?: Role
  /** A set-specific score (colocation). */
  score?: Score
  /** Order constraints: `false` lets the next set go after any one member. */
  requireAll?: boolean
  /** Order constraints: a set-specific kind. */
  type?: OrderType
  /**
   * Colocation sets (Pacemaker's `ordering`): `group` (default) places each
   * member with the one before it; `listed` places each with the one after it.
   */
  colocationOrder?: 'group' | 'listed'
}

/** An action named in an order constraint. */
export type ConstraintAction = 'start' | 'stop' | 'promote' | 'demote' | 'started' | 'stopped' | 'promoted' | 'demoted'

/** Order constraint kind. */
export type OrderType = 'Mandatory' | 'Optional' | 'Serialize'

/** `rsc_location`: a score for a resource on a node, or on every node a rule selects. */
export interface LocationConstraint {
  kind: 'location'
  id: string
  /** The resource (absent with `rscPattern` or `sets`). */
  rsc?: string
  /** A regular expression over resource ids (`rsc-pattern`). */
  rscPattern?: string
  node?: string
  score?: Score
  role?: Role
  rules?: Rule[]
  sets?: ResourceSet[]
  resourceDiscovery?: 'always' | 'never' | 'exclusive'
  /** The constraint holds only until then (epoch milliseconds), like a lifetime rule. */
  expiresAt?: number
}

/** `rsc_colocation`: `rsc` placed relative to `withRsc`. */
export interface ColocationConstraint {
  kind: 'colocation'
  id: string
  rsc?: string
  withRsc?: string
  score: Score
  rscRole?: Role
  withRscRole?: Role
  /** Colocate by equal values of this node attribute instead of the same node. */
  nodeAttribute?: string
  /** Whether the dependent may pull the primary (default: the dependent's `critical`). */
  influence?: boolean
  sets?: ResourceSet[]
}

/** `rsc_order`: `then` after `first`. */
export interface OrderConstraint {
  kind: 'order'
  id: string
  first?: string
  then?: string
  firstAction?: ConstraintAction
  thenAction?: ConstraintAction
  type?: OrderType
  /** Also order the inverse actions in reverse (default true, false for Serialize). */
  symmetrical?: boolean
  /** Legacy: `false` is clone-min 1 for a clone `first`. */
  requireAll?: boolean
  sets?: ResourceSet[]
}

/** Any constraint. */
export type Constraint = LocationConstraint | ColocationConstraint | OrderConstraint

/** A cluster node as configured. */
export interface NodeConfig {
  /** Pacemaker's node id (defaults to the name). */
  id?: string
  type?: 'member' | 'remote' | 'ping'
  /** Permanent node attributes (`standby`, `maintenance`, promotion scores, custom). */
  attributes?: Record<string, string>
  /** Capacity for `placementStrategy`. */
  utilization?: Record<string, number>
  /** Base score of the node (`score` attribute of `<node>`). */
  score?: Score
}

/** Fencing set-up beyond the fence-device primitives. */
export interface FencingConfig {
  watchdog?: { timeoutMs: number; device?: string }
}

/** Cluster options (`crm_config`), Pacemaker's names camelCased; defaults in {@link CLUSTER_OPTION_DEFAULTS}. */
export interface ClusterOptions {
  noQuorumPolicy?: 'stop' | 'freeze' | 'ignore' | 'demote' | 'suicide'
  /** Pacemaker `stonith-enabled` (`fencing-enabled` in 3.x). */
  fencingEnabled?: boolean
  /** `stonith-action`: `reboot` or `off`. */
  fencingAction?: 'reboot' | 'off'
  fencingTimeoutMs?: number
  startupFencing?: boolean
  concurrentFencing?: boolean
  symmetricCluster?: boolean
  startFailureIsFatal?: boolean
  maintenanceMode?: boolean
  stopAllResources?: boolean
  stopOrphanResources?: boolean
  stopOrphanActions?: boolean
  enableStartupProbes?: boolean
  placementStrategy?: 'default' | 'utilization' | 'minimal' | 'balanced'
  watchdogFencingTimeoutMs?: number
  batchLimit?: number
  clusterName?: string
  /** Any other option by its Pacemaker name, kept verbatim. */
  extra?: Record<string, string>
}

/** The whole configuration. */
export interface CibConfig {
  options: ClusterOptions
  defaults: { resource: ResourceMeta; op: OpDefaults }
  nodes: Record<string, NodeConfig>
  resources: ResourceDef[]
  constraints: Constraint[]
  fencing: FencingConfig
}
