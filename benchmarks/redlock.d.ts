/** The part of redlock@4.2.0 (which ships no types) that the lock benchmark uses. */
declare module 'redlock' {
  import { EventEmitter } from 'node:events'

  namespace Redlock {
    interface Options {
      readonly driftFactor?: number
      /** -1: retry forever. */
      readonly retryCount?: number
      readonly retryDelay?: number
      readonly retryJitter?: number
    }
    interface Lock {
      readonly resource: string | string[]
      readonly value: string
      readonly expiration: number
      unlock(): Promise<void>
    }
  }

  class Redlock extends EventEmitter {
    constructor(clients: readonly unknown[], options?: Redlock.Options)
    lock(resource: string, ttlMs: number): Promise<Redlock.Lock>
    quit(): Promise<unknown>
  }

  export = Redlock
}
