import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ConfigError, serializeError } from '../errors.js'
import type { MemoryHub } from '../transport/memory.js'
import { EngineRuntime } from './engine-runtime.js'
import type { EngineOptions, FromEngine, ToEngine } from './protocol.js'

/** The main thread's end of the engine, wherever the engine runs. */
export interface EngineHandle {
  post(message: ToEngine): void
  /** Ends the engine's thread (after a graceful stop, or at once on failure). */
  terminate(): Promise<void>
}

/**
 * The engine thread's script: `engine-worker.js` beside this module, which in
 * an application bundle means beside the bundle (build `ts-ha/engine-worker`
 * as a second entry point into the same directory), or where `engineWorker` says.
 */
export function workerScript(engineWorker: string | URL | undefined): URL {
  const url = engineWorker === undefined ? new URL('./engine-worker.js', import.meta.url)
    : engineWorker instanceof URL ? engineWorker : pathToFileURL(engineWorker)
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
    throw new ConfigError('engineWorker', `the engine thread's script ${fileURLToPath(url)} does not exist; when bundling, build ts-ha/engine-worker as a second entry point next to the bundle (or set engineWorker, or engine: 'inline')`)
  }
  return url
}

export function workerEngine(options: EngineOptions, script: URL, onMessage: (message: FromEngine) => void): EngineHandle {
  const worker = new Worker(script, { workerData: options })
  let ended = false
  worker.on('message', onMessage)
  worker.on('error', (error) => { onMessage({ t: 'failed', error: serializeError(error) }) })
  worker.on('exit', (code) => {
    if (!ended) onMessage({ t: 'failed', error: serializeError(new Error(`the engine thread exited (code ${code})`)) })
  })
  return {
    post: (message) => { worker.postMessage(message) },
    terminate: async () => {
      ended = true
      await worker.terminate()
    },
  }
}

/**
 * The engine on the main thread (tests, the in-memory transport). Messages
 * still cross an asynchronous boundary so both modes behave alike.
 */
export function inlineEngine(options: EngineOptions, onMessage: (message: FromEngine) => void, hub?: MemoryHub): EngineHandle {
  const deliver = (message: FromEngine): void => { queueMicrotask(() => { onMessage(message) }) }
  let runtime: EngineRuntime | undefined
  try {
    runtime = new EngineRuntime(options, deliver, hub)
    runtime.start().catch((error: unknown) => { deliver({ t: 'failed', error: serializeError(error) }) })
  } catch (error) {
    deliver({ t: 'failed', error: serializeError(error) })
  }
  return {
    post: (message) => { queueMicrotask(() => { runtime?.handle(message) }) },
    terminate: async () => { await runtime?.stop() },
  }
}
