import { expect } from 'chai'
import { ClusterError } from '../../lib/errors.js'
import { faulty, type FaultOptions, type FaultyTransport } from '../../lib/transport/faulty.js'
import { MemoryHub, memory } from '../../lib/transport/memory.js'
import { sleep, transportCompliance, waitFor } from './compliance.js'

transportCompliance('faulty(memory) without faults', async (n) => {
  const hub = new MemoryHub()
  return Array.from({ length: n }, (_, i) => faulty(memory(hub, i + 1, { frameSizeMax: 9000 }), { seed: 7 }))
})

/** A faulty sender (node 1) and a plain receiver (node 2) that records datagram indices. */
async function pair(sendFaults: FaultOptions, receiveFaults?: FaultOptions) {
  const hub = new MemoryHub({ inboxMax: 100_000 })
  const sender = faulty(memory(hub, 1), sendFaults)
  const receiver = faulty(memory(hub, 2), receiveFaults ?? {})
  const got: number[] = []
  const arrivals: number[] = [] // Date.now() of each delivery
  await sender.open(() => undefined)
  await receiver.open((bytes) => {
    got.push(Buffer.from(bytes).readUInt32BE(0))
    arrivals.push(Date.now())
  })
  const sendMany = (n: number, via: 'send' | 'multicast' = 'send'): void => {
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(i)
      if (via === 'send') sender.send(2, b)
      else sender.multicast(b)
    }
  }
  const close = () => Promise.all([sender.close(), receiver.close()])
  return { hub, sender, receiver, got, arrivals, sendMany, close }
}

/** Waits until `got` stops growing (bounded), for faults where the final count is unknown. */
async function settle(got: readonly number[], quietMs = 30, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = -1
  while (got.length !== last) {
    if (Date.now() > deadline) throw new Error('deliveries never settled')
    last = got.length
    await sleep(quietMs)
  }
}

async function dropPattern(seed: number, n = 300): Promise<number[]> {
  const p = await pair({ loss: 0.3, seed })
  try {
    p.sendMany(n)
    await settle(p.got)
    return [...p.got].sort((a, b) => a - b)
  } finally {
    await p.close()
  }
}

describe('faulty transport decorator', function () {
  it('loss 0.5 over 2000 datagrams delivers 35–65%, and counts the drops', async function () {
    const p = await pair({ loss: 0.5, seed: 42 })
    try {
      p.sendMany(2000)
      await waitFor(() => p.got.length === 2000 - p.sender.faultStats.dropped, 3000, 'survivors')
      const delivered = p.got.length / 2000
      expect(delivered).to.be.within(0.35, 0.65)
      expect(new Set(p.got).size, 'no duplicates').to.equal(p.got.length)
    } finally {
      await p.close()
    }
  })

  it('duplicate 1 delivers every datagram exactly twice', async function () {
    const p = await pair({ duplicate: 1, seed: 1 })
    try {
      p.sendMany(100, 'multicast')
      await waitFor(() => p.got.length === 200, 2000, '200 deliveries')
      for (let i = 0; i < 100; i++) expect(p.got.filter((g) => g === i), `datagram ${i}`).to.have.length(2)
      expect(p.sender.faultStats.duplicated).to.equal(100)
    } finally {
      await p.close()
    }
  })

  it('duplicate 0.5 duplicates roughly half', async function () {
    const p = await pair({ duplicate: 0.5, seed: 9 })
    try {
      p.sendMany(2000)
      await waitFor(() => p.got.length === 2000 + p.sender.faultStats.duplicated, 3000, 'all copies')
      expect(p.sender.faultStats.duplicated).to.be.within(700, 1300)
    } finally {
      await p.close()
    }
  })

  it('delays within [min, max] and can reorder', async function () {
    const p = await pair({ delayMs: { min: 40, max: 120 }, seed: 3 })
    try {
      const start = Date.now()
      p.sendMany(50)
      await waitFor(() => p.got.length === 50, 2000, 'delayed deliveries')
      // Timers never fire early, so this holds however loaded the machine is; 1 ms of slack for clock rounding.
      expect(Math.min(...p.arrivals) - start, 'nothing before min delay').to.be.at.least(39)
      expect(p.sender.faultStats.delayed).to.equal(50)
      const inOrder = p.got.every((g, i) => g === i)
      expect(inOrder, 'uniform delays reorder 50 datagrams').to.equal(false)
    } finally {
      await p.close()
    }
  })

  it('drops delayed datagrams when closed before they fire', async function () {
    const p = await pair({ delayMs: { min: 30, max: 30 }, seed: 3 })
    try {
      p.sendMany(10)
      await p.sender.close()
      await sleep(80)
      expect(p.got).to.have.length(0)
    } finally {
      await p.close()
    }
  })

  it('is deterministic: same seed, same drops; another seed, other drops', async function () {
    const a = await dropPattern(1234)
    const b = await dropPattern(1234)
    const other = await dropPattern(4321)
    expect(a.length).to.be.within(150, 270)
    expect(a).to.deep.equal(b)
    expect(other).not.to.deep.equal(a)
  })

  it('injects on the receive side when asked', async function () {
    const p = await pair({}, { side: 'receive', loss: 1 })
    try {
      p.sendMany(20)
      await waitFor(() => p.receiver.faultStats.dropped === 20, 1000, 'receive-side drops')
      expect(p.got).to.have.length(0)
      expect(p.sender.faultStats.dropped).to.equal(0)
      expect(p.receiver.stats.rxFrames, 'the inner transport did receive them').to.equal(20)
    } finally {
      await p.close()
    }
  })

  it('setFaults changes faults on the fly', async function () {
    const p = await pair({ loss: 1 })
    try {
      p.sendMany(10)
      p.sender.setFaults({ loss: 0 })
      p.sendMany(10)
      await waitFor(() => p.got.length === 10, 1000, 'the second batch')
      expect(p.sender.faultStats.dropped).to.equal(10)
    } finally {
      await p.close()
    }
  })

  it('corrupt: altered copies arrive next to the genuine datagrams, of every kind, replayably', async function () {
    const run = async (seed: number): Promise<string[]> => {
      const hub = new MemoryHub({ inboxMax: 100_000 })
      const sender = faulty(memory(hub, 1), { corrupt: 0.5, seed })
      const receiver = memory(hub, 2)
      const got: string[] = []
      await sender.open(() => undefined)
      await receiver.open((bytes) => { got.push(Buffer.from(bytes).toString('hex')) })
      const sent = new Set<string>()
      for (let i = 0; i < 400; i++) {
        const b = Buffer.alloc(16, i & 0xff)
        b.writeUInt32BE(i)
        sent.add(b.toString('hex'))
        sender.send(2, b)
      }
      await waitFor(() => got.length === 400 + sender.faultStats.corrupted, 2000, 'every copy')
      await Promise.all([sender.close(), receiver.close()])
      const genuine = got.filter((g) => sent.has(g))
      expect(new Set(genuine).size, 'every genuine datagram still arrives').to.equal(400)
      const altered = got.filter((g) => !sent.has(g))
      expect(sender.faultStats.corrupted).to.be.within(150, 250)
      // Truncations are shorter, garbage is random, flips keep the length: all kinds show up.
      expect(altered.some((a) => a.length < 32)).to.equal(true)
      expect(altered.some((a) => a.length === 32)).to.equal(true)
      return got
    }
    expect(await run(3)).to.deep.equal(await run(3))
  })

  it('corrupt with corruptReplaces: the altered copy takes the genuine one\'s place', async function () {
    const p = await pair({ corrupt: 1, corruptReplaces: true, corruptKinds: ['flip'], seed: 5 })
    try {
      p.sendMany(50)
      await waitFor(() => p.got.length === 50, 1000, 'altered copies')
      expect(p.sender.faultStats.corrupted).to.equal(50)
      const intact = p.got.filter((v, i) => v === i)
      expect(intact.length, 'a flip changes at least one bit').to.be.below(50)
    } finally {
      await p.close()
    }
  })

  it('rejects nonsense fault settings', function () {
    const inner = memory(new MemoryHub(), 1)
    const bad: FaultOptions[] = [
      { loss: 1.5 }, { duplicate: -0.1 }, { delayMs: { min: 10, max: 5 } }, { loss: Number.NaN }, { corrupt: 2 },
      { corruptKinds: [] }, { corruptKinds: ['melt' as 'flip'] },
    ]
    for (const f of bad) expect(() => faulty(inner, f), JSON.stringify(f)).to.throw(ClusterError)
    const ok: FaultyTransport = faulty(inner, {})
    expect(() => ok.setFaults({ loss: 2 })).to.throw(ClusterError)
  })
})
