/**
 * The scheduler's working set: nodes, resources, actions and constraints as
 * the pipeline mutates them. Lists that Pacemaker builds by prepending are
 * kept in creation order here; code that must visit them newest-first says so.
 *
 * @module
 */
import type { CibConfig, CloneDef, GroupDef, Op, PrimitiveDef } from '../model/config.js'
import type { CibStatus } from '../model/status.js'

/** Roles as ordered integers (Pacemaker compares them). */
export const enum R {
  Unknown = 0,
  Stopped = 1,
  Started = 2,
  Unpromoted = 3,
  Promoted = 4,
}

/** Display names of {@link R}. */
export const ROLE_TEXT = ['Unknown', 'Stopped', 'Started', 'Unpromoted', 'Promoted'] as const

/** Resource variants, ordered as Pacemaker orders them. */
export const enum V {
  Native = 0,
  Group = 1,
  Clone = 2,
}

/** Ordering flags (Pacemaker's `pe_order_*`). */
export const O = {
  none: 0,
  optional: 1 << 0,
  applyFirstNonMigratable: 1 << 1,
  impliesFirst: 1 << 4,
  impliesThen: 1 << 5,
  promotedImpliesFirst: 1 << 6,
  impliesFirstMigratable: 1 << 7,
  runnableLeft: 1 << 8,
  pseudoLeft: 1 << 9,
  impliesThenOnNode: 1 << 10,
  probe: 1 << 11,
  restart: 1 << 12,
  serializeOnly: 1 << 14,
  sameNode: 1 << 15,
  impliesFirstPrinted: 1 << 16,
  impliesThenPrinted: 1 << 17,
  asymmetrical: 1 << 18,
  load: 1 << 19,
  oneOrMore: 1 << 20,
  antiColocation: 1 << 21,
  preserve: 1 << 22,
  thenCancelsFirst: 1 << 23,
} as const

/** Why an action exists and whether it can run (Pacemaker's `pe_action_*` flags). */
export interface ActionFlags {
  optional: boolean
  runnable: boolean
  pseudo: boolean
  printAlways: boolean
  dc: boolean
  impliedByStonith: boolean
  migrateRunnable: boolean
  requiresAny: boolean
  tracking: boolean
  dangle: boolean
}

/** A cluster node and what the pipeline learned about it. */
export interface Node {
  readonly name: string
  readonly id: string
  readonly type: 'member' | 'remote' | 'ping'
  attrs: Map<string, string>
  readonly utilization: Map<string, number>
  /** Base score copied into allowed-node tables; -INFINITY once known to be down. */
  weight: number
  online: boolean
  unclean: boolean
  shutdown: boolean
  standby: boolean
  standbyOnFail: boolean
  pending: boolean
  maintenance: boolean
  expectedUp: boolean
  unseen: boolean
  isDc: boolean
  unpacked: boolean
  /** Resources assigned in this run (placement tie-break). */
  numResources: number
  running: Rsc[]
  priority: number
}

/** A node's entry in a resource's allowed-node table (Pacemaker's copied `pe_node_t`). */
export interface Allowed {
  readonly node: Node
  weight: number
  count: number
  /** 0 always, 1 never, 2 exclusive. */
  discover: number
}

/** Clone-specific data. */
export interface CloneData {
  max: number
  nodeMax: number
  promotedMax: number
  promotedNodeMax: number
  total: number
  ordered: boolean
  child: PrimitiveDef | GroupDef
  promotionAdded: boolean
  promotionConstrained: boolean
}

/** A resource at any level: primitive, group, clone, or clone instance. */
export interface Rsc {
  /** The working set the resource belongs to. */
  readonly ws: WorkingSet
  id: string
  /** The configured id without any `:N`. */
  readonly baseId: string
  readonly variant: V
  readonly def: PrimitiveDef | GroupDef | CloneDef
  parent: Rsc | undefined
  children: Rsc[]
  meta: Map<string, string>
  readonly ops: readonly Op[]
  readonly utilization: Map<string, number>
  agentClass: string
  provider: string | undefined
  agentType: string
  role: R
  nextRole: R
  priority: number
  stickiness: number
  migrationThreshold: number
  failureTimeout: number
  recovery: 'stop_start' | 'stop_only' | 'block' | 'stop_unexpected'
  allowed: Map<string, Allowed>
  runningOn: Node[]
  knownOn: Map<string, Node>
  allocatedTo: Allowed | undefined
  thisWith: Coloc[]
  withThis: Coloc[]
  locations: Loc[]
  actions: Action[]
  cloneName: string | undefined
  pendingTask: string | undefined
  pendingNode: Node | undefined
  sortIndex: number
  exclusiveDiscover: boolean
  clone: CloneData | undefined
  /** Group: the last member. */
  lastChild: Rsc | undefined
  /** Group: members start in order (deprecated `ordered` meta, default true). */
  groupOrdered: boolean
  /** Group: members share a node (deprecated `collocated` meta, default true). */
  groupColocated: boolean
  f: RscFlags
}

/** Resource flags (Pacemaker's `pe_rsc_*`). */
export interface RscFlags {
  managed: boolean
  failed: boolean
  stop: boolean
  block: boolean
  orphan: boolean
  unique: boolean
  promotable: boolean
  provisional: boolean
  allocating: boolean
  merging: boolean
  failureIgnored: boolean
  needsFencing: boolean
  needsQuorum: boolean
  needsUnfencing: boolean
  fenceDevice: boolean
  notify: boolean
  critical: boolean
  startPending: boolean
  restarting: boolean
  stopUnexpected: boolean
  maintenance: boolean
}

/** One scheduled (or considered) action. */
export interface Action {
  readonly id: number
  readonly uuid: string
  readonly task: string
  readonly rsc: Rsc | undefined
  node: Node | undefined
  f: ActionFlags
  reason: string | undefined
  /** Orderings where this is "then", newest last (Pacemaker prepends). */
  before: Edge[]
  /** Orderings where this is "first", newest last. */
  after: Edge[]
  needs: 'nothing' | 'quorum' | 'fencing'
  onFail: OnFailCode
  failRole: R
  intervalMs: number
  priority: number
  requiredRunnableBefore: number
  runnableBefore: number
  /** Fencing: the action performed (`reboot`, `off`, `on`). */
  fenceAction: string | undefined
}

/** Pacemaker's `action_fail_response`, in its enum order (severity compares on it). */
export const enum F {
  Ignore = 0,
  Recover = 1,
  Migrate = 2,
  Block = 3,
  Stop = 4,
  Standby = 5,
  Fence = 6,
  RestartContainer = 7,
  ResetRemote = 8,
  Demote = 9,
}
export type OnFailCode = F

/** An ordering between two actions. */
export interface Edge {
  action: Action
  type: number
}

/** A colocation constraint after unpacking. */
export interface Coloc {
  readonly id: string
  readonly dependent: Rsc
  readonly primary: Rsc
  readonly score: number
  readonly dependentRole: R
  readonly primaryRole: R
  readonly nodeAttribute: string | undefined
  readonly influence: boolean
}

/** A location constraint after unpacking: nodes with scores. */
export interface Loc {
  readonly id: string
  readonly rsc: Rsc
  nodes: Array<{ node: Node; weight: number }>
  roleFilter: R
  discover: number
}

/** An ordering constraint before it is turned into action edges. */
export interface Ordering {
  readonly id: number
  flags: number
  readonly lhRsc: Rsc | undefined
  readonly rhRsc: Rsc | undefined
  readonly lhAction: Action | undefined
  readonly rhAction: Action | undefined
  readonly lhTask: string | undefined
  readonly rhTask: string | undefined
}

/** Working-set flags (Pacemaker's `pe_flag_*`). */
export interface SetFlags {
  stonithEnabled: boolean
  haveStonithResource: boolean
  haveQuorum: boolean
  symmetric: boolean
  startFailureFatal: boolean
  startupFencing: boolean
  concurrentFencing: boolean
  stopEverything: boolean
  maintenanceMode: boolean
  stopRscOrphans: boolean
  stopActionOrphans: boolean
  startupProbes: boolean
  legacyFailCounts: boolean
  sanitized: boolean
}

/** Everything one scheduler run works on. */
export interface WorkingSet {
  readonly config: CibConfig
  readonly status: CibStatus
  readonly options: Map<string, string>
  readonly f: SetFlags
  noQuorumPolicy: 'stop' | 'freeze' | 'ignore' | 'demote' | 'suicide'
  stonithAction: string
  placementStrategy: string
  /** Now, in seconds since the epoch (Pacemaker's effective time). */
  readonly now: number
  recheckAt: number | undefined
  nodes: Node[]
  readonly nodeByName: Map<string, Node>
  dcNode: Node | undefined
  resources: Rsc[]
  actions: Action[]
  readonly singletons: Map<string, Action>
  orderings: Ordering[]
  colocations: Coloc[]
  locations: Loc[]
  nextActionId: number
  nextOrderId: number
  readonly scores: string[]
  /** Probes that failed as "not installed"/"invalid parameter" and count as "not running" (crm_mon shows them). */
  readonly maskedProbes: Array<{ rsc: string; node: string; rc: number }>
  /** The CIB's feature set, if known. */
  readonly featureSet: string | undefined
}
