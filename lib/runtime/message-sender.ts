import type { Guarantee } from '../wire/frames.js'
import type { TotemDriver } from './driver.js'
import { monotonicMs } from './node-protocol.js'

export interface SendReport {
  readonly sent: number
  readonly refused: number
  readonly startAt: number
  readonly endAt: number
}

/**
 * Load generation for node processes: self-describing messages
 * (origin u32, counter u32, send time f64, filler) sent at a fixed rate or as
 * fast as Totem's flow control admits, waiting for `writable` on `queue-full`
 * instead of spinning.
 */
export class MessageSender {
  readonly #driver: TotemDriver
  readonly #self: number
  #counter = 0

  constructor(driver: TotemDriver, self: number) {
    this.#driver = driver
    this.#self = self
  }

  async send(count: number, size: number, guarantee: Guarantee, ratePerSec: number): Promise<SendReport> {
    const startAt = monotonicMs()
    let refused = 0
    for (let i = 0; i < count; i++) {
      if (ratePerSec > 0) {
        const due = startAt + (i * 1000) / ratePerSec
        const wait = due - monotonicMs()
        if (wait > 1) await sleep(wait)
      }
      refused += await this.#one(size, guarantee)
    }
    return { sent: count, refused, startAt, endAt: monotonicMs() }
  }

  async flood(durationMs: number, size: number, guarantee: Guarantee): Promise<SendReport> {
    const startAt = monotonicMs()
    let sent = 0
    let refused = 0
    while (monotonicMs() - startAt < durationMs) {
      // Yield often: the engine shares this thread, and the token waits while we produce.
      for (let i = 0; i < 8; i++) {
        refused += await this.#one(size, guarantee)
        sent++
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    return { sent, refused, startAt, endAt: monotonicMs() }
  }

  /** Sends one message, waiting for room if needed; returns how many times it was refused. */
  async #one(size: number, guarantee: Guarantee): Promise<number> {
    const payload = Buffer.alloc(Math.max(16, size))
    payload.writeUInt32LE(this.#self, 0)
    payload.writeUInt32LE(this.#counter, 4)
    let refused = 0
    for (;;) {
      payload.writeDoubleLE(monotonicMs(), 8)
      const result = this.#driver.mcast(payload, { guarantee })
      if (result === 'ok') break
      if (result !== 'queue-full') throw new Error(`mcast refused: ${result}`)
      refused++
      await new Promise<void>((resolve) => this.#driver.once('writable', () => resolve()))
    }
    this.#counter++
    return refused
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
