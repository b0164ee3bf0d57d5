/**
 * The admin socket's wire protocol: each frame is a 4-byte big-endian length
 * and that many bytes of UTF-8 JSON. The client sends requests
 * `{ id, method, params }`; the node answers each with a response carrying
 * the same `id`, and pushes `event` frames for subscriptions. The first
 * request must be `hello` with the cookie.
 *
 * @module
 */

/** Bumped on an incompatible change; `hello` carries it both ways. */
export const ADMIN_PROTOCOL = 1
/** Largest frame either side accepts (length prefix excluded). */
export const ADMIN_FRAME_MAX = 8 * 1024 * 1024
/** Bytes of random cookie (hex in the file, 64 characters). */
export const ADMIN_COOKIE_BYTES = 32

export interface AdminRequest {
  /** Chosen by the client, echoed in the response: a non-negative integer. */
  readonly id: number
  readonly method: string
  readonly params?: Readonly<Record<string, unknown>>
}

export interface AdminErrorBody {
  /** A ClusterError code, e.g. ERR_ACCESS, ERR_PROTOCOL, ERR_NOT_EXIST. */
  readonly code: string
  readonly message: string
}

export type AdminResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  /** `id` is null when the frame it answers had none (a malformed frame: the connection closes after it). */
  | { readonly id: number | null; readonly ok: false; readonly error: AdminErrorBody }

export interface AdminEvent {
  readonly event: string
  readonly subscription: number
  readonly data: unknown
}

/** What `hello` answers. */
export interface HelloResult {
  readonly server: 'ts-ha'
  readonly version: string
  readonly protocol: number
  readonly clusterName: string
  readonly nodeId: number
  readonly methods: readonly string[]
  readonly topics: readonly string[]
}

/** Length prefix + JSON. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8')
  const frame = Buffer.allocUnsafe(4 + body.length)
  frame.writeUInt32BE(body.length, 0)
  body.copy(frame, 4)
  return frame
}

/** Why a byte stream stopped making sense. */
export type FrameFault = 'oversized' | 'empty'

/**
 * Splits a byte stream into frame bodies. Refuses a length above `maxBytes`
 * as soon as the 4-byte prefix is in, so an oversized frame is never buffered.
 */
export class FrameReader {
  readonly #maxBytes: number
  #chunks: Buffer[] = []
  #buffered = 0

  constructor(maxBytes: number = ADMIN_FRAME_MAX) {
    this.#maxBytes = maxBytes
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.#buffered
  }

  /** The complete frame bodies in `chunk` (and what came before), or the fault that ends the stream. */
  push(chunk: Buffer): { readonly frames: Buffer[]; readonly fault?: FrameFault; readonly length?: number } {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    const frames: Buffer[] = []
    while (this.#buffered >= 4) {
      const head = this.#peek(4)
      const length = head.readUInt32BE(0)
      if (length === 0) return { frames, fault: 'empty', length }
      if (length > this.#maxBytes) return { frames, fault: 'oversized', length }
      if (this.#buffered < 4 + length) break
      frames.push(this.#take(4 + length).subarray(4))
    }
    return { frames }
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length < n) this.#chunks = [Buffer.concat(this.#chunks)]
    return this.#chunks[0]!.subarray(0, n)
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.#chunks = rest.length === 0 ? [] : [rest]
    this.#buffered = rest.length
    return out
  }
}
