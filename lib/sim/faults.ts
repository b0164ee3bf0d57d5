import { assert } from '../util/assert.js'
import type { SimNetwork } from './network.js'
import { assertRatio, type Prng, type Ratio } from './prng.js'

/**
 * A seeded random process that partitions, heals and clogs a
 * {@link SimNetwork} over virtual time. The caller steps it at a fixed virtual
 * interval; all randomness comes from the Prng it was given, so a seed
 * reproduces the same fault history.
 */

/**
 * Shape of the partitions to inject:
 * - `none`: never partition (clogs may still happen);
 * - `isolate-one`: cut one random node off from everyone;
 * - `random-split`: split the nodes into 2 or 3 non-empty groups;
 * - `one-way`: an asymmetric cut — one directed link, or all of one node's
 *   outbound links (it can hear but not speak), or all its inbound links.
 */
export type PartitionMode = 'none' | 'isolate-one' | 'random-split' | 'one-way'

/** Parameters of a {@link FaultProcess}. Probabilities are per step. */
export interface FaultOptions {
  partitionMode: PartitionMode
  /** Chance per step of partitioning a network that has none. */
  partitionProbability: Ratio
  /** Chance per step of healing the partitions (not the clogs) of a partitioned network. */
  unpartitionProbability: Ratio
  /** Minimum virtual time between two partition changes, so the protocol gets a chance to settle. */
  stableMinMs: number
  /** Chance per step of clogging one random directed link. */
  clogProbability: Ratio
  /** Mean of the exponentially distributed clog duration. */
  clogMeanMs: number
}

/** Construction parameters of a {@link FaultProcess}. */
export interface FaultProcessInit {
  /** The process's own stream; pass a fork. */
  prng: Prng
  /** Nodes eligible for faults: usually all of the network's nodes; others are never cut off or clogged. */
  nodes: readonly number[]
  options: FaultOptions
}

/** Upper bound on the number of partition groups random-split creates. */
const SPLIT_GROUPS_MAX = 3

/** Seeded partition and clog injector for a {@link SimNetwork}. */
export class FaultProcess {
  readonly options: Readonly<FaultOptions>
  private readonly prng: Prng
  private readonly nodes: readonly number[]
  /** Time of the last partition change; starts at the first step so every run opens with a stable period. */
  private lastChangeAt: number | null = null
  private lastNow = -Infinity

  constructor(init: FaultProcessInit) {
    validateFaultOptions(init.options)
    assert(new Set(init.nodes).size === init.nodes.length, 'fault nodes must be unique')
    this.prng = init.prng
    this.nodes = [...init.nodes].sort((a, b) => a - b)
    this.options = { ...init.options }
  }

  /**
   * Advances the process to virtual time `now` (non-decreasing) and applies
   * any fault it draws to `network`. Returns one trace line per change made,
   * at most two (a partition change and a clog).
   */
  step(now: number, network: SimNetwork): string[] {
    assert(Number.isFinite(now) && now >= this.lastNow, `fault time went backwards: ${now} < ${this.lastNow}`)
    this.lastNow = now
    this.lastChangeAt ??= now
    const actions: string[] = []
    if (this.nodes.length < 2) return actions
    if (now - this.lastChangeAt >= this.options.stableMinMs) {
      const action = network.partitioned ? this.maybeHeal(network) : this.maybePartition(network)
      if (action !== null) {
        this.lastChangeAt = now
        actions.push(action)
      }
    }
    if (this.prng.ratio(this.options.clogProbability)) actions.push(this.clogOne(now, network))
    return actions
  }

  /** One line for traces. */
  describe(): string {
    const o = this.options
    const r = (x: Ratio): string => `${x[0]}/${x[1]}`
    return (
      `faults(mode=${o.partitionMode} partition=${r(o.partitionProbability)} unpartition=${r(o.unpartitionProbability)} ` +
      `stable>=${o.stableMinMs}ms clog=${r(o.clogProbability)} clogMean=${o.clogMeanMs}ms)`
    )
  }

  private maybeHeal(network: SimNetwork): string | null {
    if (!this.prng.ratio(this.options.unpartitionProbability)) return null
    network.unpartition()
    return 'unpartition'
  }

  private maybePartition(network: SimNetwork): string | null {
    const mode = this.options.partitionMode
    if (mode === 'none' || !this.prng.ratio(this.options.partitionProbability)) return null
    if (mode === 'isolate-one') {
      const victim = this.prng.pick(this.nodes)
      network.partition([network.nodes.filter((id) => id !== victim), [victim]])
    } else if (mode === 'random-split') {
      const groups = this.randomGroups()
      // Nodes exempt from faults stay with the first group rather than being isolated by omission.
      groups[0]?.push(...network.nodes.filter((id) => !this.nodes.includes(id)))
      network.partition(groups)
    } else {
      this.cutOneWay(network)
    }
    return `partition ${network.describePartition()}`
  }

  /** 2..3 non-empty groups: the first k shuffled nodes seed one group each, the rest land anywhere. */
  private randomGroups(): number[][] {
    const shuffled = this.prng.shuffle([...this.nodes])
    const k = this.prng.range(2, Math.min(SPLIT_GROUPS_MAX, shuffled.length))
    const groups: number[][] = Array.from({ length: k }, () => [])
    shuffled.forEach((id, i) => {
      const group = groups[i < k ? i : this.prng.int(k)]
      assert(group !== undefined, 'split group out of range')
      group.push(id)
    })
    return groups
  }

  private cutOneWay(network: SimNetwork): void {
    const node = this.prng.pick(this.nodes)
    const others = this.nodes.filter((id) => id !== node)
    const shape = this.prng.int(3)
    if (shape === 0) network.partitionOneWay(node, this.prng.pick(others))
    else if (shape === 1) for (const to of others) network.partitionOneWay(node, to)
    else for (const from of others) network.partitionOneWay(from, node)
  }

  private clogOne(now: number, network: SimNetwork): string {
    const from = this.prng.pick(this.nodes)
    const to = this.prng.pick(this.nodes.filter((id) => id !== from))
    // At least 1 ms so a drawn clog always has an effect worth tracing.
    const until = now + Math.max(1, Math.round(this.prng.exponential(this.options.clogMeanMs)))
    network.clog(from, to, until)
    return `clog ${from}->${to} until ${until}`
  }
}

function validateFaultOptions(o: FaultOptions): void {
  const modes: readonly PartitionMode[] = ['none', 'isolate-one', 'random-split', 'one-way']
  assert(modes.includes(o.partitionMode), `unknown partitionMode ${String(o.partitionMode)}`)
  assertRatio(o.partitionProbability, 'partitionProbability')
  assertRatio(o.unpartitionProbability, 'unpartitionProbability')
  assertRatio(o.clogProbability, 'clogProbability')
  assert(Number.isFinite(o.stableMinMs) && o.stableMinMs >= 0, `stableMinMs must be >= 0, got ${o.stableMinMs}`)
  assert(Number.isFinite(o.clogMeanMs) && o.clogMeanMs >= 0, `clogMeanMs must be >= 0, got ${o.clogMeanMs}`)
}
