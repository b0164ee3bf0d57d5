import { Cluster, type ClusterInit } from '../../lib/cluster/cluster.js'
import type { NodeConfig } from '../../lib/cluster/options.js'
import { ClusterError } from '../../lib/errors.js'
import { basePort } from '../multiprocess/helpers.js'

/** Nodes 1..n on 127.0.0.1..n. */
export function nodeList(n = 3): NodeConfig[] {
  return Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, addr: `127.0.0.${i + 1}` }))
}

let cursor = 0
/** A fresh port per call in this file's range, so tests in one run do not meet each other's rings. */
export function freshPort(offset: number): number {
  cursor += 1
  return basePort(offset) + ((cursor * 37) % 400) * 2
}

/** One inline-engine node of a 3-node loopback cluster with short timers. */
export function node(nodeId: number, port: number, extra: Partial<ClusterInit> = {}): Cluster {
  return new Cluster({ clusterName: 'facade', nodeId, nodes: nodeList(3), port, engine: 'inline', totem: { token: 300 }, ...extra })
}

export async function until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The rejection of `p`, which must be a ClusterError. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<ClusterError> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (error) {
    if (!(error instanceof ClusterError)) throw new Error(`expected a ClusterError, got ${String(error)}`, { cause: error })
    return error
  }
  throw new Error('expected a rejection')
}

/** Collects unhandled rejections while `body` runs and a little after. */
export async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = []
  const listener = (reason: unknown): void => { seen.push(reason) }
  process.on('unhandledRejection', listener)
  try {
    await body()
    await new Promise((resolve) => setTimeout(resolve, 200))
  } finally {
    process.off('unhandledRejection', listener)
  }
  return seen
}

export async function stopAll(all: readonly Cluster[]): Promise<void> {
  await Promise.allSettled(all.map((c) => c.stop()))
}

/** stop() with options (typed loosely so these tests also build against a facade without them). */
export function stopWith(c: Cluster, options: unknown): Promise<void> {
  return (c as unknown as { stop(o: unknown): Promise<void> }).stop(options)
}

/** Three started nodes, waited for (by polling, so these tests also ran against facades without ready()) until quorate in one ring. */
export async function quorateRing(port: number, extra: (nodeId: number) => Partial<ClusterInit> = () => ({})): Promise<Cluster[]> {
  const all = [1, 2, 3].map((id) => node(id, port, extra(id)))
  await Promise.all(all.map((c) => c.start()))
  await until(() => all.every((c) => c.quorum.quorate && c.members.length === 3), 'a quorate ring of 3')
  return all
}
