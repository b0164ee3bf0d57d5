import dgram from 'node:dgram'
import { corrupt, CORRUPTION_KINDS } from '../../lib/transport/corruption.js'
import type { NodeId } from '../../lib/totem/ring-id.js'
import { FrameCodec } from '../../lib/wire/codec.js'
import type { Frame } from '../../lib/wire/frames.js'

/**
 * A fuzzing socket per listed node address (127.0.0.<id>, any port: udpu
 * checks the source address only): sends altered copies of well-formed
 * frames of the cluster (joins, merge detects, multicasts and tokens with the
 * cluster's name, so only the damage tells them apart) and plain garbage to
 * every node. Bounded in count and time; loopback only.
 */
export class Fuzzer {
  readonly #sockets: dgram.Socket[] = []
  readonly #codec: FrameCodec
  readonly #ids: readonly NodeId[]
  readonly #port: number
  #state = 0x9e3779b9
  sent = 0

  constructor(clusterName: string, ids: readonly NodeId[], port: number) {
    this.#ids = ids
    this.#port = port
    this.#codec = new FrameCodec({ clusterName, nodes: ids, frameSizeMax: 1472 })
  }

  async open(): Promise<void> {
    for (const id of this.#ids) {
      const socket = dgram.createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(0, `127.0.0.${id}`, () => resolve())
      })
      this.#sockets.push(socket)
    }
  }

  /** Sends `count` datagrams spread over `durationMs`, to every node from every listed address in turn. */
  async storm(count: number, durationMs: number, ringSeq: () => number): Promise<void> {
    const started = Date.now()
    for (let i = 0; i < count && Date.now() - started < durationMs * 2; i++) {
      const from = i % this.#sockets.length
      const to = this.#ids[this.#int(this.#ids.length)]!
      const bytes = this.#datagram(this.#ids[from]!, ringSeq())
      this.#sockets[from]!.send(bytes, this.#port, `127.0.0.${to}`)
      this.sent++
      const due = started + ((i + 1) * durationMs) / count
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }

  #datagram(sender: NodeId, ringSeq: number): Uint8Array {
    const ringId = { rep: this.#ids[0]!, seq: ringSeq }
    const bodies: Frame['body'][] = [
      { kind: 'join', procList: [...this.#ids], failedList: [], ringSeq, leave: false },
      { kind: 'merge-detect', ringId },
      { kind: 'mcast', ringId, seq: 1 + this.#int(500), origin: sender, guarantee: 'agreed', payload: new Uint8Array(1 + this.#int(200)), recovered: undefined },
      { kind: 'token', ringId, tokenSeq: this.#int(1e6), seq: this.#int(500), aru: 0, aruAddr: 0, backlog: 0, fcc: 0, retransFlg: false, rtr: [] },
    ]
    const genuine = this.#codec.encode({ sender, body: bodies[this.#int(bodies.length)]! })
    const other = this.#codec.encode({ sender, body: bodies[0]! })
    const altered = corrupt(genuine, CORRUPTION_KINDS[this.#int(CORRUPTION_KINDS.length)]!, (n) => this.#int(n), other)
    // Damage only: a frame left intact (two flips of one bit) would be a forgery, which plain mode does not stop.
    const same = (a: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(altered))
    if ((same(genuine) || same(other)) && altered.length > 0) altered[0] = altered[0]! ^ 0x40
    return altered
  }

  /** xorshift32: a fixed sequence, so a failing run sends the same storm again. */
  #int(n: number): number {
    let x = this.#state
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#state = x >>> 0
    return this.#state % n
  }
}
