import type protobuf from 'protobufjs'
import type { NodeId } from '../../totem/ring-id.js'
import { lookupType } from '../../wire/schema.js'

/** What a Reconfigure changes (corosync VOTEQUORUM_RECONFIG_PARAM_*). */
export type ReconfigureParam = 'expected-votes' | 'node-votes' | 'cancel-wait-for-all'

/** votequorum's exec messages (proto/quorum.proto). */
export type VotequorumMessage =
  | {
      readonly kind: 'node-info'
      readonly nodeId: NodeId
      readonly votes: number
      readonly expectedVotes: number
      /** Bit set of NodeFlag. */
      readonly flags: number
    }
  | { readonly kind: 'reconfigure'; readonly nodeId: NodeId; readonly param: ReconfigureParam; readonly value: number }

/** Wire numbers, index = protobuf enum value. */
const PARAMS: readonly (ReconfigureParam | undefined)[] = [undefined, 'expected-votes', 'node-votes', 'cancel-wait-for-all']

/** protobuf framing of votequorum's messages. */
export class VotequorumCodec {
  readonly #type: protobuf.Type = lookupType('quorum.proto', 'tsha.quorum.v1.VotequorumMessage')

  /** The body handed to ctx.mcast / ctx.syncMcast (the host wraps it in the service envelope). */
  encode(m: VotequorumMessage): Uint8Array {
    if (m.kind === 'node-info') {
      return this.#type.encode({ nodeInfo: { nodeId: m.nodeId, votes: m.votes, expectedVotes: m.expectedVotes, flags: m.flags } }).finish()
    }
    return this.#type.encode({ reconfigure: { nodeId: m.nodeId, param: PARAMS.indexOf(m.param), value: m.value } }).finish()
  }

  /** Undefined for bytes that are not a votequorum message of this version. */
  decode(bytes: Uint8Array): VotequorumMessage | undefined {
    let raw: Record<string, unknown>
    try {
      raw = this.#type.decode(bytes) as unknown as Record<string, unknown>
    } catch {
      return undefined
    }
    const body = raw[raw['kind'] as string] as Record<string, number> | undefined
    if (body === undefined) return undefined
    const nodeId = body['nodeId'] ?? 0
    if (raw['kind'] === 'nodeInfo') {
      return { kind: 'node-info', nodeId, votes: body['votes'] ?? 0, expectedVotes: body['expectedVotes'] ?? 0, flags: body['flags'] ?? 0 }
    }
    if (raw['kind'] === 'reconfigure') {
      const param = PARAMS[body['param'] ?? 0]
      return param === undefined ? undefined : { kind: 'reconfigure', nodeId, param, value: body['value'] ?? 0 }
    }
    return undefined
  }
}
