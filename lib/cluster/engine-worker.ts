import createDebug from 'debug'
import { format } from 'node:util'
import { parentPort, workerData } from 'node:worker_threads'
import { serializeError } from '../errors.js'
import { EngineRuntime } from './engine-runtime.js'
import type { EngineOptions, FromEngine, ToEngine } from './protocol.js'

/**
 * Entry point of the engine thread. The token, the timers and the sockets live
 * here, so a main thread blocked by the application (GC, CPU-bound work) does
 * not make this node miss token timeouts and get expelled.
 */
const port = parentPort!
const send = (message: FromEngine): void => { port.postMessage(message) }

// Layers that log through `debug` directly (transport, runtime) would write to
// this thread's stderr, out of the application's reach: hand their lines to
// the main thread's logger instead. Namespaces are enabled by DEBUG as usual.
createDebug.formatArgs = function keep() {}
createDebug.log = function forward(this: { namespace: string }, ...args: unknown[]) {
  send({ t: 'log', record: { level: 'debug', layer: this.namespace.replace(/^ts-ha:/, ''), msg: format(...args) } })
}

let runtime: EngineRuntime
try {
  runtime = new EngineRuntime(workerData as EngineOptions, send)
  port.on('message', (message: ToEngine) => { runtime.handle(message) })
  runtime.start().catch((error: unknown) => { send({ t: 'failed', error: serializeError(error) }) })
} catch (error) {
  send({ t: 'failed', error: serializeError(error) })
}
