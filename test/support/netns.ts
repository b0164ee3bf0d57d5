import { execFileSync } from 'node:child_process'
import type { NodeId } from '../../lib/totem/ring-id.js'

/**
 * A private test network (the same shape as the Corosync anchor): one network
 * namespace per node, each joined by a veth pair to a hub namespace that
 * routes between them. Partitions are blackhole routes inside the node
 * namespaces (no iptables or netem on these machines). Traffic never leaves
 * namespaces this object created; close() deletes them all.
 */
export class NetnsTopology {
  readonly prefix: string
  readonly ids: readonly NodeId[]
  readonly #subnet: number
  #created: string[] = []

  constructor(ids: readonly NodeId[], tag: number) {
    this.ids = ids
    this.prefix = `tsha${tag % 100000}`
    this.#subnet = 100 + (tag % 100)
  }

  /** Root, and iproute2 with netns support: otherwise the caller skips with a message. */
  static unavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN'
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
    } catch {
      return '`ip netns` is not available (iproute2 missing or no netns support)'
    }
    return undefined
  }

  hub(): string { return `${this.prefix}h` }
  ns(id: NodeId): string { return `${this.prefix}n${id}` }
  addr(id: NodeId): string { return `10.${this.#subnet}.${id}.2` }

  create(): void {
    const hub = this.hub()
    this.#ip(['netns', 'add', hub])
    this.#created.push(hub)
    this.#ip(['-n', hub, 'link', 'set', 'lo', 'up'])
    execFileSync('ip', ['netns', 'exec', hub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
    for (const id of this.ids) this.#node(id)
  }

  #node(id: NodeId): void {
    const ns = this.ns(id)
    const hub = this.hub()
    const outer = `${this.prefix}h${id}`
    const inner = `${this.prefix}e${id}`
    this.#ip(['netns', 'add', ns])
    this.#created.push(ns)
    this.#ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner])
    this.#ip(['link', 'set', outer, 'netns', hub])
    this.#ip(['link', 'set', inner, 'netns', ns])
    this.#ip(['-n', hub, 'addr', 'add', `10.${this.#subnet}.${id}.1/24`, 'dev', outer])
    this.#ip(['-n', hub, 'link', 'set', outer, 'up'])
    this.#ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    this.#ip(['-n', ns, 'addr', 'add', `${this.addr(id)}/24`, 'dev', inner])
    this.#ip(['-n', ns, 'link', 'set', inner, 'up'])
    this.#ip(['-n', ns, 'route', 'add', `10.${this.#subnet}.0.0/16`, 'via', `10.${this.#subnet}.${id}.1`])
  }

  /** Nodes in different groups can no longer reach each other (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    // One `ip -batch` per namespace: a route per exec took 10-30 ms each on a loaded
    // machine, so a 3|2 cut stayed half-open for hundreds of ms after it "began".
    for (const group of groups) {
      for (const id of group) {
        const routes = this.ids.filter((other) => !group.includes(other)).map((other) => `route add blackhole ${this.addr(other)}/32\n`)
        if (routes.length > 0) execFileSync('ip', ['-n', this.ns(id), '-batch', '-'], { input: routes.join(''), stdio: ['pipe', 'ignore', 'pipe'] })
      }
    }
  }

  heal(): void {
    for (const id of this.ids) {
      for (const other of this.ids) {
        try {
          execFileSync('ip', ['-n', this.ns(id), 'route', 'del', 'blackhole', `${this.addr(other)}/32`], { stdio: 'ignore' })
        } catch {
          // Not partitioned from that node.
        }
      }
    }
  }

  close(): void {
    for (const ns of this.#created.reverse()) {
      try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }) } catch { /* already gone */ }
    }
    this.#created = []
  }

  #ip(args: string[]): void {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  }
}
