import { parentPort, workerData } from 'node:worker_threads'
import { EngineRuntime } from './engine-runtime.js'
import type { ClusterOptions } from './options.js'
import type { FromEngine, ToEngine } from './protocol.js'

/**
 * Entry point of the engine thread. The token, the timers and the sockets live
 * here, so a main thread blocked by the application (GC, CPU-bound work) does
 * not make this node miss token timeouts and get expelled.
 */
const port = parentPort!
const send = (message: FromEngine): void => { port.postMessage(message) }
let runtime: EngineRuntime
try {
  runtime = new EngineRuntime(workerData as ClusterOptions, send)
  port.on('message', (message: ToEngine) => { runtime.handle(message) })
  runtime.start().catch((error: unknown) => { fail(error) })
} catch (error) {
  fail(error)
}

function fail(error: unknown): void {
  const e = error as { code?: string; message?: string }
  send({ t: 'failed', code: e.code ?? 'ERR_TRANSPORT', message: e.message ?? String(error) })
}
