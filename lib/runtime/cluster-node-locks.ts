import type { Checkpoint } from '../cluster/checkpoints-api.js'
import type { Cluster } from '../cluster/cluster.js'
import { ClusterError } from '../errors.js'
import { type ChildMessage, monotonicMs, type ParentMessage } from './node-protocol.js'

type Tell = (message: ChildMessage) => void
type Of<T extends ParentMessage['t']> = Extract<ParentMessage, { t: T }>

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
})

/**
 * Lock and checkpoint workloads of a cluster node process (tests and
 * benchmarks): each reports what it did so the parent can check mutual
 * exclusion from outside, or measure.
 */
export async function lockContend(cluster: Cluster, m: Of<'lock-contend'>, tell: Tell): Promise<void> {
  const until = monotonicMs() + m.durationMs
  const errors: Record<string, number> = {}
  let holds = 0
  await Promise.all(Array.from({ length: m.contenders }, async (_, contender) => {
    while (monotonicMs() < until) {
      try {
        const lock = await cluster.locks.acquire(m.name, { timeoutMs: Math.max(1, until - monotonicMs()) })
        const from = monotonicMs()
        const token = String(lock.fencingToken)
        // Reported at once too: a holder killed with -9 never reports its release.
        tell({ t: 'lock-hold', node: cluster.nodeId, contender, token, from, to: 0, lost: false })
        await sleep(m.holdMs, lock.signal)
        const lost = lock.signal.aborted
        const to = monotonicMs()
        await lock.release()
        holds++
        tell({ t: 'lock-hold', node: cluster.nodeId, contender, token, from, to, lost })
      } catch (error) {
        const code = error instanceof ClusterError ? error.code : 'other'
        errors[code] = (errors[code] ?? 0) + 1
        if (code === 'ERR_STOPPED') return
        await sleep(50)
      }
    }
  }))
  tell({ t: 'lock-contend-done', holds, errors })
}

export async function lockBench(cluster: Cluster, m: Of<'lock-bench'>, tell: Tell): Promise<void> {
  const latenciesUs: number[] = []
  let left = m.count
  const start = monotonicMs()
  const until = start + (m.durationMs ?? Infinity)
  await Promise.all(Array.from({ length: m.contenders }, async () => {
    while (left > 0 && monotonicMs() < until) {
      left--
      const t0 = monotonicMs()
      const lock = await cluster.locks.acquire(m.name)
      await lock.release()
      latenciesUs.push((monotonicMs() - t0) * 1000)
    }
  }))
  tell({ t: 'bench-result', latenciesUs, elapsedMs: monotonicMs() - start, count: latenciesUs.length })
}

export async function ckptBench(cluster: Cluster, m: Of<'ckpt-bench'>, tell: Tell): Promise<void> {
  const ckpt = await cluster.checkpoints.open(m.name, { create: true, maxSectionSize: Math.max(m.size, 1 << 20) })
  const data = Buffer.alloc(m.size, 7)
  const latenciesUs: number[] = []
  const start = monotonicMs()
  const until = start + (m.durationMs ?? Infinity)
  for (let i = 0; i < m.count && monotonicMs() < until; i++) {
    const t0 = monotonicMs()
    await ckpt.write(`s${i % 16}`, data)
    latenciesUs.push((monotonicMs() - t0) * 1000)
  }
  const elapsedMs = monotonicMs() - start
  await ckpt.close()
  tell({ t: 'bench-result', latenciesUs, elapsedMs, count: latenciesUs.length })
}

export async function ckptFill(cluster: Cluster, m: Of<'ckpt-fill'>, tell: Tell): Promise<void> {
  const ckpt = await cluster.checkpoints.open(m.name, { create: true, retentionMs: 3_600_000, maxSectionSize: Math.max(m.size, 1 << 20), maxSections: Math.max(m.sections, 4096) })
  const start = monotonicMs()
  const inFlight: Promise<void>[] = []
  for (let i = 0; i < m.sections; i++) {
    inFlight.push(ckpt.write(`s${i}`, Buffer.alloc(m.size, i & 0xff)))
    if (inFlight.length >= 8) await Promise.all(inFlight.splice(0))
  }
  await Promise.all(inFlight)
  tell({ t: 'bench-result', latenciesUs: [], elapsedMs: monotonicMs() - start, count: m.sections })
}

export async function ckptAwait(cluster: Cluster, m: Of<'ckpt-await'>, tell: Tell): Promise<void> {
  // A node that has only just started may not know the checkpoint yet: it learns of it in the sync after its ring join.
  const giveUp = monotonicMs() + 300_000
  let ckpt: Checkpoint | undefined
  while (ckpt === undefined) {
    try {
      ckpt = await cluster.checkpoints.open(m.name)
    } catch (error) {
      if (!(error instanceof ClusterError && error.code === 'ERR_NOT_EXIST') || monotonicMs() > giveUp) throw error
      await sleep(20)
    }
  }
  let data = await ckpt.read(m.section)
  while (data === undefined) {
    if (monotonicMs() > giveUp) throw new Error(`section ${m.section} of ${m.name} still missing after 300 s`)
    await sleep(20)
    data = await ckpt.read(m.section)
  }
  tell({ t: 'ckpt-ready', at: monotonicMs(), bytes: data.length })
}
