import { Worker } from 'node:worker_threads'
import type { MemoryHub } from '../transport/memory.js'
import { EngineRuntime } from './engine-runtime.js'
import type { ClusterOptions } from './options.js'
import type { FromEngine, ToEngine } from './protocol.js'

/** The main thread's end of the engine, wherever the engine runs. */
export interface EngineHandle {
  post(message: ToEngine): void
  /** Ends the engine's thread (after a graceful stop, or at once on failure). */
  terminate(): Promise<void>
}

export function workerEngine(options: ClusterOptions, onMessage: (message: FromEngine) => void): EngineHandle {
  const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { workerData: options })
  worker.on('message', onMessage)
  worker.on('error', (error) => { onMessage({ t: 'failed', code: 'ERR_TRANSPORT', message: `engine thread failed: ${error.message}` }) })
  return {
    post: (message) => { worker.postMessage(message) },
    terminate: async () => { await worker.terminate() },
  }
}

/**
 * The engine on the main thread (tests, the in-memory transport). Messages
 * still cross an asynchronous boundary so both modes behave alike.
 */
export function inlineEngine(options: ClusterOptions, onMessage: (message: FromEngine) => void, hub?: MemoryHub): EngineHandle {
  const deliver = (message: FromEngine): void => { queueMicrotask(() => { onMessage(message) }) }
  let runtime: EngineRuntime | undefined
  try {
    runtime = new EngineRuntime(options, deliver, hub)
    runtime.start().catch((error: unknown) => { fail(error) })
  } catch (error) {
    fail(error)
  }
  function fail(error: unknown): void {
    const e = error as { code?: string; message?: string }
    deliver({ t: 'failed', code: e.code ?? 'ERR_TRANSPORT', message: e.message ?? String(error) })
  }
  return {
    post: (message) => { queueMicrotask(() => { runtime?.handle(message) }) },
    terminate: async () => { await runtime?.stop() },
  }
}
