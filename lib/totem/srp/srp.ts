import { assert } from '../../util/assert.js'
import type { CommitToken, Frame, Mcast } from '../../wire/frames.js'
import type { TotemConfig } from '../config.js'
import type { Outgoing, TotemEvent, TotemState, WarningCode } from '../events.js'
import { NO_RING, type NodeId, type RingId } from '../ring-id.js'
import { SEQ_START, seqAdd } from '../seq.js'
import { onCommitToken } from './commit.js'
import { onMcast } from './delivery.js'
import { gatherEnter, onJoin, sendLeave } from './gather.js'
import { onHoldCancel, onMergeDetect, sendHoldCancel } from './merge.js'
import { SortQueue } from './sort-queue.js'
import { emptySrpStats, type SrpStats } from './stats.js'
import { fireTimer } from './timeouts.js'
import { Timers } from './timers.js'
import { onOrfToken } from './token.js'
import { leaveIfAsked } from './undecodable.js'
import type { SrpUpper } from './upper.js'

export interface SrpInit {
  readonly self: NodeId
  /** The configured nodelist (every node that may ever be a member). */
  readonly nodes: readonly NodeId[]
  readonly config: TotemConfig
  /** Last ring seq persisted by this node (0 when it never had one). */
  readonly ringSeq: number
  readonly upper: SrpUpper
  /** Seed of the jitter applied before joins when `sendJoin` is set. */
  readonly seed?: number
  readonly log?: (message: string) => void
}

/**
 * Totem single-ring ordering and membership protocol (Amir et al., TOCS 1995)
 * with corosync's extensions, as a pure state machine. All state lives here;
 * the phase files (gather, commit, recovery, install, token, delivery, merge)
 * are functions over it. Inputs carry `now`; outputs accumulate in `sends`,
 * `events` and `persistRingSeq` until the engine drains them.
 */
export class Srp {
  readonly self: NodeId
  readonly nodes: readonly NodeId[]
  readonly config: TotemConfig
  readonly upper: SrpUpper
  readonly log: (message: string) => void
  readonly stats: SrpStats = emptySrpStats()
  readonly timers = new Timers()

  state: TotemState = 'stopped'
  now = 0
  ringId: RingId
  /** The previous regular ring (recovery needs it to find the transitional members). */
  oldRingId: RingId = NO_RING
  /** Highest ring seq seen anywhere; the next ring is formed above it. */
  tokenRingIdSeq: number

  procList: NodeId[] = []
  failedList: NodeId[] = []
  membList: NodeId[] = []
  newMembList: NodeId[] = []
  transMembList: NodeId[] = []
  deliverMembList: NodeId[] = []
  /** Nodes whose consensus (an identical join) has been seen in this gather round. */
  consensus = new Set<NodeId>()
  failedToRecv = false
  /** Nodes that announced a graceful leave since the last installed ring. */
  leavers = new Set<NodeId>()
  commitToken: CommitToken | undefined
  originatedOrfToken = false

  aru = SEQ_START
  highSeqReceived = SEQ_START
  highDelivered = SEQ_START
  lastReleased = SEQ_START
  /** Token aru seen on the previous visit (GC and safe delivery need two visits). */
  myLastAru = SEQ_START
  /** Highest seq known to be held by every member: safe messages up to here may be delivered. */
  safeUpTo = SEQ_START
  myTokenSeq = (SEQ_START - 1) >>> 0
  lastSeq = SEQ_START
  seqUnchanged = 0
  tokenHeld = false
  aruCount = 0
  /** When the token aru last stopped moving (aruCount became 1). */
  aruStalledSince = 0
  regularQueue: SortQueue
  recoveryQueue: SortQueue
  retransQueue: Mcast[] = []

  oldRingStateSaved = false
  oldRingAru = SEQ_START
  oldRingHighSeqReceived = SEQ_START
  receivedFlg = true
  setRetransFlg = false
  retransFlgCount = 0
  installSeq = SEQ_START
  rotationCounter = 0

  /** Flow control: sent on my previous visit, previous and current backlog. */
  trc = 0
  pbl = 0
  cbl = 0

  /** Copy of the last token (regular or commit) I sent, for retransmission. */
  lastTokenSent: Outgoing | undefined
  /** Sends and deliveries are held back for the new ring until services have synchronised. */
  waitingTransAck = true
  continuousGather = 0
  lastInputAt = -1
  joinFlushUntil = -Infinity
  /** Set when an ordered packet did not decode: this node leaves its ring at the end of the step. */
  leaveRing: string | undefined
  #rand: number

  sends: Outgoing[] = []
  events: TotemEvent[] = []
  persistRingSeq: number | undefined

  constructor(init: SrpInit) {
    assert(init.self > 0 && init.self <= 0xffffffff, 'node id must be a non-zero uint32')
    assert(init.nodes.includes(init.self), `node ${init.self} is not in its own nodelist`)
    this.self = init.self
    this.nodes = [...init.nodes].sort((a, b) => a - b)
    this.config = init.config
    this.upper = init.upper
    this.log = init.log ?? (() => {})
    // Corosync bumps the loaded seq so a quickly restarted representative never reuses a live ring id.
    this.ringId = { rep: init.self, seq: init.ringSeq + 1 }
    this.tokenRingIdSeq = this.ringId.seq
    this.regularQueue = new SortQueue(init.config.sortQueueSize, seqAdd(SEQ_START, 1))
    this.recoveryQueue = new SortQueue(init.config.sortQueueSize, seqAdd(SEQ_START, 1))
    this.#rand = (init.seed ?? init.self) >>> 0 || 1
  }

  start(now: number): void {
    assert(this.state === 'stopped', 'Totem already started')
    this.#input(now)
    this.timers.set('pause', now + Math.floor(this.config.token / 5))
    gatherEnter(this, 'interface up')
  }

  receive(now: number, frame: Frame): void {
    if (this.state === 'stopped') return
    this.#input(now)
    const body = frame.body
    switch (body.kind) {
      case 'token': onOrfToken(this, frame.sender, body); break
      case 'mcast': onMcast(this, frame.sender, body); break
      case 'join': onJoin(this, frame.sender, body); break
      case 'commit': onCommitToken(this, frame.sender, body); break
      case 'merge-detect': onMergeDetect(this, frame.sender, body); break
      case 'hold-cancel': onHoldCancel(this, body); break
    }
    leaveIfAsked(this)
  }

  tick(now: number): void {
    if (this.state === 'stopped') return
    this.#input(now)
    for (let fired = 0; ; fired++) {
      assert(fired < 1000, 'timer storm: a timer keeps re-arming in the past')
      const name = this.timers.takeDue(now)
      if (name === undefined) break
      fireTimer(this, name)
      leaveIfAsked(this)
    }
  }

  /** The layer above has something to send: wake a held token. */
  signalSend(): void {
    if (this.state === 'operational' || this.state === 'recovery') sendHoldCancel(this)
  }

  /** Services finished synchronising; queued application traffic may flow in the new ring. */
  transAck(): void {
    this.waitingTransAck = false
  }

  /** Announces a graceful leave and stops: peers re-form without waiting for a token timeout. */
  leave(now: number): void {
    if (this.state === 'stopped') return
    this.now = now
    sendLeave(this)
    this.timers.clear()
    this.setState('stopped', 'leave')
  }

  nextDeadline(): number {
    return this.state === 'stopped' ? Infinity : this.timers.next()
  }

  setState(state: TotemState, reason: string): void {
    this.state = state
    this.events.push({ type: 'state', state, reason })
  }

  warn(code: WarningCode, message: string): void {
    this.events.push({ type: 'warning', code, message })
    this.log(message)
  }

  send(out: Outgoing): void {
    this.sends.push(out)
  }

  /** Deterministic jitter for `sendJoin` (mulberry32 step). */
  random(maxExclusive: number): number {
    this.#rand = (this.#rand + 0x6d2b79f5) >>> 0
    let t = this.#rand
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) % maxExclusive) >>> 0
  }

  /** Next node after me in the ring (ascending node ids, wrapping). */
  successor(members: readonly NodeId[]): NodeId {
    const i = members.indexOf(this.self)
    assert(i >= 0, 'successor of a ring I am not in')
    return members[(i + 1) % members.length]!
  }

  /** The node before me in the ring, the only one that hands me tokens; undefined when I am not in it. */
  predecessor(members: readonly NodeId[]): NodeId | undefined {
    const i = members.indexOf(this.self)
    return i < 0 ? undefined : members[(i + members.length - 1) % members.length]
  }

  #input(now: number): void {
    // A gap far longer than the pause timer period means the process itself was stalled
    // (GC, SIGSTOP, blocked loop): joins queued meanwhile describe a past that is gone.
    if (this.lastInputAt >= 0 && now - this.lastInputAt > this.config.token / 2) {
      this.stats.processPauses++
      this.joinFlushUntil = now + this.config.join
      this.warn('process-pause', `Process pause detected for ${now - this.lastInputAt} ms, flushing membership messages`)
    }
    this.lastInputAt = now
    this.now = now
  }
}
