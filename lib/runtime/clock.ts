import { performance } from 'node:perf_hooks'

/**
 * The only clock ts-ha reads outside the simulator: monotonic milliseconds
 * (fractional), never wall time, so NTP steps cannot fire or starve timers.
 */
export interface Clock {
  now(): number
}

export const systemClock: Clock = Object.freeze({ now: () => performance.now() })
