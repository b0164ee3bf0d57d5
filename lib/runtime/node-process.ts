import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { TotemDriver } from './driver.js'
import { udp } from '../transport/udp.js'
import { udpu } from '../transport/udpu.js'
import { frameSizeMaxFor, totemConfig } from '../totem/config.js'
import type { Delivery } from '../totem/events.js'
import { fileRingStore, memoryRingStore } from './ring-store.js'
import { type ChildMessage, type Digest, monotonicMs, type NodeSpec, type ParentMessage } from './node-protocol.js'
import { MessageSender } from './message-sender.js'
import { testFrameChecksum, withTestFaults } from './test-hooks.js'

/**
 * A Totem node as its own OS process, controlled by the parent over IPC:
 * `node dist/lib/runtime/node-process.js <spec.json>`. Application messages
 * carry (origin, counter, send time) so every member can check order, FIFO
 * and latency of what it delivers.
 */
const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NodeSpec

function tell(message: ChildMessage): void {
  process.send?.(message)
}

const config = totemConfig(spec.totem ?? {}, spec.nodes.length)
const frameSizeMax = frameSizeMaxFor(config)
const transport = withTestFaults(spec.transport === 'udp'
  ? udp({ self: spec.self, nodes: spec.nodes, port: spec.port, mcastAddr: spec.mcastAddr ?? '239.255.1.1', ttl: 0, frameSizeMax })
  : udpu({ self: spec.self, nodes: spec.nodes, port: spec.port, frameSizeMax, ...(spec.ports === undefined ? {} : { ports: spec.ports }) }))
const driver = new TotemDriver({
  self: spec.self, nodes: spec.nodes.map((n) => n.nodeId), clusterName: spec.clusterName, transport, frameChecksum: testFrameChecksum(),
  ...(spec.totem === undefined ? {} : { totem: spec.totem }),
  store: spec.ringStorePath === undefined ? memoryRingStore() : fileRingStore(spec.ringStorePath),
})
const sender = new MessageSender(driver, spec.self)

const order = createHash('sha256')
const digest = { count: 0, bytes: 0, firstAt: 0, lastAt: 0, fifoViolations: 0, perOrigin: {} as Record<number, number> }
const lastCounter = new Map<number, number>()
let latencyUs: number[] = []

function onDeliver(d: Delivery): void {
  const now = monotonicMs()
  const view = Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength)
  const origin = view.readUInt32LE(0)
  const counter = view.readUInt32LE(4)
  order.update(view.subarray(0, 8))
  digest.count++
  digest.bytes += d.payload.length
  if (digest.firstAt === 0) digest.firstAt = now
  digest.lastAt = now
  digest.perOrigin[origin] = (digest.perOrigin[origin] ?? 0) + 1
  const last = lastCounter.get(origin)
  if (last !== undefined && counter !== last + 1) digest.fifoViolations++
  lastCounter.set(origin, counter)
  if (origin === spec.self && latencyUs.length < 1_000_000) latencyUs.push((now - view.readDoubleLE(8)) * 1000)
  if (spec.reportDeliveries === true) tell({ t: 'deliver', origin, counter, at: now })
}

driver.on('deliver', onDeliver)
driver.on('configuration', (c) => {
  tell({ t: 'config', kind: c.kind, ringId: c.ringId, members: c.members, left: c.left, joined: c.joined, at: monotonicMs() })
})
driver.on('state', (state, reason) => { tell({ t: 'state', state, reason, at: monotonicMs() }) })
driver.on('warning', (code, message) => { tell({ t: 'warning', code, message, at: monotonicMs() }) })

function snapshot(): Digest {
  return { ...digest, hash: order.copy().digest('hex').slice(0, 16), perOrigin: { ...digest.perOrigin } }
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.t) {
    case 'send': tell({ t: 'sent', ...(await sender.send(message.count, message.size, message.guarantee, message.ratePerSec)) }); return
    case 'flood': tell({ t: 'sent', ...(await sender.flood(message.durationMs, message.size, message.guarantee)) }); return
    case 'digest': tell({ t: 'digest', digest: snapshot() }); return
    case 'latency-reset': latencyUs = []; return
    case 'stats': {
      const usage = process.resourceUsage()
      tell({ t: 'stats', stats: driver.stats(), rssBytes: process.memoryUsage.rss(), peakRssBytes: usage.maxRSS * 1024, latencyUs })
      return
    }
    case 'stop':
      await driver.stop()
      process.exit(0)
  }
}

process.on('message', (message: ParentMessage) => {
  handle(message).catch((error: unknown) => { tell({ t: 'error', message: String(error) }) })
})
process.on('disconnect', () => { void driver.stop().then(() => process.exit(0)) })

driver.start().then(
  () => { tell({ t: 'ready', pid: process.pid, at: monotonicMs() }) },
  (error: unknown) => {
    tell({ t: 'error', message: String(error) })
    process.exit(1)
  },
)
