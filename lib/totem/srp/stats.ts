/**
 * Protocol counters, named after corosync's totemsrp_stats_t where one exists
 * (exposed later as CMAP runtime.totem.stats.srp.*).
 */
export interface SrpStats {
  orfTokenTx: number
  orfTokenRx: number
  commitTokenTx: number
  commitTokenRx: number
  mcastTx: number
  mcastRx: number
  mcastRetx: number
  membJoinTx: number
  membJoinRx: number
  membMergeDetectTx: number
  membMergeDetectRx: number
  tokenHoldCancelTx: number
  tokenHoldCancelRx: number
  gatherEntered: number
  gatherTokenLost: number
  commitEntered: number
  commitTokenLost: number
  recoveryEntered: number
  recoveryTokenLost: number
  operationalEntered: number
  operationalTokenLost: number
  consensusTimeouts: number
  continuousGather: number
  rxMsgDropped: number
  rtrRequested: number
  failedToReceive: number
  processPauses: number
  /**
   * Tokens (regular or commit) of my ring refused: not from my predecessor in
   * it, or contradicting my receive window (damaged past the checksum, replayed or forged).
   */
  tokenRejected: number
  /** Joins refused: a ring seq far beyond any known (RING_SEQ_JUMP_MAX: damaged past the checksum, or forged). */
  joinRejected: number
  /**
   * Ordered packets that did not decode: this node stopped delivering its ring
   * before them and left it (see `leaveUndecodable`).
   */
  undecodable: number
  /** Deliveries of application packets, agreed and safe. */
  delivered: number
  deliveredSafe: number
}

export function emptySrpStats(): SrpStats {
  return {
    orfTokenTx: 0, orfTokenRx: 0, commitTokenTx: 0, commitTokenRx: 0, mcastTx: 0, mcastRx: 0,
    mcastRetx: 0, membJoinTx: 0, membJoinRx: 0, membMergeDetectTx: 0, membMergeDetectRx: 0,
    tokenHoldCancelTx: 0, tokenHoldCancelRx: 0, gatherEntered: 0, gatherTokenLost: 0, commitEntered: 0,
    commitTokenLost: 0, recoveryEntered: 0, recoveryTokenLost: 0, operationalEntered: 0, operationalTokenLost: 0,
    consensusTimeouts: 0, continuousGather: 0, rxMsgDropped: 0, rtrRequested: 0, failedToReceive: 0,
    processPauses: 0, tokenRejected: 0, joinRejected: 0, undecodable: 0, delivered: 0, deliveredSafe: 0,
  }
}
