import type { ServiceHost } from '../../services/host.js'
import type { NodeId } from '../../totem/ring-id.js'
import { InvariantViolation } from '../checkers/violation.js'
import type { Prng } from '../prng.js'
import { decodeWorkloadMessage, encodeWorkloadMessage } from '../workload.js'

export const CKPT_NAMES = ['alpha', 'beta', 'gamma'] as const
const SECTIONS = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']
const HANDLES_MAX = 4
const PENDING_MAX = 40

interface Pending {
  readonly op: string
  readonly name: string
  readonly handleId?: string
  readonly section?: string
}

/**
 * One node's simulated checkpoint clients (the library side): open (mostly
 * creating) a few names, write sections of every size (some span many
 * transfer chunks), delete, read, list, close, sometimes unlink. Section
 * contents identify their writer and check themselves, so a torn or mixed
 * section is caught on every read.
 */
export class CkptClients {
  readonly node: NodeId
  readonly incarnation: number
  /** Open handles: handle id → checkpoint name. */
  readonly handles = new Map<string, string>()
  readonly pending = new Map<number, Pending>()
  reads = 0
  #request = 0
  #counter = 0
  #handle = 0

  constructor(node: NodeId, incarnation: number) {
    this.node = node
    this.incarnation = incarnation
  }

  get client(): string {
    return `k${this.node}.${this.incarnation}`
  }

  /** One random client action. `chunkBytes` sizes the large writes (several transfer chunks). */
  step(now: number, host: ServiceHost, prng: Prng, chunkBytes: number): void {
    if (this.pending.size >= PENDING_MAX) return
    const handles = [...this.handles]
    const roll = prng.int(100)
    if (handles.length === 0 || roll < 8) {
      if (this.handles.size + this.#opening() < HANDLES_MAX) this.#open(now, host, prng)
      return
    }
    const [handleId, name] = prng.pick(handles)
    const section = prng.pick(SECTIONS)
    if (roll < 60) {
      const size = prng.chance(0.7) ? prng.range(0, 300) : prng.chance(0.6) ? prng.range(300, 5000) : prng.range(chunkBytes, 10 * chunkBytes)
      const data = encodeWorkloadMessage({ origin: this.node, incarnation: this.incarnation, counter: this.#counter++ }, size)
      this.#send(now, host, 'write', { name, handleId, section, data }, { op: 'write', name, handleId })
    } else if (roll < 70) {
      this.#send(now, host, 'delete', { name, handleId, section }, { op: 'delete', name, handleId })
    } else if (roll < 84) {
      this.#send(now, host, 'read', { name, section }, { op: 'read', name, section })
    } else if (roll < 89) {
      this.#send(now, host, 'sections', { name }, { op: 'sections', name })
    } else if (roll < 97) {
      this.handles.delete(handleId)
      this.#send(now, host, 'close', { name, handleId }, { op: 'close', name, handleId })
    } else {
      const victim = prng.pick(CKPT_NAMES)
      this.#send(now, host, 'unlink', { name: victim }, { op: 'unlink', name: victim })
    }
  }

  /** An answer for this client: keep the handle table current, check what reads return. */
  answered(now: number, host: ServiceHost, id: number, ok: boolean, value: unknown, code: string | undefined): void {
    const p = this.pending.get(id)
    if (p === undefined) return
    this.pending.delete(id)
    if (p.op === 'open' && ok) this.handles.set(p.handleId!, p.name)
    if ((p.op === 'write' || p.op === 'delete') && code === 'ERR_NOT_EXIST' && this.handles.delete(p.handleId!)) {
      this.#send(now, host, 'close', { name: p.name, handleId: p.handleId }, { op: 'close', name: p.name })
    }
    if (p.op === 'read' && ok) this.#checkRead(p, value)
  }

  /** The checkpoint went away: its handles are dead, close them. */
  unlinked(now: number, host: ServiceHost, name: string): void {
    for (const [handleId, n] of [...this.handles]) {
      if (n !== name) continue
      this.handles.delete(handleId)
      this.#send(now, host, 'close', { name, handleId }, { op: 'close', name })
    }
  }

  #checkRead(p: Pending, value: unknown): void {
    this.reads++
    if (value === undefined) return
    if (!(value instanceof Uint8Array)) throw new InvariantViolation('ckpt', `n${this.node}: read of ${p.name}/${p.section} returned ${typeof value}`)
    if (value.length === 0) return
    const id = decodeWorkloadMessage(value)
    if (typeof id === 'string') throw new InvariantViolation('ckpt', `n${this.node}: read of ${p.name}/${p.section} returned a torn section: ${id}`)
  }

  #opening(): number {
    let n = 0
    for (const p of this.pending.values()) if (p.op === 'open') n++
    return n
  }

  #open(now: number, host: ServiceHost, prng: Prng): void {
    const name = prng.pick(CKPT_NAMES)
    const handleId = `${this.client}.h${++this.#handle}`
    const args = {
      name, handleId, create: prng.chance(0.8),
      retentionMs: prng.pick([0, 0, 300, 3000]),
      maxSections: prng.pick([4096, 4096, 5]),
      maxSectionSize: prng.pick([1024 * 1024, 1024 * 1024, 2000]),
    }
    this.#send(now, host, 'open', args, { op: 'open', name, handleId })
  }

  #send(now: number, host: ServiceHost, op: string, args: unknown, pending: Pending): void {
    const id = ++this.#request
    this.pending.set(id, pending)
    host.request(now, 'ckpt', { client: this.client, op, args, id })
  }
}
