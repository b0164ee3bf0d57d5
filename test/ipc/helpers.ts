import { mkdtempSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdminServer, type AdminServerOptions } from '../../lib/ipc/server.js'
import type { AdminTable } from '../../lib/ipc/table.js'
import { FrameReader } from '../../lib/ipc/protocol.js'

/** A fresh directory for sockets (short path: sun_path is 108 bytes). */
export function socketDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `tsha-${tag}-`))
}

/** A server with a small table of its own, no cluster behind it. */
export async function stubServer<C>(path: string, table: AdminTable<C>, context: C, extra: Partial<AdminServerOptions<C>> = {}): Promise<AdminServer<C>> {
  const server = new AdminServer<C>({
    path, mode: 0o600, ownDirectory: false, table, context,
    identity: () => ({ clusterName: 'stub', nodeId: 7, version: 'test' }), ...extra,
  })
  await server.listen()
  return server
}

/** Opens a raw connection, writes `bytes`, and collects what comes back until the node closes it (or `ms` pass). */
export function rawExchange(path: string, bytes: Buffer, ms = 5000): Promise<{ frames: unknown[]; closedByNode: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(path)
    const reader = new FrameReader(64 * 1024 * 1024)
    const frames: unknown[] = []
    const timer = setTimeout(() => { socket.destroy(); resolve({ frames, closedByNode: false }) }, ms)
    socket.on('connect', () => { socket.write(bytes) })
    socket.on('data', (chunk: Buffer) => { for (const f of reader.push(chunk).frames) frames.push(JSON.parse(f.toString('utf8'))) })
    socket.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { clearTimeout(timer); reject(e) } })
    socket.on('close', () => { clearTimeout(timer); resolve({ frames, closedByNode: true }) })
  })
}

export function frameOf(body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const h = Buffer.alloc(4)
  h.writeUInt32BE(b.length, 0)
  return Buffer.concat([h, b])
}
