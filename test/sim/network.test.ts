import { expect } from 'chai'
import { FaultProcess, type FaultOptions } from '../../lib/sim/faults.js'
import { EventHeap } from '../../lib/sim/heap.js'
import { SimNetwork, type NetworkOptions } from '../../lib/sim/network.js'
import { Prng } from '../../lib/sim/prng.js'

interface Delivery {
  at: number
  from: number
  to: number
  payload: number
}

/** A minimal discrete-event loop: the network schedules into it, the test advances it. */
class Loop {
  readonly heap = new EventHeap<() => void>()
  now = 0

  readonly schedule = (at: number, deliver: () => void): void => {
    expect(at).to.be.at.least(this.now)
    this.heap.push(at, deliver)
  }

  runUntil(time: number): void {
    for (let next = this.heap.peek(); next !== undefined && next.at <= time; next = this.heap.peek()) {
      this.heap.pop()
      this.now = next.at
      next.value()
    }
    this.now = Math.max(this.now, time)
  }
}

const BASE: NetworkOptions = { delayMinMs: 10, delayMeanMs: 0, loss: [0, 1], duplicate: [0, 1], linkCapacityMax: 1000 }

function setup(options: Partial<NetworkOptions> = {}, seed = 1, nodes: readonly number[] = [1, 2, 3]) {
  const loop = new Loop()
  const deliveries: Delivery[] = []
  const net = new SimNetwork({
    prng: new Prng(seed),
    schedule: loop.schedule,
    nodes,
    options: { ...BASE, ...options },
    onDeliver: (from, to, bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      deliveries.push({ at: loop.now, from, to, payload: view.getUint32(0) })
    },
  })
  return { loop, deliveries, net }
}

function datagram(payload: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, payload)
  return bytes
}

/** Sends `count` datagrams one per millisecond from `from` to `to`, then drains the loop. */
function stream(ctx: ReturnType<typeof setup>, from: number, to: number, count: number): void {
  for (let i = 0; i < count; i++) {
    ctx.loop.runUntil(i)
    ctx.net.submit(ctx.loop.now, from, to, datagram(i))
  }
  ctx.loop.runUntil(Infinity)
}

describe('sim/network', () => {
  it('delivers after delayMinMs on a clean network, copying the bytes', () => {
    const ctx = setup()
    const bytes = datagram(7)
    ctx.net.submit(0, 1, 2, bytes)
    bytes.fill(0)
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries).to.deep.equal([{ at: 10, from: 1, to: 2, payload: 7 }])
    expect(ctx.net.stats.delivered).to.equal(1)
    expect(ctx.net.inFlight).to.equal(0)
  })

  it('loses datagrams at the configured rate', () => {
    const ctx = setup({ loss: [1, 4] })
    const n = 20_000
    stream(ctx, 1, 2, n)
    const stats = ctx.net.stats
    expect(stats.dropped.loss + stats.delivered).to.equal(n)
    expect(stats.delivered / n).to.be.closeTo(0.75, 0.02)
  })

  it('duplicates datagrams at the configured rate, each copy with its own delay', () => {
    const ctx = setup({ duplicate: [1, 5], delayMeanMs: 50 })
    const n = 20_000
    stream(ctx, 1, 2, n)
    const stats = ctx.net.stats
    expect(stats.duplicated / n).to.be.closeTo(0.2, 0.02)
    expect(stats.delivered).to.equal(n + stats.duplicated)
    const arrivals = new Map<number, number[]>()
    for (const d of ctx.deliveries) arrivals.set(d.payload, [...(arrivals.get(d.payload) ?? []), d.at])
    const pairs = [...arrivals.values()].filter((ats) => ats.length === 2)
    const distinct = pairs.filter(([a, b]) => a !== b).length
    expect(distinct / pairs.length).to.be.greaterThan(0.9)
  })

  it('reorders datagrams through random delays', () => {
    const ctx = setup({ delayMeanMs: 20 })
    stream(ctx, 1, 2, 1000)
    const order = ctx.deliveries.map((d) => d.payload)
    expect(order).to.have.length(1000)
    expect(order).to.not.deep.equal([...order].sort((a, b) => a - b))
  })

  it('a partition blocks both directions and isolates unlisted nodes', () => {
    const ctx = setup()
    ctx.net.partition([[1, 2]])
    expect(ctx.net.describe()).to.equal('{1,2}|{3}')
    expect(ctx.net.partitioned).to.equal(true)
    for (const [from, to] of [[1, 3], [3, 1], [2, 3], [3, 2]] as const) {
      expect(ctx.net.isConnected(from, to)).to.equal(false)
      ctx.net.submit(0, from, to, datagram(0))
    }
    ctx.net.submit(0, 1, 2, datagram(1))
    ctx.net.submit(0, 2, 1, datagram(2))
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => d.payload)).to.deep.equal([1, 2])
    expect(ctx.net.stats.dropped.partition).to.equal(4)
  })

  it('a one-way partition blocks only one direction', () => {
    const ctx = setup()
    ctx.net.partitionOneWay(1, 3)
    expect(ctx.net.describe()).to.equal('1->3 cut')
    expect(ctx.net.isConnected(1, 3)).to.equal(false)
    expect(ctx.net.isConnected(3, 1)).to.equal(true)
    ctx.net.submit(0, 1, 3, datagram(1))
    ctx.net.submit(0, 3, 1, datagram(2))
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries).to.deep.equal([{ at: 10, from: 3, to: 1, payload: 2 }])
  })

  it('drops a datagram in flight when a partition starts before it arrives', () => {
    const ctx = setup({ delayMinMs: 100 })
    ctx.net.submit(0, 1, 2, datagram(1))
    ctx.net.submit(0, 1, 3, datagram(2))
    ctx.loop.runUntil(50)
    ctx.net.partition([[1, 3], [2]])
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => d.payload)).to.deep.equal([2])
    expect(ctx.net.stats.dropped['partition-in-flight']).to.equal(1)
    expect(ctx.net.inFlight).to.equal(0)
  })

  it('heal() restores connectivity', () => {
    const ctx = setup()
    ctx.net.partition([[1], [2], [3]])
    ctx.net.partitionOneWay(2, 1)
    ctx.net.clog(1, 2, 1000)
    ctx.net.heal()
    expect(ctx.net.describe()).to.equal('connected')
    expect(ctx.net.partitioned).to.equal(false)
    for (const from of [1, 2, 3]) for (const to of [1, 2, 3]) expect(ctx.net.isConnected(from, to)).to.equal(true)
    ctx.net.submit(0, 1, 2, datagram(1))
    ctx.net.submit(0, 2, 1, datagram(2))
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => [d.at, d.payload])).to.deep.equal([[10, 1], [10, 2]])
  })

  it('a clog holds datagrams until it ends, in that direction only', () => {
    const ctx = setup()
    ctx.net.clog(1, 2, 500)
    expect(ctx.net.describe()).to.equal('1->2 clogged<500')
    expect(ctx.net.describe(600)).to.equal('connected')
    expect(ctx.net.isConnected(1, 2)).to.equal(true)
    ctx.net.submit(0, 1, 2, datagram(1))
    ctx.net.submit(0, 2, 1, datagram(2))
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => [d.at, d.payload])).to.deep.equal([[10, 2], [500, 1]])
  })

  it('a clog that starts while a datagram is in flight still holds it', () => {
    const ctx = setup({ delayMinMs: 100 })
    ctx.net.submit(0, 1, 2, datagram(1))
    ctx.loop.runUntil(50)
    ctx.net.clog(1, 2, 300)
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => d.at)).to.deep.equal([300])
  })

  it('never holds more than linkCapacityMax datagrams in flight per link', () => {
    const ctx = setup({ linkCapacityMax: 4 })
    for (let i = 0; i < 100; i++) {
      ctx.net.submit(0, 1, 2, datagram(i))
      ctx.net.submit(0, 1, 3, datagram(1000 + i))
      expect(ctx.net.inFlight).to.be.at.most(8)
    }
    ctx.loop.runUntil(Infinity)
    const stats = ctx.net.stats
    expect(stats.delivered).to.equal(8)
    expect(stats.dropped.capacity).to.equal(192)
    // The victim is random, so survivors are not simply the first or the last four.
    const survivors = ctx.deliveries.filter((d) => d.to === 2).map((d) => d.payload)
    expect(survivors).to.not.deep.equal([0, 1, 2, 3])
    expect(survivors).to.not.deep.equal([96, 97, 98, 99])
  })

  it('always delivers self-sends, in order, after delayMinMs', () => {
    const ctx = setup({ loss: [1, 1], duplicate: [1, 1], delayMeanMs: 50, linkCapacityMax: 1 })
    ctx.net.partition([[2, 3]])
    ctx.net.partitionOneWay(2, 3)
    for (let i = 0; i < 50; i++) ctx.net.submit(0, 1, 1, datagram(i))
    ctx.net.submit(0, 1, 2, datagram(999))
    ctx.loop.runUntil(Infinity)
    expect(ctx.deliveries.map((d) => d.payload)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i))
    expect(ctx.deliveries.every((d) => d.at === 10 && d.from === 1 && d.to === 1)).to.equal(true)
    expect(() => ctx.net.partitionOneWay(1, 1)).to.throw()
    expect(() => ctx.net.clog(1, 1, 10)).to.throw()
  })

  it('rejects unknown nodes, time going backwards, and bad options', () => {
    const ctx = setup()
    expect(() => ctx.net.submit(0, 1, 9, datagram(0))).to.throw()
    expect(() => ctx.net.partition([[1, 9]])).to.throw()
    expect(() => ctx.net.partition([[1, 2], [2, 3]])).to.throw()
    ctx.net.submit(5, 1, 2, datagram(0))
    expect(() => ctx.net.submit(4, 1, 2, datagram(0))).to.throw()
    expect(() => ctx.net.submit(5, 1, 2, new Uint8Array(70_000))).to.throw()
    expect(() => setup({ linkCapacityMax: 0 })).to.throw()
    expect(() => setup({ loss: [2, 1] })).to.throw()
    expect(() => ctx.net.setLoss([1, 0])).to.throw()
  })

  /** A busy random run with faults; returns its delivery trace. */
  function randomRun(seed: number): { trace: string[]; net: SimNetwork } {
    const root = new Prng(seed)
    const loop = new Loop()
    const trace: string[] = []
    const net = new SimNetwork({
      prng: root.fork(),
      schedule: loop.schedule,
      nodes: [1, 2, 3, 4, 5],
      options: { delayMinMs: 1, delayMeanMs: 15, loss: [1, 20], duplicate: [1, 30], linkCapacityMax: 4 },
      onDeliver: (from, to, bytes) => trace.push(`${loop.now} ${from}->${to} ${bytes[0]}`),
    })
    const faultOptions: FaultOptions = {
      partitionMode: 'random-split',
      partitionProbability: [1, 10],
      unpartitionProbability: [1, 5],
      stableMinMs: 50,
      clogProbability: [1, 10],
      clogMeanMs: 40,
    }
    const faults = new FaultProcess({ prng: root.fork(), nodes: [1, 2, 3, 4, 5], options: faultOptions })
    const workload = root.fork()
    let worstLink = 0
    for (let t = 0; t < 2000; t++) {
      loop.runUntil(t)
      if (t % 10 === 0) trace.push(...faults.step(t, net))
      for (let k = workload.int(8); k > 0; k--) {
        net.submit(t, workload.range(1, 5), workload.range(1, 5), new Uint8Array([workload.int(256)]))
        for (const from of net.nodes) for (const to of net.nodes) if (from !== to) worstLink = Math.max(worstLink, net.linkInFlight(from, to))
      }
    }
    loop.runUntil(Infinity)
    expect(worstLink).to.equal(4)
    return { trace, net }
  }

  it('reproduces the exact delivery schedule for a fixed seed', () => {
    const a = randomRun(42)
    const b = randomRun(42)
    const c = randomRun(43)
    expect(a.trace.length).to.be.greaterThan(1000)
    expect(a.trace).to.deep.equal(b.trace)
    expect(a.net.stats).to.deep.equal(b.net.stats)
    expect(a.trace).to.not.deep.equal(c.trace)
  })

  it('accounts for every datagram', () => {
    const { net } = randomRun(7)
    const s = net.stats
    const dropped = s.dropped.partition + s.dropped['partition-in-flight'] + s.dropped.loss + s.dropped.capacity
    expect(net.inFlight).to.equal(0)
    expect(s.submitted + s.duplicated).to.equal(s.delivered + dropped)
    for (const count of Object.values(s.dropped)) expect(count).to.be.greaterThan(0)
  })
})

describe('sim/faults', () => {
  const options: FaultOptions = {
    partitionMode: 'isolate-one',
    partitionProbability: [1, 2],
    unpartitionProbability: [1, 2],
    stableMinMs: 100,
    clogProbability: [1, 4],
    clogMeanMs: 30,
  }

  function run(seed: number, opts: FaultOptions, steps = 300): { log: string[]; net: SimNetwork; changes: number[] } {
    const net = new SimNetwork({ prng: new Prng(0), schedule: () => {}, nodes: [1, 2, 3, 4], options: BASE, onDeliver: () => {} })
    const faults = new FaultProcess({ prng: new Prng(seed), nodes: [1, 2, 3, 4], options: opts })
    const log: string[] = []
    const changes: number[] = []
    for (let i = 0; i < steps; i++) {
      const now = i * 10
      for (const action of faults.step(now, net)) {
        log.push(`${now} ${action}`)
        if (!action.startsWith('clog')) changes.push(now)
      }
    }
    return { log, net, changes }
  }

  it('is deterministic for a seed', () => {
    expect(run(5, options).log).to.deep.equal(run(5, options).log)
    expect(run(5, options).log).to.not.deep.equal(run(6, options).log)
  })

  it('keeps each partition state for at least stableMinMs, starting from the first step', () => {
    const { changes } = run(3, options)
    expect(changes.length).to.be.greaterThan(5)
    expect(changes[0]).to.be.at.least(100)
    for (let i = 1; i < changes.length; i++) expect((changes[i] ?? 0) - (changes[i - 1] ?? 0)).to.be.at.least(100)
  })

  it('isolate-one cuts off exactly one node', () => {
    const { log } = run(4, options)
    const partitions = log.filter((l) => l.includes('partition {'))
    expect(partitions.length).to.be.greaterThan(0)
    for (const line of partitions) expect(line).to.match(/\{\d,\d,\d\}\|\{\d\}$/)
  })

  it('random-split and one-way produce their shapes; none never partitions', () => {
    const split = run(8, { ...options, partitionMode: 'random-split' }).log.filter((l) => l.includes(' partition '))
    expect(split.length).to.be.greaterThan(0)
    for (const line of split) expect(line).to.match(/\{[\d,]+\}(\|\{[\d,]+\}){1,2}$/)
    const oneWay = run(8, { ...options, partitionMode: 'one-way' }).log.filter((l) => l.includes(' partition '))
    expect(oneWay.length).to.be.greaterThan(0)
    for (const line of oneWay) expect(line).to.match(/cut$/)
    const none = run(8, { ...options, partitionMode: 'none' })
    expect(none.changes).to.deep.equal([])
    expect(none.log.some((l) => l.includes('clog'))).to.equal(true)
  })

  it('describes its options', () => {
    const faults = new FaultProcess({ prng: new Prng(1), nodes: [1, 2], options })
    expect(faults.describe()).to.equal('faults(mode=isolate-one partition=1/2 unpartition=1/2 stable>=100ms clog=1/4 clogMean=30ms)')
    expect(() => new FaultProcess({ prng: new Prng(1), nodes: [1, 2], options: { ...options, stableMinMs: -1 } })).to.throw()
  })
})
