import type { TotemOptions } from '../totem/config.js'
import type { NodeId } from '../totem/ring-id.js'
import type { Logger } from './logger.js'

/** One entry of the nodelist (corosync `nodelist { node { ring0_addr, nodeid, name, quorum_votes } }`). */
export interface NodeConfig {
  readonly nodeId: NodeId
  /** IPv4 or IPv6 address of the node (corosync `ring0_addr`). */
  readonly addr: string
  /** Human-readable name; defaults to `node<nodeId>`. */
  readonly name?: string
  /** Votes this node contributes to quorum (corosync `quorum_votes`). @default 1 */
  readonly votes?: number
}

/** votequorum options (corosync `quorum { }`, see votequorum(5)). */
export interface QuorumOptions {
  /** Quorum provider; `none` makes every partition quorate. @default 'votequorum' */
  readonly provider?: 'votequorum' | 'none'
  /** Overrides the sum of the nodelist's votes. */
  readonly expectedVotes?: number
  /** Two-node cluster: quorate with one node (implies waitForAll unless set). */
  readonly twoNode?: boolean
  /** Quorate for the first time only once all expected votes were present at once. */
  readonly waitForAll?: boolean
  /** Recompute expected votes downwards after nodes leave, once the window has passed. */
  readonly lastManStanding?: boolean
  /** @default 10000 */
  readonly lastManStandingWindow?: number
  /** In an even split, the half with the tie-breaker node stays quorate. */
  readonly autoTieBreaker?: boolean
  /** `lowest` (default), `highest`, or a list of node ids in order of preference. */
  readonly autoTieBreakerNode?: 'lowest' | 'highest' | readonly NodeId[]
}

/** Frame authentication and encryption (AES-256-GCM) with a key from the authkey file. */
export type SecauthOptions =
  | false
  | { readonly keyFile: string }
  | { readonly key: Uint8Array }

/** Distributed lock service options. */
export interface LockOptions {
  /**
   * After a holder's node fails or leaves, its locks stay unavailable this
   * long before the next waiter gets them (Consul's lock-delay): time for a
   * stalled former holder to notice it lost the lock. @default 0
   */
  readonly lockDelayMs?: number
}

/**
 * The node's admin socket (what the `ts-ha` command talks to). A Unix socket
 * with a cookie file beside it that clients must present.
 */
export interface AdminOptions {
  /**
   * Socket path. Default `<dir>/<clusterName>-<nodeId>.sock` with `<dir>`
   * `/run/ts-ha` as root, else `$XDG_RUNTIME_DIR/ts-ha`, else `<tmpdir>/ts-ha-<uid>`.
   */
  readonly socket?: string
  /** Group (name or gid) whose members may administer the node: socket 0660, cookie 0640 with this group. */
  readonly group?: string | number
  /** Socket mode. @default 0o660 with `group`, else 0o600 */
  readonly mode?: number
}

/** The metrics and status-page HTTP listener. */
export interface MetricsOptions {
  /** TCP port (0: any free port; see `cluster.metricsUrl`). */
  readonly port: number
  /** Address to bind. @default '127.0.0.1' (loopback only) */
  readonly host?: string
}

export interface ClusterOptions {
  /** Frames of another cluster name are ignored, even on the same port. */
  readonly clusterName: string
  /** This node; must appear in `nodes`. */
  readonly nodeId: NodeId
  readonly nodes: readonly NodeConfig[]
  /** @default 'udpu' */
  readonly transport?: 'udpu' | 'udp' | 'memory'
  /** corosync `mcastport`. @default 5405 */
  readonly port?: number
  /** Multicast group (transport `udp`), corosync `mcastaddr`. */
  readonly mcastAddr?: string
  /** Multicast TTL (transport `udp`). @default 1 */
  readonly ttl?: number
  /** Local address to bind; default: this node's `addr`. */
  readonly bindAddr?: string
  readonly totem?: TotemOptions
  readonly quorum?: QuorumOptions
  readonly locks?: LockOptions
  /** The admin socket for `ts-ha status` and friends; `false` for none. @default {} (on, at the default path) */
  readonly admin?: AdminOptions | false
  /** Serve Prometheus metrics and the status page over HTTP. @default false */
  readonly metrics?: MetricsOptions | false
  /** @default false */
  readonly secauth?: SecauthOptions
  /**
   * Where the Totem engine runs. `worker` (default) keeps it on its own thread so a
   * blocked application event loop does not get this node expelled; `inline` runs it
   * on the main thread (tests, simulator).
   */
  readonly engine?: 'worker' | 'inline'
  /**
   * Directory for the ring id file (corosync's `ringid_<nodeid>`), which keeps
   * ring ids and therefore fencing tokens growing across restarts. Default: a
   * per-user directory, `$XDG_STATE_HOME/ts-ha/<clusterName>` or
   * `~/.local/state/ts-ha/<clusterName>`; `false` keeps nothing on disk (then
   * only the wall-clock floor keeps tokens growing, see `Lock.fencingToken`).
   */
  readonly stateDir?: string | false
  /**
   * Receives every log record of this node, the engine thread's included
   * (pino-compatible `{ debug, info, warn, error }(obj, msg)`). Default: `debug`
   * namespaces `ts-ha:<layer>` (`DEBUG=ts-ha:*`).
   */
  readonly logger?: Logger
  /**
   * The engine thread's script, for bundled applications: build
   * `ts-ha/engine-worker` as a second entry point and pass its path (by
   * default it is looked up next to the bundle as `engine-worker.js`).
   */
  readonly engineWorker?: string | URL
}
