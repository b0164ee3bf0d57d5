import type { Cluster } from '../cluster/cluster.js'
import { AdminServer } from '../ipc/server.js'
import { writeExposition } from '../metrics/exposition.js'
import { metricFamilies } from '../metrics/families.js'
import { MetricsListener } from '../metrics/listener.js'
import { collectStatus } from '../status/collect.js'
import type { StatusSnapshot } from '../status/snapshot.js'
import { TS_HA_VERSION } from '../util/version.js'
import { NODE_ADMIN_TABLE, type ShellContext } from './admin-methods.js'
import { watchStatus } from './admin-topics.js'
import { type AdminPlan, adminPlan, metricsPlan } from './shell-options.js'

/** How often the status page refreshes without a membership or quorum change. */
const STATUS_PAGE_INTERVAL_MS = 2000

/**
 * The operator's side of one node, on the main thread (it is all I/O): the
 * admin socket and the metrics/status-page listener, both reading the node
 * through the public Cluster API. Built with the Cluster (so bad options
 * fail `new Cluster()`), listening from `start()` to `stop()`.
 */
export class NodeShell implements ShellContext {
  readonly cluster: Cluster
  readonly #admin: AdminPlan | undefined
  readonly #metrics: { readonly port: number; readonly host: string } | undefined
  #server: AdminServer<ShellContext> | undefined
  #listener: MetricsListener | undefined
  #membershipChanges = 0

  constructor(cluster: Cluster) {
    this.cluster = cluster
    this.#admin = adminPlan(cluster.options)
    this.#metrics = metricsPlan(cluster.options)
    cluster.on('membership', () => { this.#membershipChanges++ })
  }

  get adminSocket(): string | undefined { return this.#server?.path }
  get metricsUrl(): string | undefined { return this.#listener?.url }

  /** Starts serving. A failure to serve what was asked for explicitly rejects; the default admin socket only warns. */
  async open(): Promise<void> {
    if (this.#admin !== undefined) await this.#openAdmin(this.#admin)
    if (this.#metrics !== undefined) {
      const listener = new MetricsListener({ status: () => this.status(), metrics: () => this.metrics(), watchStatus: (emit) => this.#watch(emit) },
        this.#metrics.port, this.#metrics.host)
      try {
        await listener.listen()
      } catch (error) {
        await this.close()
        throw error
      }
      this.#listener = listener
    }
  }

  async close(): Promise<void> {
    const server = this.#server
    const listener = this.#listener
    this.#server = undefined
    this.#listener = undefined
    await Promise.all([server?.close(), listener?.close()])
  }

  status(): Promise<StatusSnapshot> {
    return collectStatus(this.cluster, new Date())
  }

  async metrics(): Promise<string> {
    const cmap = this.cluster.cmap
    return writeExposition(metricFamilies({
      snapshot: await this.status(), cmap: (key) => cmap.get(key), cmapKeys: (prefix) => cmap.keys(prefix),
      membershipChanges: this.#membershipChanges, ...(this.#server === undefined ? {} : { admin: this.#server.stats }),
    }))
  }

  async #openAdmin(plan: AdminPlan): Promise<void> {
    const server = new AdminServer<ShellContext>({
      path: plan.path, mode: plan.mode, ...(plan.gid === undefined ? {} : { gid: plan.gid }), ownDirectory: plan.ownDirectory,
      table: NODE_ADMIN_TABLE, context: this,
      identity: () => ({ clusterName: this.cluster.options.clusterName, nodeId: this.cluster.nodeId, version: TS_HA_VERSION }),
    })
    try {
      await server.listen()
      this.#server = server
    } catch (error) {
      if (plan.explicit) throw error
      this.cluster.emit('warning', { code: 'ADMIN_SOCKET_UNAVAILABLE', message: `no admin socket at ${plan.path}: ${error instanceof Error ? error.message : String(error)}` })
    }
  }

  #watch(emit: (s: StatusSnapshot) => void): () => void {
    return watchStatus(this, STATUS_PAGE_INTERVAL_MS, emit)
  }
}
