import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import ts from 'typescript'
import type { RingId } from '../../lib/totem/ring-id.js'
import { FrameCodec } from '../../lib/wire/codec.js'
import type {
  CommitEntry, CommitToken, Frame, FrameBody, Guarantee, Mcast, MembJoin, MergeDetect, OrfToken, PgPacket, RtrItem,
  TokenHoldCancel,
} from '../../lib/wire/frames.js'
import { loadProto } from '../../lib/wire/proto-files.js'
import { lookupType } from '../../lib/wire/schema.js'

/*
 * The proto is the wire contract and frames.ts is what the protocol core
 * programs against; a field present in one and not the other is either silently
 * dropped on receive or never sent. Every proto field must be listed below, and
 * the table's types make the compiler reject a TS property that no proto field
 * feeds.
 */

const PACKAGE = 'tsha.totem.v1'
const repo = new URL('../../../', import.meta.url)

/** Proto fields that have no TS property, each with the reason. */
type Unmapped = { readonly header: string }
type Props<T> = Exclude<keyof T, 'kind'> & string
type Missing<T, M> = Exclude<Props<T>, { [K in keyof M]: M[K] extends string ? M[K] : never }[keyof M]>

/** Builds one row; fails to compile when a TS property of T is fed by no proto field. */
function row<T>(ts: string, file: 'frames' | 'ring-id') {
  return <const M extends Record<string, Props<T> | Unmapped>>(
    fields: M & ([Missing<T, M>] extends [never] ? unknown : { unmappedTsProperty: Missing<T, M> }),
  ): MessageRow => ({ ts, file, fields })
}

interface MessageRow {
  readonly ts: string
  readonly file: 'frames' | 'ring-id'
  readonly fields: Readonly<Record<string, string | Unmapped>>
}

const BODY = 'body'
type FrameRow = Omit<Frame, 'body'> & { readonly [BODY]: FrameBody }

const TABLE: Readonly<Record<string, MessageRow>> = {
  RingId: row<RingId>('RingId', 'ring-id')({ rep: 'rep', seq: 'seq' }),
  Frame: row<FrameRow>('Frame', 'frames')({
    version: { header: 'checked against PROTOCOL_VERSION and stripped by FrameCodec' },
    cluster: { header: 'checked against clusterHash(clusterName) and stripped by FrameCodec' },
    checksum: { header: 'CRC-32C written last and verified first by FrameCodec (plain mode)' },
    sender: 'sender',
    token: BODY, mcast: BODY, join: BODY, commit: BODY, merge_detect: BODY, hold_cancel: BODY,
  }),
  OrfToken: row<OrfToken>('OrfToken', 'frames')({
    ring_id: 'ringId', token_seq: 'tokenSeq', seq: 'seq', aru: 'aru', aru_addr: 'aruAddr', backlog: 'backlog',
    fcc: 'fcc', retrans_flg: 'retransFlg', rtr: 'rtr',
  }),
  RtrItem: row<RtrItem>('RtrItem', 'frames')({ ring_id: 'ringId', seq: 'seq' }),
  Mcast: row<Mcast>('Mcast', 'frames')({
    ring_id: 'ringId', seq: 'seq', origin: 'origin', guarantee: 'guarantee', payload: 'payload', recovered: 'recovered',
  }),
  MembJoin: row<MembJoin>('MembJoin', 'frames')({
    proc_list: 'procList', failed_list: 'failedList', ring_seq: 'ringSeq', leave: 'leave',
  }),
  CommitEntry: row<CommitEntry>('CommitEntry', 'frames')({
    ring_id: 'ringId', aru: 'aru', high_delivered: 'highDelivered', received_flg: 'receivedFlg', safe_up_to: 'safeUpTo',
  }),
  CommitToken: row<CommitToken>('CommitToken', 'frames')({
    ring_id: 'ringId', token_seq: 'tokenSeq', members: 'members', entries: 'entries', memb_index: 'membIndex',
  }),
  MergeDetect: row<MergeDetect>('MergeDetect', 'frames')({ ring_id: 'ringId' }),
  TokenHoldCancel: row<TokenHoldCancel>('TokenHoldCancel', 'frames')({ ring_id: 'ringId' }),
  PgPacket: row<PgPacket>('PgPacket', 'frames')({
    first_no: 'firstNo', first_offset: 'firstOffset', last_partial: 'lastPartial', chunks: 'chunks',
  }),
}

/** Which TS body each member of the Frame.body oneof becomes; keyed by kind so a new kind must be listed. */
const BODIES: Readonly<Record<FrameBody['kind'], { field: string; message: string }>> = {
  token: { field: 'token', message: 'OrfToken' },
  mcast: { field: 'mcast', message: 'Mcast' },
  join: { field: 'join', message: 'MembJoin' },
  commit: { field: 'commit', message: 'CommitToken' },
  'merge-detect': { field: 'merge_detect', message: 'MergeDetect' },
  'hold-cancel': { field: 'hold_cancel', message: 'TokenHoldCancel' },
}

const GUARANTEE: Readonly<Record<string, Guarantee>> = { AGREED: 'agreed', SAFE: 'safe' }
const GUARANTEE_TS: Readonly<Record<Guarantee, true>> = { agreed: true, safe: true }

/** Interface name → property name → type text, read from the TS sources. */
function tsInterfaces(file: string): Map<string, Map<string, string>> {
  const path = new URL(file, repo)
  const source = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)
  const out = new Map<string, Map<string, string>>()
  for (const stmt of source.statements) {
    if (!ts.isInterfaceDeclaration(stmt)) continue
    const props = new Map<string, string>()
    for (const member of stmt.members) {
      if (ts.isPropertySignature(member) && member.type !== undefined) props.set(member.name.getText(source), member.type.getText(source))
    }
    out.set(stmt.name.text, props)
  }
  return out
}

function messageTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = []
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested)
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) out.push(...messageTypes(nested))
  }
  return out
}

/** Every disagreement between the proto package and the table, as readable lines. */
function protoProblems(root: protobuf.Root): string[] {
  const problems: string[] = []
  const ns = root.lookup(PACKAGE)
  if (!(ns instanceof protobuf.Namespace)) return [`package ${PACKAGE} not found`]
  const seen = new Set<string>()
  for (const type of messageTypes(ns)) {
    seen.add(type.name)
    const row = TABLE[type.name]
    if (row === undefined) {
      problems.push(`message ${type.name} has no row in the parity table`)
      continue
    }
    for (const field of type.fieldsArray) {
      if (!(field.name in row.fields)) problems.push(`${type.name}.${field.name} (field ${field.id}) is not in the parity table`)
    }
    for (const name of Object.keys(row.fields)) {
      if (type.fields[name] === undefined) problems.push(`${type.name}.${name} is in the parity table but not in the proto`)
    }
  }
  for (const name of Object.keys(TABLE)) if (!seen.has(name)) problems.push(`parity row ${name} names no proto message`)
  return problems
}

/** Checks each mapped TS property exists and has a type consistent with the proto field. */
function tsProblems(root: protobuf.Root): string[] {
  const problems: string[] = []
  const files = { frames: tsInterfaces('lib/wire/frames.ts'), 'ring-id': tsInterfaces('lib/totem/ring-id.ts') }
  for (const [message, row] of Object.entries(TABLE)) {
    const props = files[row.file].get(row.ts)
    if (props === undefined) {
      problems.push(`interface ${row.ts} not found in ${row.file}.ts`)
      continue
    }
    const type = root.lookupType(`${PACKAGE}.${message}`)
    const mapped = new Set<string>()
    for (const [protoName, tsName] of Object.entries(row.fields)) {
      if (typeof tsName !== 'string') continue
      mapped.add(tsName)
      const text = props.get(tsName)
      const field = type.fields[protoName]
      if (text === undefined || field === undefined) {
        problems.push(`${message}.${protoName} → ${row.ts}.${tsName}: property missing`)
        continue
      }
      if (tsName === BODY) continue
      if (field.repeated && !text.endsWith('[]')) problems.push(`${row.ts}.${tsName} should be an array (repeated ${field.type})`)
      const nested = field.resolvedType
      if (nested instanceof protobuf.Type) {
        const want = TABLE[nested.name]?.ts ?? nested.name
        if (!new RegExp(`\\b${want}\\b`).test(text)) problems.push(`${row.ts}.${tsName}: ${text} does not mention ${want}`)
      }
    }
    for (const prop of props.keys()) {
      if (prop !== 'kind' && !mapped.has(prop)) problems.push(`${row.ts}.${prop} is fed by no proto field`)
    }
  }
  return problems
}

/** Parsed keeping the proto's own snake_case names; the codec's root has protobufjs' camelCase ones. */
function parseProto(text: string): protobuf.Root {
  const root = protobuf.parse(text, { keepCase: true }).root
  root.resolveAll()
  return root
}

const protoText = (): string => readFileSync(new URL('proto/totem.proto', repo), 'utf8')

describe('wire/parity', () => {
  const root = parseProto(protoText())

  it('every proto field of every message is in the parity table, and nothing else is', () => {
    const problems = protoProblems(root)
    expect(problems, problems.join('\n')).to.deep.equal([])
  })

  it('every mapped TS property exists in frames.ts / ring-id.ts with a matching shape', () => {
    const problems = tsProblems(root)
    expect(problems, problems.join('\n')).to.deep.equal([])
  })

  it('TS names equal the codec\'s camelCase wire names (the codec spreads token and entry objects onto the wire)', () => {
    const wire = loadProto('totem.proto')
    const problems: string[] = []
    for (const [message, row] of Object.entries(TABLE)) {
      const type = wire.lookupType(`${PACKAGE}.${message}`)
      for (const [protoName, tsName] of Object.entries(row.fields)) {
        const id = root.lookupType(`${PACKAGE}.${message}`).fields[protoName]?.id
        const wireName = type.fieldsArray.find((f) => f.id === id)?.name
        if (typeof tsName === 'string' && tsName !== BODY && wireName !== tsName) problems.push(`${message}.${protoName}: wire ${wireName}, TS ${tsName}`)
      }
    }
    expect(problems, problems.join('\n')).to.deep.equal([])
  })

  it('the Frame body oneof has exactly one member per FrameBody kind', () => {
    const frame = root.lookupType(`${PACKAGE}.Frame`)
    const oneof = frame.oneofs?.['body']
    expect(oneof, 'Frame.body oneof').to.not.equal(undefined)
    const members = oneof!.fieldsArray.map((f) => `${f.name}:${f.resolvedType?.name ?? '?'}`).sort()
    const expected = Object.values(BODIES).map((b) => `${b.field}:${b.message}`).sort()
    expect(members).to.deep.equal(expected)
  })

  it('the Guarantee enum maps onto the TS union and the codec writes the proto values', () => {
    const values = root.lookupEnum(`${PACKAGE}.Guarantee`).values
    expect(Object.keys(values).sort()).to.deep.equal(Object.keys(GUARANTEE).sort())
    expect(Object.values(GUARANTEE).sort()).to.deep.equal(Object.keys(GUARANTEE_TS).sort())
    const codec = new FrameCodec({ clusterName: 'c', nodes: [1], frameSizeMax: 1472 })
    const frameType = lookupType('totem.proto', `${PACKAGE}.Frame`)
    for (const [name, guarantee] of Object.entries(GUARANTEE)) {
      const bytes = codec.encode({
        sender: 1,
        body: { kind: 'mcast', ringId: { rep: 1, seq: 4 }, seq: 1, origin: 1, guarantee, payload: new Uint8Array(1), recovered: undefined },
      })
      const raw = frameType.decode(bytes) as unknown as { mcast: { guarantee: number } }
      expect(raw.mcast.guarantee, name).to.equal(values[name])
    }
  })

  it('notices a field added to the proto (the check can fail)', () => {
    const text = protoText()
    const grown = text.replace('message MergeDetect {', 'message MergeDetect {\n  uint32 epoch = 2;')
    expect(grown).to.not.equal(text)
    const problems = protoProblems(parseProto(grown))
    expect(problems).to.deep.equal(['MergeDetect.epoch (field 2) is not in the parity table'])
  })

  it('notices a new message and a removed field', () => {
    const changed = protoText().replace('  bool leave = 4;', '').concat('\nmessage Extra { uint32 x = 1; }\n')
    const problems = protoProblems(parseProto(changed))
    expect(problems).to.have.members([
      'message Extra has no row in the parity table',
      'MembJoin.leave is in the parity table but not in the proto',
    ])
  })
})
