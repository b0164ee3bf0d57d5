import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'
import { resolveQuorumConfig } from '../services/quorum/config.js'
import { NODES_MAX } from '../wire/codec.js'
import { clusterTotemConfig } from './engine-runtime.js'
import type { ClusterOptions } from './options.js'

/**
 * Checks options before any thread or socket exists, so a mistake surfaces
 * at `new Cluster()` as a ConfigError naming the key.
 */
export function validateOptions(options: ClusterOptions): ClusterOptions {
  if (typeof options.clusterName !== 'string' || options.clusterName.length === 0) {
    throw new ConfigError('clusterName', 'is required: frames of other clusters on the same port are told apart by it')
  }
  if (!Array.isArray(options.nodes) || options.nodes.length === 0) throw new ConfigError('nodes', 'the nodelist is empty')
  if (options.nodes.length > NODES_MAX) throw new ConfigError('nodes', `at most ${NODES_MAX} nodes (a commit token must fit one datagram)`)
  const ids = new Set<number>()
  for (const [i, node] of options.nodes.entries()) {
    if (!Number.isInteger(node.nodeId) || node.nodeId < 1 || node.nodeId > 0xffffffff) {
      throw new ConfigError(`nodes[${i}].nodeId`, `must be an integer in 1..4294967295, got ${JSON.stringify(node.nodeId)}`)
    }
    if (ids.has(node.nodeId)) throw new ConfigError(`nodes[${i}].nodeId`, `duplicate node id ${node.nodeId}`)
    ids.add(node.nodeId)
    if (options.transport !== 'memory' && isIP(node.addr) === 0) throw new ConfigError(`nodes[${i}].addr`, `"${node.addr}" is not an IP address`)
    if (node.votes !== undefined && (!Number.isInteger(node.votes) || node.votes < 0)) {
      throw new ConfigError(`nodes[${i}].votes`, `must be a non-negative integer, got ${JSON.stringify(node.votes)}`)
    }
  }
  if (!ids.has(options.nodeId)) throw new ConfigError('nodeId', `this node (${options.nodeId}) is not in the nodelist`)
  const transport = options.transport ?? 'udpu'
  if (!['udpu', 'udp', 'memory'].includes(transport)) throw new ConfigError('transport', `must be udpu, udp or memory, got ${JSON.stringify(transport)}`)
  if (transport === 'memory' && options.engine === 'worker') throw new ConfigError('engine', "transport 'memory' runs in one process: use engine 'inline'")
  clusterTotemConfig(options)
  const delay = options.locks?.lockDelayMs
  if (delay !== undefined && !(Number.isSafeInteger(delay) && delay >= 0)) throw new ConfigError('locks.lockDelayMs', `must be an integer ≥ 0, got ${JSON.stringify(delay)}`)
  if ((options.quorum?.provider ?? 'votequorum') === 'votequorum') resolveQuorumConfig(options.nodeId, options.nodes, options.quorum ?? {})
  return options
}
