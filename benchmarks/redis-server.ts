import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { sleep } from './stats.js'

/** A redis-server this benchmark started, and only that one: stop() ends it by PID. */
export interface RedisServer {
  readonly port: number
  readonly pid: number
  stop(): Promise<void>
}

/** Why redis-server cannot be used here, or undefined. */
export function redisUnavailable(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 })
  if (probe.error !== undefined) return `redis-server not runnable (${probe.error.message}); install the Debian package redis-server`
  if (probe.status !== 0) return `redis-server --version exited ${probe.status}`
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const finish = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(500, () => finish(false))
    socket.once('error', () => finish(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')))
  })
}

/** No persistence: the benchmark measures locking, not the disk. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const gone = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])
    if (!gone) {
      child.kill('SIGKILL')
      await exited
    }
  }
  for (const giveUp = Date.now() + 10_000; Date.now() < giveUp;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} before answering`)
    if (await ping(port)) return { port, pid: child.pid!, stop }
    await sleep(50)
  }
  await stop()
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`)
}
