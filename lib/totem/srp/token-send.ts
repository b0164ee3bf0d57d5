import type { OrfToken } from '../../wire/frames.js'
import type { Srp } from './srp.js'

/**
 * Hands the regular token to my successor in the ring, always keeping a copy:
 * the retransmit timer re-sends it if it does not come back, and a held token
 * (idle ring) is released by re-sending the copy (corosync token_send).
 */
export function sendToken(srp: Srp, token: OrfToken, forward: boolean): void {
  const copy: OrfToken = { ...token, rtr: token.rtr.slice() }
  const out = { kind: 'unicast', to: srp.successor(srp.newMembList), frame: { sender: srp.self, body: copy } } as const
  srp.lastTokenSent = out
  if (!forward) return
  srp.stats.orfTokenTx++
  srp.send(out)
}

/** Re-sends the last token I sent (lost token, or a held token released). */
export function retransmitToken(srp: Srp): void {
  const out = srp.lastTokenSent
  if (out === undefined) return
  if (out.frame.body.kind === 'token') srp.stats.orfTokenTx++
  else srp.stats.commitTokenTx++
  srp.send(out)
}
