import { ConfigError } from '../errors.js'
import { memory, type MemoryHub } from '../transport/memory.js'
import type { Transport } from '../transport/transport.js'
import { udp } from '../transport/udp.js'
import { udpu } from '../transport/udpu.js'
import type { ClusterOptions } from './options.js'

/** Builds the configured transport for this node. */
export function createTransport(options: ClusterOptions, frameSizeMax: number, hub: MemoryHub | undefined): Transport {
  const nodes = options.nodes.map((n) => ({ nodeId: n.nodeId, addr: n.addr }))
  const common = {
    self: options.nodeId, nodes, frameSizeMax,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.bindAddr === undefined ? {} : { bindAddr: options.bindAddr }),
  }
  switch (options.transport ?? 'udpu') {
    case 'udpu':
      return udpu(common)
    case 'udp':
      if (options.mcastAddr === undefined) throw new ConfigError('mcastAddr', "transport 'udp' needs a multicast group (corosync mcastaddr)")
      return udp({ ...common, mcastAddr: options.mcastAddr, ...(options.ttl === undefined ? {} : { ttl: options.ttl }) })
    case 'memory':
      if (hub === undefined) throw new ConfigError('transport', "transport 'memory' needs a MemoryHub (options.memoryHub) and engine: 'inline'")
      return memory(hub, options.nodeId, { frameSizeMax })
  }
}
