import type { McastResult } from '../../totem/events.js'
import type { ClientRequest, ServiceContext } from '../service.js'
import type { Reply } from './local.js'
import type { CkptMessage } from './messages.js'
import type { Replica } from './replica.js'
import { CKPT_DEFAULT_MAX_SECTIONS, CKPT_NAME_MAX, CKPT_SECTION_SIZE_MAX, type CheckpointInfo, type CkptAttributes } from './types.js'

/**
 * Client requests. Checks that need no replicated state are made here (a fast
 * answer); the rest is decided at delivery, identically on every member, and
 * answered when this node delivers its own message. Reads are local: replicas
 * are identical, but a copy still arriving makes them wait.
 */

type Args = Record<string, unknown>

function badName(value: unknown, what: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > CKPT_NAME_MAX) {
    return `${what} must be a string of 1 to ${CKPT_NAME_MAX} bytes`
  }
  return undefined
}

function count(args: Args, key: string, fallback: number, max: number): number | string {
  const v = args[key]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) return `${key} must be an integer from 0 to ${max}`
  return v
}

function attributesOf(args: Args): CkptAttributes | string {
  const retentionMs = count(args, 'retentionMs', 0, Number.MAX_SAFE_INTEGER)
  const maxSections = count(args, 'maxSections', CKPT_DEFAULT_MAX_SECTIONS, 0xffffffff)
  const maxSectionSize = count(args, 'maxSectionSize', CKPT_SECTION_SIZE_MAX, CKPT_SECTION_SIZE_MAX)
  for (const v of [retentionMs, maxSections, maxSectionSize]) if (typeof v === 'string') return v
  return { retentionMs: retentionMs as number, maxSections: maxSections as number, maxSectionSize: maxSectionSize as number }
}

function refused(result: McastResult): [string, string] {
  const code = result === 'queue-full' ? 'ERR_QUEUE_FULL' : result === 'too-big' ? 'ERR_MESSAGE_TOO_LARGE' : 'ERR_STOPPED'
  return [code, `not sent: ${result}`]
}

export function handleRequest(ctx: ServiceContext, replica: Replica, request: ClientRequest, r: Reply): void {
  const args = (request.args ?? {}) as Args
  if (request.op === 'list') return r.ok(list(replica))
  const invalid = badName(args['name'], 'a checkpoint name')
  if (invalid !== undefined) return r.fail('ERR_INVALID_ARGUMENT', invalid)
  switch (request.op) {
    case 'open': return open(ctx, replica, request.client, args, r)
    case 'write': case 'delete': return mutate(ctx, replica, request.op, args, r)
    case 'close': return close(ctx, replica, args, r)
    case 'unlink': return unlink(ctx, replica, args, r)
    case 'read': return read(replica, args, r)
    case 'sections': return sections(replica, args, r)
    default: return r.fail('ERR_INVALID_ARGUMENT', `ckpt has no operation ${request.op}`)
  }
}

/** Multicasts a message whose delivery answers `r`. */
function sendPending(ctx: ServiceContext, replica: Replica, m: CkptMessage & { request: number }, op: 'open' | 'close' | 'write' | 'delete' | 'unlink', r: Reply): boolean {
  const safe = m.kind === 'write' || m.kind === 'delete' || m.kind === 'unlink' || (m.kind === 'open' && m.create)
  const result = replica.send(ctx, m, safe ? 'safe' : 'agreed')
  if (result !== 'ok') {
    r.fail(...refused(result))
    return false
  }
  replica.local.pending.set(m.request, { reply: r, op })
  return true
}

function open(ctx: ServiceContext, replica: Replica, client: string, args: Args, r: Reply): void {
  const name = args['name'] as string
  const handleId = args['handleId']
  if (typeof handleId !== 'string' || handleId.length === 0 || handleId.length > CKPT_NAME_MAX) return r.fail('ERR_INVALID_ARGUMENT', 'handleId must be a non-empty string')
  if (replica.local.handles.has(handleId)) return r.fail('ERR_INVALID_ARGUMENT', `handle ${handleId} is already in use`)
  const attributes = attributesOf(args)
  if (typeof attributes === 'string') return r.fail('ERR_INVALID_ARGUMENT', attributes)
  const create = args['create'] === true
  if (create && !ctx.quorate && replica.store.get(name) === undefined) return r.fail('ERR_NO_QUORUM', `creating ${name} needs quorum`)
  const request = replica.local.nextRequest()
  if (!sendPending(ctx, replica, { kind: 'open', name, handleId, create, attributes, request }, 'open', r)) return
  replica.local.handles.set(handleId, { handleId, name, client, state: 'opening', uid: '', abandoned: false })
}

function mutate(ctx: ServiceContext, replica: Replica, op: 'write' | 'delete', args: Args, r: Reply): void {
  const name = args['name'] as string
  const h = replica.local.handles.get(String(args['handleId']))
  if (h === undefined || h.name !== name || h.state !== 'open') return r.fail('ERR_NOT_EXIST', `checkpoint ${name} is not open on handle ${String(args['handleId'])}`)
  const invalid = badName(args['section'], 'a section name')
  if (invalid !== undefined) return r.fail('ERR_INVALID_ARGUMENT', invalid)
  const data = op === 'write' ? args['data'] : new Uint8Array(0)
  if (!(data instanceof Uint8Array)) return r.fail('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array')
  const limit = replica.store.get(name)?.attributes.maxSectionSize ?? CKPT_SECTION_SIZE_MAX
  if (data.length > limit) return r.fail('ERR_MESSAGE_TOO_LARGE', `${data.length} bytes exceeds the section limit of ${limit}`)
  if (!ctx.quorate) return r.fail('ERR_NO_QUORUM', `checkpoint ${name} cannot change without quorum`)
  const section = args['section'] as string
  const request = replica.local.nextRequest()
  const m: CkptMessage & { request: number } = op === 'write'
    ? { kind: 'write', name, handleId: h.handleId, section, data, request }
    : { kind: 'delete', name, handleId: h.handleId, section, request }
  sendPending(ctx, replica, m, op, r)
}

function close(ctx: ServiceContext, replica: Replica, args: Args, r: Reply): void {
  const name = args['name'] as string
  const h = replica.local.handles.get(String(args['handleId']))
  if (h === undefined || h.name !== name || h.state === 'opening' || h.state === 'closing') return r.fail('ERR_NOT_EXIST', `checkpoint ${name} is not open on handle ${String(args['handleId'])}`)
  if (h.state === 'dead') {
    replica.local.handles.delete(h.handleId)
    return r.ok()
  }
  const request = replica.local.nextRequest()
  if (sendPending(ctx, replica, { kind: 'close', name, handleId: h.handleId, request }, 'close', r)) h.state = 'closing'
}

function unlink(ctx: ServiceContext, replica: Replica, args: Args, r: Reply): void {
  const name = args['name'] as string
  if (!ctx.quorate) return r.fail('ERR_NO_QUORUM', `checkpoint ${name} cannot be unlinked without quorum`)
  sendPending(ctx, replica, { kind: 'unlink', name, request: replica.local.nextRequest() }, 'unlink', r)
}

/** Waits while this node's copy is unavailable or the section is still on its way. */
function read(replica: Replica, args: Args, r: Reply): void {
  const name = args['name'] as string
  const section = args['section']
  if (typeof section !== 'string') return r.fail('ERR_INVALID_ARGUMENT', 'a section name must be a string')
  if (replica.store.get(name) === undefined) return r.fail('ERR_NOT_EXIST', `no checkpoint ${name}`)
  replica.local.wait(name, {
    client: r.client,
    check: () => {
      const c = replica.store.get(name)
      if (c === undefined) r.fail('ERR_NOT_EXIST', `checkpoint ${name} is gone`)
      else if (!c.available) return false
      else if (c.sections.has(section)) r.ok(c.sections.get(section)!.data)
      else if (c.receiving !== undefined && (!c.known || c.receiving.names.has(section))) return false
      else r.ok(undefined)
      return true
    },
  })
}

function sections(replica: Replica, args: Args, r: Reply): void {
  const name = args['name'] as string
  if (replica.store.get(name) === undefined) return r.fail('ERR_NOT_EXIST', `no checkpoint ${name}`)
  replica.local.wait(name, {
    client: r.client,
    check: () => {
      const c = replica.store.get(name)
      if (c === undefined) r.fail('ERR_NOT_EXIST', `checkpoint ${name} is gone`)
      else if (!c.available || !c.known) return false
      else r.ok(c.sectionNames())
      return true
    },
  })
}

/** One row per checkpoint on this node, sorted by name. */
function list(replica: Replica): CheckpointInfo[] {
  return [...replica.store.checkpoints.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => ({
    name: c.name, sections: c.sectionCount, bytes: c.bytes, openHandles: c.handles.size, complete: c.complete, available: c.available,
    retentionMs: c.attributes.retentionMs,
  }))
}
