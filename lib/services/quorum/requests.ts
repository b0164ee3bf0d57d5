import type { McastResult } from '../../totem/events.js'
import type { NodeId } from '../../totem/ring-id.js'
import type { ClientAnswer, ClientRequest } from '../service.js'
import type { VotequorumMessage } from './messages.js'
import type { QuorumState } from './types.js'
import { expectedVotesAcceptable, nodeVotesAcceptable, type QuorumNode } from './votes.js'

/** What the request handlers may read of the service (nothing here writes replicated state). */
export interface RequestTarget {
  readonly self: NodeId
  readonly nodes: ReadonlyMap<NodeId, QuorumNode>
  readonly quorate: boolean
  readonly twoNode: boolean
}

type Reconfigure = Extract<VotequorumMessage, { kind: 'reconfigure' }>
type Outcome = { ok: true; value?: unknown } | { ok: false; code: string; message: string }

const UINT32_MAX = 0xffffffff

function integerArg(args: unknown, key: string, min: number): number | undefined {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[key] : undefined
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= UINT32_MAX ? value : undefined
}

function invalid(message: string): Outcome {
  return { ok: false, code: 'ERR_INVALID_ARGUMENT', message }
}

/** message_handler_req_lib_votequorum_setexpected: validated here, applied everywhere on delivery. */
function setExpected(target: RequestTarget, args: unknown): Reconfigure | Outcome {
  const value = integerArg(args, 'value', 1)
  if (value === undefined) return invalid('setExpected: value must be a positive integer')
  if (!expectedVotesAcceptable(target.nodes, value, target.quorate, target.twoNode)) {
    return invalid(`setExpected: ${value} is below the votes present or would make the cluster inquorate`)
  }
  return { kind: 'reconfigure', nodeId: target.self, param: 'expected-votes', value }
}

/** message_handler_req_lib_votequorum_setvotes (nodeId defaults to this node). */
function setVotes(target: RequestTarget, args: unknown): Reconfigure | Outcome {
  const nodeId = integerArg(args, 'nodeId', 1) ?? target.self
  const votes = integerArg(args, 'votes', 0)
  if (votes === undefined) return invalid('setVotes: votes must be a non-negative integer')
  if (!target.nodes.has(nodeId)) return { ok: false, code: 'ERR_NOT_EXIST', message: `setVotes: node ${nodeId} is unknown` }
  if (!nodeVotesAcceptable(target.nodes, nodeId, votes, target.twoNode)) {
    return invalid(`setVotes: ${votes} votes for node ${nodeId} would leave an impossible quorum`)
  }
  return { kind: 'reconfigure', nodeId, param: 'node-votes', value: votes }
}

/** corosync answers once the message is queued, not when it is delivered. */
function sent(result: McastResult): Outcome {
  switch (result) {
    case 'ok': return { ok: true }
    case 'queue-full': return { ok: false, code: 'ERR_TRY_AGAIN', message: 'votequorum: send queue full' }
    case 'stopped': return { ok: false, code: 'ERR_STOPPED', message: 'votequorum: stopped' }
    case 'too-big': return { ok: false, code: 'ERR_MESSAGE_TOO_LARGE', message: 'votequorum: message too large' }
  }
}

/**
 * Client requests: `state` → the QuorumState; `setExpected {value}`,
 * `setVotes {nodeId?, votes}` and `cancelWaitForAll` → a Reconfigure
 * multicast (answered ok once queued; the change happens on delivery).
 */
export function handleRequest(
  target: RequestTarget,
  state: () => QuorumState,
  mcast: (message: Reconfigure) => McastResult,
  request: ClientRequest,
  answer: (a: ClientAnswer) => void,
): void {
  let outcome: Reconfigure | Outcome
  switch (request.op) {
    case 'state': outcome = { ok: true, value: state() }; break
    case 'setExpected': outcome = setExpected(target, request.args); break
    case 'setVotes': outcome = setVotes(target, request.args); break
    case 'cancelWaitForAll': outcome = { kind: 'reconfigure', nodeId: target.self, param: 'cancel-wait-for-all', value: 0 }; break
    default: outcome = invalid(`votequorum: unknown request ${request.op}`)
  }
  if ('kind' in outcome) outcome = sent(mcast(outcome))
  answer({ client: request.client, id: request.id, ...outcome })
}
