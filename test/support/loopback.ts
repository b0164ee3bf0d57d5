import type { TransportNode } from '../../lib/transport/transport.js'

/**
 * Ports spread by pid so parallel runs rarely collide; each call moves on
 * (callers retry after EADDRINUSE). Files pass their own range and stride so
 * they do not walk the same ports.
 */
export function portSequence(base: number, stride: number): () => number {
  let cursor = 0
  return () => {
    cursor += 7
    return base + ((process.pid + cursor * stride) % 20000)
  }
}

/** Nodes 1..n on 127.0.0.1..n. */
export function loopbackNodes(n: number): TransportNode[] {
  return Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, addr: `127.0.0.${i + 1}` }))
}
