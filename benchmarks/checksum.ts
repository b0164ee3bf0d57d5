import { readFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { ProcessCluster } from '../lib/runtime/process-cluster.js'
import { frameSizeMaxFor, totemConfig } from '../lib/totem/config.js'
import { TotemEngine } from '../lib/totem/engine.js'
import { FrameCodec } from '../lib/wire/codec.js'
import { crc32c } from '../lib/wire/crc32c.js'
import type { Frame } from '../lib/wire/frames.js'
import { median, sleep } from './stats.js'

/**
 * npm run bench:checksum
 *
 * What the plain-mode frame checksum costs on this machine: ns per call of
 * our CRC-32C next to node:zlib's crc32 (IEEE polynomial, native), and ns
 * per encode + decode of a Totem frame carrying a 64 B and a 1 KiB payload,
 * with the checksum and without it (secauth mode). Medians of 7 rounds.
 * `--processes` adds CPU per message through three node processes on
 * loopback. Whole-system throughput with and without it: `npm run bench`
 * with TSHA_TEST_FRAME_CHECKSUM=off in the environment of the second run.
 */
function nsPerOp(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn()
  const rounds: number[] = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    rounds.push(Number(process.hrtime.bigint() - t0) / iterations)
  }
  return median(rounds)
}

function frame(payload: number): Frame {
  return {
    sender: 2,
    body: { kind: 'mcast', ringId: { rep: 1, seq: 40 }, seq: 1234, origin: 2, guarantee: 'agreed', payload: new Uint8Array(payload).fill(7), recovered: undefined },
  }
}

const rows: string[] = ['| bytes | CRC-32C (ours, JS) | zlib crc32 (IEEE, native) | frame encode+decode, checksum | without | checksum share |', '|---|---|---|---|---|---|']
const nodes = [1, 2, 3]
const withSum = new FrameCodec({ clusterName: 'bench', nodes, frameSizeMax: 1472 })
const without = new FrameCodec({ clusterName: 'bench', nodes, frameSizeMax: 1472, checksum: false })
for (const size of [64, 1024, 1400]) {
  const data = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff)
  let sink = 0
  const ours = nsPerOp(() => { sink ^= crc32c(data) }, 200_000)
  const zlib = nsPerOp(() => { sink ^= crc32(data) }, 200_000)
  const f = frame(size)
  const on = nsPerOp(() => { sink ^= withSum.decode(withSum.encode(f)).ok ? 1 : 0 }, 50_000)
  const off = nsPerOp(() => { sink ^= without.decode(without.encode(f)).ok ? 1 : 0 }, 50_000)
  rows.push(`| ${size} | ${ours.toFixed(0)} ns | ${zlib.toFixed(0)} ns | ${on.toFixed(0)} ns | ${off.toFixed(0)} ns | ${(((on - off) / on) * 100).toFixed(1)}% |${sink === 0.5 ? ' ' : ''}`)
}
console.log(rows.join('\n'))

/**
 * The same cost inside the whole engine: three Totem engines in this process,
 * every frame encoded and decoded by the real codec and handed over at once
 * (no sockets, no timers), `count` messages of `size` bytes from node 1 until
 * every node delivered them. CPU time per message, so that the noise of a
 * shared machine (other processes) matters less than in wall-clock throughput.
 */
function engineCpuPerMessage(checksum: boolean, size: number, count: number): number {
  const ids = [1, 2, 3]
  const config = totemConfig({ token: 1000 }, ids.length)
  const codec = new FrameCodec({ clusterName: 'bench', nodes: ids, frameSizeMax: frameSizeMaxFor(config), checksum })
  const engines = ids.map((self) => new TotemEngine({ self, nodes: ids, config, ringSeq: 0 }))
  const queue: { to: number; bytes: Uint8Array }[] = []
  let delivered = 0
  let now = 0
  const drain = (e: TotemEngine): void => {
    const out = e.takeOutput()
    for (const s of out.sends) {
      const bytes = codec.encode(s.frame)
      if (s.kind === 'unicast') queue.push({ to: s.to, bytes })
      else for (const to of ids) if (to !== e.self || s.loopback) queue.push({ to, bytes })
    }
    for (const ev of out.events) if (ev.type === 'deliver') delivered++
  }
  const run = (done: () => boolean): void => {
    while (!done()) {
      const next = queue.shift()
      if (next === undefined) {
        now = Math.max(now + 1, Math.min(...engines.map((e) => e.nextDeadline())))
        for (const e of engines) if (e.nextDeadline() <= now) { e.tick(now); drain(e) }
        continue
      }
      const decoded = codec.decode(next.bytes)
      if (!decoded.ok) throw new Error(`bench frame dropped: ${decoded.reason}`)
      const e = engines[next.to - 1]!
      e.receive(now, decoded.frame)
      drain(e)
    }
  }
  for (const e of engines) { e.start(now); drain(e) }
  run(() => engines.every((e) => e.state === 'operational' && e.members.length === 3))
  const payload = new Uint8Array(size).fill(1)
  const cpu0 = process.cpuUsage()
  let sent = 0
  run(() => {
    while (sent < count && engines[0]!.mcast(payload) === 'ok') sent++
    drain(engines[0]!)
    return delivered >= 3 * count
  })
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / count
}

/**
 * `--processes`: the same through three bare-engine node processes on UDP
 * loopback (sockets included): `count` messages from node 1, CPU time of all
 * three processes (from /proc) per message, checksum on and off alternately.
 */
async function processCpuPerMessage(checksum: boolean, size: number, count: number, api: boolean): Promise<number> {
  const ids = [1, 2, 3]
  const cluster = new ProcessCluster({
    nodeIds: ids, port: 42000 + ((process.pid * 3) % 9000), totem: { token: 1000 }, program: api ? 'cluster' : 'totem',
    env: () => (checksum ? {} : { TSHA_TEST_FRAME_CHECKSUM: 'off' }),
  })
  try {
    await cluster.startAll()
    if (api) {
      await cluster.waitFor(() => ids.every((id) => cluster.events.filter((e) => e.node === id && e.message.t === 'membership').at(-1)
        ?.message.t === 'membership'), 30_000)
      await sleep(3000)
      await Promise.all(ids.map((id) => cluster.request(id, { t: 'cpg-join', group: 'bench' }, 'cpg-joined')))
    } else {
      await cluster.waitForRing(ids, 30_000)
    }
    await sleep(1000)
    const pids = ids.map((id) => cluster.pid(id)!)
    const before = pids.map(cpuTicks)
    const send = api ? { t: 'cpg-send', group: 'bench' } as const : { t: 'send' } as const
    await cluster.request(1, { ...send, count, size, guarantee: 'agreed', ratePerSec: 0 }, 'sent', 120_000)
    for (;;) {
      const digests = await Promise.all(ids.map(async (id) => (await cluster.request(id, api ? { t: 'cpg-digest', group: 'bench' } : { t: 'digest' }, 'digest')).digest))
      if (digests.every((d) => d.count >= count)) break
      await sleep(50)
    }
    const ticks = pids.map(cpuTicks).reduce((sum, t, i) => sum + t - before[i]!, 0)
    return (ticks * 10_000) / count // 100 ticks a second: µs per message
  } finally {
    await cluster.close()
  }
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

if (process.argv.includes('--processes')) {
  const rows = ['| path | message | 3 processes, CPU µs/msg, checksum | without | cost |', '|---|---|---|---|---|']
  for (const api of [false, true]) {
    for (const size of [64, 1024]) {
      const count = (size === 64 ? 200_000 : 50_000) / (api ? 4 : 1)
      const on: number[] = []
      const off: number[] = []
      for (let r = 0; r < 3; r++) {
        on.push(await processCpuPerMessage(true, size, count, api))
        off.push(await processCpuPerMessage(false, size, count, api))
      }
      const a = median(on)
      const b = median(off)
      const all = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ')
      rows.push(`| ${api ? 'public API (CPG)' : 'bare engine'} | ${size} B | ${a.toFixed(2)} (${all(on)}) | ${b.toFixed(2)} (${all(off)}) | ${(((a - b) / b) * 100).toFixed(1)}% |`)
    }
  }
  console.log('')
  console.log(rows.join('\n'))
}

const engineRows = ['| message | engine CPU µs/msg, checksum | without | cost |', '|---|---|---|---|']
for (const size of [64, 1024]) {
  const count = size === 64 ? 100_000 : 30_000
  engineCpuPerMessage(true, size, count / 10)
  engineCpuPerMessage(false, size, count / 10)
  const on: number[] = []
  const off: number[] = []
  for (let r = 0; r < 5; r++) {
    on.push(engineCpuPerMessage(true, size, count))
    off.push(engineCpuPerMessage(false, size, count))
  }
  const a = median(on)
  const b = median(off)
  engineRows.push(`| ${size} B | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(((a - b) / b) * 100).toFixed(1)}% |`)
}
console.log('')
console.log(engineRows.join('\n'))
