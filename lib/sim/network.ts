import { CORRUPTION_KINDS, corrupt } from '../transport/corruption.js'
import { assert } from '../util/assert.js'
import { assertRatio, type Prng, type Ratio } from './prng.js'

/**
 * A simulated datagram network between numbered nodes. It decides the fate of
 * every datagram (loss, duplication, delay, partitions, clogs, per-link
 * capacity) from a seeded {@link Prng}, and hands deliveries to a caller-owned
 * scheduler, so the whole schedule is a pure function of the seed and the
 * sequence of calls.
 */

/** Static parameters of the simulated network. */
export interface NetworkOptions {
  /** Fixed part of every delay (propagation); also the loopback delay. */
  delayMinMs: number
  /** Mean of the exponentially distributed extra delay (queueing); random delays are what reorder datagrams. */
  delayMeanMs: number
  /** Probability that a datagram is lost. */
  loss: Ratio
  /** Probability that a delivered datagram arrives twice. */
  duplicate: Ratio
  /** Datagrams a directed link may hold in flight; see {@link SimNetwork.submit} for overflow. */
  linkCapacityMax: number
  /**
   * Probability that a datagram copy is damaged in flight (bit flips,
   * truncation, a splice with another datagram, garbage: see
   * `lib/transport/corruption.ts`); the damaged copy is delivered instead of
   * the original. Default none.
   */
  corrupt?: Ratio
}

/** Construction parameters of a {@link SimNetwork}. */
export interface SimNetworkInit {
  /** The network's own stream; give it a fork so other subsystems are not perturbed. */
  prng: Prng
  /** Calls `deliver` when virtual time reaches `at` (ties in call order). The network owns no clock. */
  schedule: (at: number, deliver: () => void) => void
  /** Every node id that may send or receive. */
  nodes: readonly number[]
  options: NetworkOptions
  /** Receives each datagram that survives. `bytes` is the network's own copy; `altered` when it was damaged. */
  onDeliver: (from: number, to: number, bytes: Uint8Array, altered: boolean) => void
}

/** Why a datagram was dropped. */
export type DropReason = 'partition' | 'partition-in-flight' | 'loss' | 'capacity'

/** Running counters; a duplicate counts once in `duplicated` and then like any other datagram. */
export interface NetworkStats {
  submitted: number
  delivered: number
  duplicated: number
  /** Copies damaged in flight (delivered damaged unless dropped for another reason). */
  corrupted: number
  dropped: Record<DropReason, number>
}

/** UDP's payload ceiling; a bigger datagram is a sender bug, as it would be on a real socket. */
export const DATAGRAM_BYTES_MAX = 65_507

/**
 * Loopback is never lossy, so it has no capacity to overflow; this much
 * self-addressed traffic in flight at once means a node is looping on itself.
 */
export const LOOPBACK_IN_FLIGHT_MAX = 100_000

interface Flight {
  readonly from: number
  readonly to: number
  readonly bytes: Uint8Array
  readonly altered: boolean
  at: number
  /** Position in its link's `inFlight`, or -1 once delivered or dropped. */
  index: number
}

interface Link {
  readonly inFlight: Flight[]
  clogUntil: number
  cut: boolean
}

/** Seeded, fault-injecting datagram network. */
export class SimNetwork {
  private readonly prng: Prng
  private readonly schedule: SimNetworkInit['schedule']
  private readonly onDeliver: SimNetworkInit['onDeliver']
  private readonly nodeIds: readonly number[]
  private readonly options: NetworkOptions
  private readonly links = new Map<string, Link>()
  /** Node → group number while a group partition is active; null when none is. */
  private groupOf: Map<number, number> | null = null
  private groups: number[][] = []
  private lastNow = -Infinity
  /** The datagram submitted before the current one: the tail of the next splice. */
  private previous: Uint8Array | undefined
  private current: Uint8Array | undefined
  private readonly counters: NetworkStats = {
    submitted: 0,
    delivered: 0,
    duplicated: 0,
    corrupted: 0,
    dropped: { partition: 0, 'partition-in-flight': 0, loss: 0, capacity: 0 },
  }

  constructor(init: SimNetworkInit) {
    validateOptions(init.options)
    assert(new Set(init.nodes).size === init.nodes.length, 'network nodes must be unique')
    for (const id of init.nodes) assert(Number.isSafeInteger(id), `node id must be a safe integer, got ${id}`)
    this.prng = init.prng
    this.schedule = init.schedule
    this.onDeliver = init.onDeliver
    this.nodeIds = [...init.nodes].sort((a, b) => a - b)
    this.options = { ...init.options }
    for (const from of this.nodeIds) {
      for (const to of this.nodeIds) this.links.set(linkKey(from, to), { inFlight: [], clogUntil: -Infinity, cut: false })
    }
  }

  /** The node ids, ascending. */
  get nodes(): readonly number[] {
    return this.nodeIds
  }

  /** A snapshot of the counters. */
  get stats(): NetworkStats {
    return { ...this.counters, dropped: { ...this.counters.dropped } }
  }

  /** Datagrams currently in flight across all links. */
  get inFlight(): number {
    let total = 0
    for (const link of this.links.values()) total += link.inFlight.length
    return total
  }

  /** Datagrams currently in flight on the directed link from → to. */
  linkInFlight(from: number, to: number): number {
    return this.link(from, to).inFlight.length
  }

  /**
   * Sends one datagram at virtual time `now` (non-decreasing across calls).
   * When the directed link already holds `linkCapacityMax` datagrams, a
   * uniformly chosen in-flight one is dropped to make room for the new one:
   * a random victim exercises more orderings than always dropping the newest
   * and still never exceeds the bound. Loopback (from === to) is exempt from
   * every fault and from the capacity bound, and keeps FIFO order.
   */
  submit(now: number, from: number, to: number, bytes: Uint8Array): void {
    assert(Number.isFinite(now) && now >= this.lastNow, `network time went backwards: ${now} < ${this.lastNow}`)
    assert(bytes.length <= DATAGRAM_BYTES_MAX, `datagram of ${bytes.length} bytes exceeds ${DATAGRAM_BYTES_MAX}`)
    this.lastNow = now
    const link = this.link(from, to)
    this.counters.submitted++
    if (from === to) {
      assert(link.inFlight.length < LOOPBACK_IN_FLIGHT_MAX, `node ${from} has ${LOOPBACK_IN_FLIGHT_MAX} datagrams in flight to itself`)
      this.launch(link, { from, to, bytes: bytes.slice(), altered: false, at: now + this.options.delayMinMs, index: -1 })
      return
    }
    if (!this.isConnected(from, to)) {
      this.counters.dropped.partition++
      return
    }
    if (this.prng.ratio(this.options.loss)) {
      this.counters.dropped.loss++
      return
    }
    this.sendCopy(now, link, from, to, bytes)
    if (this.prng.ratio(this.options.duplicate)) {
      this.counters.duplicated++
      this.sendCopy(now, link, from, to, bytes)
    }
    // The tail of the next splice: another datagram, not one more copy of this one (a multicast
    // is submitted once per receiver).
    if (this.options.corrupt !== undefined && bytes !== this.current) {
      this.previous = this.current?.slice()
      this.current = bytes
    }
  }

  /**
   * Splits the cluster: nodes in different groups cannot talk either way; a
   * node listed in no group is isolated alone. Replaces any previous group
   * partition; one-way cuts and clogs stay.
   */
  partition(groups: readonly (readonly number[])[]): void {
    const groupOf = new Map<number, number>()
    const normalized: number[][] = []
    for (const group of groups) {
      const members: number[] = []
      for (const id of group) {
        this.assertNode(id)
        assert(!groupOf.has(id), `node ${id} appears in two partition groups`)
        groupOf.set(id, normalized.length)
        members.push(id)
      }
      if (members.length > 0) normalized.push(members.sort((a, b) => a - b))
    }
    for (const id of this.nodeIds) {
      if (groupOf.has(id)) continue
      groupOf.set(id, normalized.length)
      normalized.push([id])
    }
    this.groupOf = groupOf
    this.groups = normalized
  }

  /** Cuts the directed link from → to only; to → from keeps working. */
  partitionOneWay(from: number, to: number): void {
    assert(from !== to, 'loopback cannot be cut')
    this.link(from, to).cut = true
  }

  /** Removes the group partition and every one-way cut; clogs stay. */
  unpartition(): void {
    this.groupOf = null
    this.groups = []
    for (const link of this.links.values()) link.cut = false
  }

  /** Holds every datagram on from → to (already in flight or new) until `untilMs`. */
  clog(from: number, to: number, untilMs: number): void {
    assert(from !== to, 'loopback cannot be clogged')
    assert(!Number.isNaN(untilMs), 'clog end must be a number')
    this.link(from, to).clogUntil = untilMs
  }

  /**
   * Lifts every clog for new datagrams. Datagrams already held keep the
   * arrival time they were scheduled for, since a scheduled delivery cannot be
   * revoked; they are not held again.
   */
  unclog(): void {
    for (const link of this.links.values()) link.clogUntil = -Infinity
  }

  /** Removes all partitions, one-way cuts and clogs (see {@link unclog} for datagrams already held). */
  heal(): void {
    this.unpartition()
    this.unclog()
  }

  setLoss(r: Ratio): void {
    assertRatio(r, 'loss')
    this.options.loss = r
  }

  setDuplicate(r: Ratio): void {
    assertRatio(r, 'duplicate')
    this.options.duplicate = r
  }

  setCorrupt(r: Ratio): void {
    assertRatio(r, 'corrupt')
    this.options.corrupt = r
  }

  /** Whether from → to currently passes datagrams (clogs delay but do not disconnect). */
  isConnected(from: number, to: number): boolean {
    const link = this.link(from, to)
    if (from === to) return true
    if (link.cut) return false
    return this.groupOf === null || this.groupOf.get(from) === this.groupOf.get(to)
  }

  /** True while any group partition or one-way cut is active. */
  get partitioned(): boolean {
    if (this.groupOf !== null) return true
    for (const link of this.links.values()) if (link.cut) return true
    return false
  }

  /**
   * One line for traces, e.g. `{1,2}|{3}; 1->3 cut; 2->1 clogged<1500`, or
   * `connected`. With `now`, clogs that have ended are left out.
   */
  describe(now?: number): string {
    const parts = this.partitionParts()
    for (const from of this.nodeIds) {
      for (const to of this.nodeIds) {
        const until = this.link(from, to).clogUntil
        if (until > (now ?? -Infinity)) parts.push(`${from}->${to} clogged<${until}`)
      }
    }
    return parts.length === 0 ? 'connected' : parts.join('; ')
  }

  /** Like {@link describe} but without clogs: `{1,2}|{3}`, `1->3,2->3 cut`, or `connected`. */
  describePartition(): string {
    const parts = this.partitionParts()
    return parts.length === 0 ? 'connected' : parts.join('; ')
  }

  private partitionParts(): string[] {
    const parts: string[] = []
    if (this.groupOf !== null) parts.push(this.groups.map((g) => `{${g.join(',')}}`).join('|'))
    const cuts: string[] = []
    for (const from of this.nodeIds) for (const to of this.nodeIds) if (this.link(from, to).cut) cuts.push(`${from}->${to}`)
    if (cuts.length > 0) parts.push(`${cuts.join(',')} cut`)
    return parts
  }

  private sendCopy(now: number, link: Link, from: number, to: number, bytes: Uint8Array): void {
    const { delayMinMs, delayMeanMs, linkCapacityMax } = this.options
    // Whole milliseconds keep traces readable and make Math.log's last-bit rounding irrelevant in practice.
    const arrival = now + delayMinMs + Math.round(this.prng.exponential(delayMeanMs))
    const damaged = this.damage(bytes)
    const flight: Flight = {
      from, to, bytes: damaged ?? bytes.slice(), altered: damaged !== undefined, at: Math.max(arrival, link.clogUntil), index: -1,
    }
    if (link.inFlight.length >= linkCapacityMax) {
      const victim = link.inFlight[this.prng.int(link.inFlight.length)]
      assert(victim !== undefined, 'capacity victim missing')
      this.land(link, victim)
      this.counters.dropped.capacity++
    }
    this.launch(link, flight)
  }

  /** A damaged copy of `bytes`, or undefined when this copy travels intact. No draws when corruption is off. */
  private damage(bytes: Uint8Array): Uint8Array | undefined {
    const p = this.options.corrupt
    if (p === undefined || p[0] === 0 || !this.prng.ratio(p)) return undefined
    const int = (n: number): number => this.prng.int(n)
    const damaged = corrupt(bytes, this.prng.pick(CORRUPTION_KINDS), int, this.previous)
    // Two flips of one bit, or a splice of identical tails, leave the datagram as it was.
    if (Buffer.from(damaged.buffer, damaged.byteOffset, damaged.byteLength).equals(bytes)) return undefined
    this.counters.corrupted++
    return damaged
  }

  private launch(link: Link, flight: Flight): void {
    flight.index = link.inFlight.length
    link.inFlight.push(flight)
    this.schedule(flight.at, () => this.arrive(link, flight))
  }

  /** Runs at `flight.at`; the partition is checked again because a cable cut mid-flight loses what is on it. */
  private arrive(link: Link, flight: Flight): void {
    if (flight.index < 0) return // dropped for capacity while in flight
    const { from, to } = flight
    if (from !== to && link.clogUntil > flight.at) {
      // A clog that started after submission still holds the datagram back.
      flight.at = link.clogUntil
      this.schedule(flight.at, () => this.arrive(link, flight))
      return
    }
    this.land(link, flight)
    if (!this.isConnected(from, to)) {
      this.counters.dropped['partition-in-flight']++
      return
    }
    this.counters.delivered++
    this.onDeliver(from, to, flight.bytes, flight.altered)
  }

  /** Takes a flight off its link (swap-remove; order within the list carries no meaning). */
  private land(link: Link, flight: Flight): void {
    const last = link.inFlight.pop()
    assert(last !== undefined && flight.index >= 0, 'flight not on its link')
    if (last !== flight) {
      link.inFlight[flight.index] = last
      last.index = flight.index
    }
    flight.index = -1
  }

  private link(from: number, to: number): Link {
    const link = this.links.get(linkKey(from, to))
    assert(link !== undefined, `unknown link ${from}->${to}`)
    return link
  }

  private assertNode(id: number): void {
    assert(this.links.has(linkKey(id, id)), `unknown node ${id}`)
  }
}

function linkKey(from: number, to: number): string {
  return `${from}>${to}`
}

function validateOptions(o: NetworkOptions): void {
  assert(Number.isFinite(o.delayMinMs) && o.delayMinMs >= 0, `delayMinMs must be >= 0, got ${o.delayMinMs}`)
  assert(Number.isFinite(o.delayMeanMs) && o.delayMeanMs >= 0, `delayMeanMs must be >= 0, got ${o.delayMeanMs}`)
  assertRatio(o.loss, 'loss')
  assertRatio(o.duplicate, 'duplicate')
  if (o.corrupt !== undefined) assertRatio(o.corrupt, 'corrupt')
  assert(Number.isInteger(o.linkCapacityMax) && o.linkCapacityMax >= 1, `linkCapacityMax must be a positive integer, got ${o.linkCapacityMax}`)
}
