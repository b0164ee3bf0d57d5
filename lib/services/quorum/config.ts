import type { NodeConfig, QuorumOptions } from '../../cluster/options.js'
import { ConfigError } from '../../errors.js'
import type { NodeId } from '../../totem/ring-id.js'
import type { TieBreaker } from './votes.js'

/** votequorum's effective configuration after the feature rules of votequorum_readconfig. */
export interface VotequorumConfig {
  readonly self: NodeId
  /** My votes (nodelist `quorum_votes`, default 1). */
  readonly votes: number
  /** quorum.expected_votes, or Σ of the nodelist's votes. */
  readonly expectedVotes: number
  readonly twoNode: boolean
  readonly waitForAll: boolean
  readonly lastManStanding: boolean
  readonly lastManStandingWindow: number
  readonly tieBreaker: TieBreaker
  /** Warnings to log once the service has a context (features disabled by the rules). */
  readonly warnings: readonly string[]
}

const DEFAULT_LMS_WINDOW = 10000

function count(key: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) {
    throw new ConfigError(key, `must be an integer between ${min} and 4294967295, got ${value}`)
  }
  return value
}

function tieBreakerOf(options: QuorumOptions): TieBreaker {
  if (options.autoTieBreaker !== true) return 'none'
  const node = options.autoTieBreakerNode ?? 'lowest'
  if (node === 'lowest' || node === 'highest') return node
  for (const id of node) count('quorum.auto_tie_breaker_node', id, 1)
  // parse_atb_string: an empty list leaves ATB disabled.
  return node.length === 0 ? 'none' : [...node]
}

/**
 * votequorum_readconfig, startup half: derive votes and expected votes from
 * the nodelist and reconcile the features. two_node implies wait_for_all
 * unless that was set explicitly; two_node and ATB do not mix (ATB wins); ATB
 * on an odd-sized cluster needs wait_for_all (else ATB is disabled, or with
 * LMS too, startup fails), so an isolated half+1 without the tie-breaker is
 * not quorate after a reboot.
 */
export function resolveQuorumConfig(self: NodeId, nodes: readonly NodeConfig[], options: QuorumOptions): VotequorumConfig {
  const warnings: string[] = []
  const nodelistVotes = nodes.reduce((sum, n) => sum + (count(`nodelist.node.${n.nodeId}.quorum_votes`, n.votes, 0) ?? 1), 0)
  const mine = nodes.find((n) => n.nodeId === self)
  const expectedVotes = count('quorum.expected_votes', options.expectedVotes, 1) ?? nodelistVotes
  if (expectedVotes < 1) {
    throw new ConfigError('quorum.expected_votes', 'nodelist or quorum.expected_votes must be configured')
  }
  let twoNode = options.twoNode ?? false
  const waitForAll = options.waitForAll ?? twoNode
  const lastManStanding = options.lastManStanding ?? false
  const lastManStandingWindow = count('quorum.last_man_standing_window', options.lastManStandingWindow, 0) ?? DEFAULT_LMS_WINDOW
  let tieBreaker = tieBreakerOf(options)
  if (twoNode && tieBreaker !== 'none') {
    warnings.push('two_node and auto_tie_breaker are not compatible: two_node has been disabled')
    twoNode = false
  }
  if (tieBreaker !== 'none' && nodelistVotes % 2 === 1 && !waitForAll) {
    if (lastManStanding) {
      throw new ConfigError('quorum.auto_tie_breaker', 'auto_tie_breaker and last_man_standing are not available in an odd sized cluster without wait_for_all')
    }
    warnings.push('auto_tie_breaker needs wait_for_all in an odd sized cluster: auto_tie_breaker has been disabled')
    tieBreaker = 'none'
  }
  return {
    self,
    votes: mine?.votes ?? 1,
    expectedVotes,
    twoNode,
    waitForAll,
    lastManStanding,
    lastManStandingWindow,
    tieBreaker,
    warnings,
  }
}
