import { Redis } from 'ioredis'
import Redlock from 'redlock'

/**
 * One application instance locking through redlock (forked by the lock
 * benchmark: `redlock-client.js <port>`); the same cycle as the node
 * processes' lock-bench: acquire, retrying until granted, then release.
 */
export type RedlockRequest =
  | { readonly t: 'run'; readonly name: string; readonly contenders: number; readonly count: number; readonly durationMs: number }
  | { readonly t: 'stop' }

export type RedlockReply =
  | { readonly t: 'ready' }
  | { readonly t: 'result'; readonly latenciesUs: readonly number[]; readonly elapsedMs: number; readonly count: number; readonly errors: number }
  | { readonly t: 'error'; readonly message: string }

/** Redlock's recommended drift; a TTL far above any cycle, so a lock never expires while held here. */
const TTL_MS = 1000
const SETTINGS = { driftFactor: 0.01, retryCount: 5000, retryDelay: 10, retryJitter: 10 } as const

const now = (): number => Number(process.hrtime.bigint()) / 1e6
const tell = (m: RedlockReply): void => { process.send?.(m) }

const redis = new Redis({ host: '127.0.0.1', port: Number(process.argv[2]), lazyConnect: true, maxRetriesPerRequest: 1 })
const redlock = new Redlock([redis], SETTINGS)
let clientErrors = 0
redlock.on('clientError', () => { clientErrors++ })

async function run(m: Extract<RedlockRequest, { t: 'run' }>): Promise<void> {
  const latenciesUs: number[] = []
  let left = m.count
  let errors = 0
  const start = now()
  const until = start + m.durationMs
  await Promise.all(Array.from({ length: m.contenders }, async () => {
    while (left > 0 && now() < until) {
      left--
      const t0 = now()
      try {
        const lock = await redlock.lock(m.name, TTL_MS)
        await lock.unlock()
        latenciesUs.push((now() - t0) * 1000)
      } catch {
        // Retries exhausted, or the unlock found the key gone (expired): not a completed cycle.
        errors++
      }
    }
  }))
  tell({ t: 'result', latenciesUs, elapsedMs: now() - start, count: latenciesUs.length, errors: errors + clientErrors })
  clientErrors = 0
}

process.on('message', (m: RedlockRequest) => {
  if (m.t === 'stop') {
    redis.disconnect()
    process.exit(0)
  }
  run(m).catch((error: unknown) => { tell({ t: 'error', message: String(error) }) })
})
process.on('disconnect', () => { redis.disconnect(); process.exit(0) })
redis.connect().then(() => { tell({ t: 'ready' }) }, (error: unknown) => {
  tell({ t: 'error', message: `connect to redis: ${String(error)}` })
  process.exit(1)
})
