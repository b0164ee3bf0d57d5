import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { ClusterError } from '../../lib/errors.js'
import type { Transport } from '../../lib/transport/transport.js'

/**
 * Builds `n` unopened transports of one cluster; transport `i` must be node
 * id `i + 1`. Called again if opening fails with ERR_TRANSPORT (a port taken
 * by another process), so socket factories should pick fresh ports each call.
 */
export type MakeTransports = (n: number) => Promise<Transport[]>

/** Polls `predicate` every few ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Opened transports and what each one received. */
export interface Cluster {
  readonly transports: Transport[]
  /** `inbox[i]`: datagrams received by node `i + 1`, copied on arrival. */
  readonly inbox: Buffer[][]
  close(): Promise<void>
}

/** Opens `n` transports from `make`, retrying a few times if a bind fails. */
export async function openCluster(make: MakeTransports, n: number, attempts = 5): Promise<Cluster> {
  for (let attempt = 1; ; attempt++) {
    const transports = await make(n)
    const inbox = transports.map((): Buffer[] => [])
    try {
      await Promise.all(transports.map((t, i) => t.open((bytes) => inbox[i]?.push(Buffer.from(bytes)))))
      return { transports, inbox, close: () => closeAll(transports) }
    } catch (err) {
      await closeAll(transports)
      const retry = err instanceof ClusterError && err.code === 'ERR_TRANSPORT' && attempt < attempts
      if (!retry) throw err
    }
  }
}

async function closeAll(transports: readonly Transport[]): Promise<void> {
  await Promise.all(transports.map((t) => t.close().catch(() => undefined)))
}

/** A payload recognisable in an inbox: a random body behind a text tag. */
export function tagged(tag: string, bodyBytes = 16): Buffer {
  return Buffer.concat([Buffer.from(`${tag}|`), randomBytes(bodyBytes)])
}

export function count(inbox: readonly Buffer[] | undefined, payload: Uint8Array): number {
  return (inbox ?? []).filter((b) => b.equals(payload)).length
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i]
  if (item === undefined) throw new Error(`no item ${i}`)
  return item
}

/**
 * Proves quiet: sends a fence from `from` to `to` (node ids) and waits for
 * it. Anything sent to `to` earlier on a FIFO path has then arrived too; the
 * short extra sleep covers paths that are not FIFO with the fence's.
 */
async function fence(c: Cluster, from: number, to: number): Promise<void> {
  const f = tagged(`fence-${from}-${to}`)
  at(c.transports, from - 1).send(to, f)
  await waitFor(() => count(c.inbox[to - 1], f) > 0, 2000, `fence ${from}->${to}`)
  await sleep(20)
}

/** The contract every {@link Transport} implementation must meet. */
export function transportCompliance(name: string, makeTransports: MakeTransports): void {
  describe(`${name}: Transport compliance`, function () {
    let c: Cluster
    let opened: Cluster | undefined // unset when beforeEach failed: nothing to close then
    beforeEach(async function () {
      opened = undefined
      c = await openCluster(makeTransports, 3)
      opened = c
    })
    afterEach(async function () {
      await opened?.close()
    })

    deliveryCases(() => c)
    lifecycleCases(() => c)
  })
}

/** Who gets what, intact. */
function deliveryCases(cluster: () => Cluster): void {
  it('unicast reaches exactly the target', async function () {
    const c = cluster()
    const sent: Buffer[][] = [[], [], []] // sent[j]: payloads addressed to node j + 1
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i === j) continue
        const p = tagged(`u${i + 1}->${j + 1}`)
        at(sent, j).push(p)
        at(c.transports, i).send(j + 1, p)
      }
    }
    await waitFor(() => sent.every((ps, j) => ps.every((p) => count(c.inbox[j], p) > 0)), 2000, 'every unicast')
    await fence(c, 2, 1)
    await fence(c, 1, 2)
    await fence(c, 1, 3)
    for (let j = 0; j < 3; j++) {
      const others = sent.filter((_, k) => k !== j).flat()
      for (const p of at(sent, j)) expect(count(c.inbox[j], p), `node ${j + 1} gets its unicast once`).to.equal(1)
      for (const p of others) expect(count(c.inbox[j], p), `node ${j + 1} gets no one else's unicast`).to.equal(0)
    }
  })

  it('multicast reaches every other node, not the sender', async function () {
    const c = cluster()
    const sent = c.transports.map((t, i) => {
      const p = tagged(`m${i + 1}`)
      t.multicast(p)
      return p
    })
    const othersGot = (i: number): boolean => c.inbox.every((box, j) => j === i || count(box, at(sent, i)) > 0)
    await waitFor(() => sent.every((_, i) => othersGot(i)), 2000, 'every multicast at every other node')
    await fence(c, 2, 1)
    await fence(c, 1, 2)
    await fence(c, 1, 3)
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        expect(count(c.inbox[j], at(sent, i)), `multicast of ${i + 1} at ${j + 1}`).to.equal(i === j ? 0 : 1)
      }
    }
  })

  it('delivers random payloads up to frameSizeMax intact', async function () {
    const c = cluster()
    const max = at(c.transports, 0).frameSizeMax
    const sizes = [1, 2, max - 1, max, ...Array.from({ length: 24 }, () => 1 + Math.floor(Math.random() * max))]
    for (const [k, size] of sizes.entries()) {
      const p = randomBytes(size)
      // One at a time: a burst of 64 KiB datagrams could overrun a kernel buffer, and loss is not what this tests.
      if (k % 2 === 0) at(c.transports, 0).send(2, p)
      else at(c.transports, 0).multicast(p)
      await waitFor(() => count(c.inbox[1], p) === 1, 2000, `payload of ${size} bytes`)
      if (k % 2 === 1) await waitFor(() => count(c.inbox[2], p) === 1, 2000, `multicast payload of ${size} bytes`)
    }
    expect(c.inbox[1]).to.have.length(sizes.length)
  })

  it('the receiver never sees the sender mutate its buffer afterwards', async function () {
    const c = cluster()
    const p = tagged('mutate', 256)
    const original = Buffer.from(p)
    at(c.transports, 0).send(2, p)
    at(c.transports, 0).multicast(p)
    p.fill(0)
    await waitFor(() => count(c.inbox[1], original) === 2 && count(c.inbox[2], original) === 1, 2000, 'original bytes')
  })
}

/** Refusals, closing and counters. */
function lifecycleCases(cluster: () => Cluster): void {
  it('refuses oversize datagrams without throwing, and counts them', async function () {
    const c = cluster()
    const t = at(c.transports, 0)
    const big = Buffer.alloc(t.frameSizeMax + 1, 7)
    const before = { ...t.stats }
    expect(() => t.send(2, big)).not.to.throw()
    expect(() => t.multicast(big)).not.to.throw()
    expect(t.stats.oversize - before.oversize).to.equal(2)
    expect(t.stats.txFrames).to.equal(before.txFrames)
    await fence(c, 1, 2)
    await fence(c, 1, 3)
    expect(count(c.inbox[1], big) + count(c.inbox[2], big)).to.equal(0)
  })

  it('send and multicast after close are no-ops', async function () {
    const c = cluster()
    const t = at(c.transports, 0)
    await t.close()
    const before = { ...t.stats }
    const p = tagged('after-close')
    expect(() => t.send(2, p)).not.to.throw()
    expect(() => t.multicast(p)).not.to.throw()
    expect(t.stats).to.deep.equal(before)
    await fence(c, 3, 2)
    await fence(c, 2, 3)
    expect(count(c.inbox[1], p) + count(c.inbox[2], p)).to.equal(0)
  })

  it('close is idempotent, also when calls overlap', async function () {
    const c = cluster()
    const t = at(c.transports, 1)
    await Promise.all([t.close(), t.close()])
    await t.close()
    let rejected = false
    await t.open(() => undefined).catch(() => (rejected = true))
    expect(rejected, 'open() after close() rejects').to.equal(true)
  })

  it('counts frames and bytes on both sides', async function () {
    const c = cluster()
    const [a, b] = [at(c.transports, 0), at(c.transports, 1)]
    const [txBefore, rxBefore] = [{ ...a.stats }, { ...b.stats }]
    const payloads = [tagged('s1', 10), tagged('s2', 100), tagged('s3', 1000)]
    for (const p of payloads) a.send(2, p)
    const bytes = payloads.reduce((n, p) => n + p.length, 0)
    await waitFor(() => payloads.every((p) => count(c.inbox[1], p) === 1), 2000, 'stats payloads')
    expect(a.stats.txFrames - txBefore.txFrames).to.equal(3)
    expect(a.stats.txBytes - txBefore.txBytes).to.equal(bytes)
    expect(b.stats.rxFrames - rxBefore.rxFrames).to.equal(3)
    expect(b.stats.rxBytes - rxBefore.rxBytes).to.equal(bytes)
    for (const t of c.transports) expect(t.stats).to.include({ txErrors: 0, rxUnlisted: 0, oversize: 0 })
  })
}
