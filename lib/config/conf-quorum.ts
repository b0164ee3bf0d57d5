/**
 * The quorum section (votequorum(5)) into QuorumOptions. Without a provider corosync
 * runs no quorum service at all, which in ts-ha is provider 'none'.
 */
import type { NodeConfig, QuorumOptions } from '../cluster/options.js'
import type { NodeId } from '../totem/ring-id.js'
import type { ConfReader } from './conf-reader.js'
import { TIE_BREAKER, oneOf } from './conf-values.js'

const FIELDS: ReadonlyArray<readonly [string, keyof QuorumOptions, 'number' | 'flag']> = [
  ['expected_votes', 'expectedVotes', 'number'], ['two_node', 'twoNode', 'flag'], ['wait_for_all', 'waitForAll', 'flag'],
  ['last_man_standing', 'lastManStanding', 'flag'], ['last_man_standing_window', 'lastManStandingWindow', 'number'],
  ['auto_tie_breaker', 'autoTieBreaker', 'flag'],
]
const UNSUPPORTED: Readonly<Record<string, string>> = {
  votes: 'is ignored: it only applies without a nodelist; set quorum_votes in each node instead',
  allow_downscale: 'is not supported (corosync documents it as incomplete) and is ignored',
  expected_votes_tracking: 'is not supported and is ignored',
  leaving_timeout: 'is not supported and is ignored',
}
const KNOWN = new Set([...FIELDS.map(([k]) => k), ...Object.keys(UNSUPPORTED), 'provider', 'auto_tie_breaker_node'])

/** Reads `quorum { }`; `nodes` is only used to check auto_tie_breaker_node ids. */
export function readQuorum(r: ConfReader, nodes: readonly NodeConfig[]): QuorumOptions {
  warnQuorumKeys(r)
  const provider = r.read('quorum.provider', oneOf('corosync_votequorum'))
  if (provider === undefined) {
    const set = r.under('quorum').filter((k) => !k.startsWith('quorum.device.'))
    const first = set[0]
    if (first !== undefined) {
      r.warn(first, `quorum options (${set.join(', ')}) have no effect without 'provider: corosync_votequorum'`)
    }
    return { provider: 'none' }
  }
  const quorum: Record<string, unknown> = { provider: 'votequorum' }
  for (const [key, field, type] of FIELDS) {
    const value = r.number(`quorum.${key}`)
    if (value !== undefined) quorum[field] = type === 'flag' ? value !== 0 : value
  }
  const atb = r.read('quorum.auto_tie_breaker_node', TIE_BREAKER)
  if (atb !== undefined) quorum['autoTieBreakerNode'] = tieBreaker(r, String(atb), nodes)
  if (atb !== undefined && quorum['autoTieBreaker'] !== true) {
    r.warn('quorum.auto_tie_breaker_node', 'has no effect unless auto_tie_breaker is set')
  }
  return quorum as QuorumOptions
}

function warnQuorumKeys(r: ConfReader): void {
  for (const key of r.under('quorum')) {
    const name = key.slice('quorum.'.length)
    if (name.startsWith('device.')) continue
    const unsupported = UNSUPPORTED[name]
    if (unsupported !== undefined) r.warn(key, `${name} ${unsupported}`)
    else if (!KNOWN.has(name)) r.warn(key, `unknown quorum key '${name}' is ignored (misspelt?)`)
  }
  if (r.lines.has('quorum.device')) {
    r.warn('quorum.device', 'quorum devices (qdevice/qnetd) are not supported; the device section is ignored')
  }
}

function tieBreaker(r: ConfReader, text: string, nodes: readonly NodeConfig[]): 'lowest' | 'highest' | NodeId[] {
  if (text === 'lowest' || text === 'highest') return text
  const ids = text.split(/[ \t\u00a0]+/).map(Number)
  const unknown = ids.filter((id) => !nodes.some((n) => n.nodeId === id))
  if (unknown.length > 0) {
    r.warn('quorum.auto_tie_breaker_node', `node id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not in the nodelist`)
  }
  return ids
}
