/**
 * Unpack, step 1: cluster options → working-set flags, and the empty
 * working set the rest of the pipeline fills.
 *
 * @module
 */
import type { CibConfig } from '../model/config.js'
import { optionsToAttributes } from '../model/defaults.js'
import type { CibStatus } from '../model/status.js'
import type { WorkingSet } from './types.js'

/** Defaults for options read by name (Pacemaker's `pe_pref` table). */
const OPTION_DEFAULTS: Readonly<Record<string, string>> = {
  'no-quorum-policy': 'stop',
  'symmetric-cluster': 'true',
  'maintenance-mode': 'false',
  'start-failure-is-fatal': 'true',
  'enable-startup-probes': 'true',
  'stonith-enabled': 'true',
  'stonith-action': 'reboot',
  'concurrent-fencing': 'false',
  'startup-fencing': 'true',
  'stop-all-resources': 'false',
  'stop-orphan-resources': 'true',
  'stop-orphan-actions': 'true',
  'placement-strategy': 'default',
  'have-watchdog': 'false',
}

/** `crm_is_true`. */
export function isTrue(text: string | undefined): boolean {
  if (text === undefined) return false
  const t = text.toLowerCase()
  return t === 'true' || t === 'on' || t === 'yes' || t === 'y' || t === '1'
}

/** What {@link newWorkingSet} needs. */
export interface WorkingSetInput {
  config: CibConfig
  status: CibStatus
  quorate: boolean
  hadQuorum?: boolean | undefined
  now: number
  featureSet?: string | undefined
  sanitized?: boolean | undefined
}

/** A working set with options unpacked and nothing else yet. */
export function newWorkingSet(input: WorkingSetInput): WorkingSet {
  const options = optionsToAttributes(input.config.options)
  const pref = (name: string): string | undefined => options.get(name) ?? OPTION_DEFAULTS[name]
  const stonith = isTrue(pref('stonith-enabled'))
  const ws: WorkingSet = {
    config: input.config,
    status: input.status,
    options,
    f: {
      stonithEnabled: stonith,
      haveStonithResource: isTrue(pref('have-watchdog')),
      haveQuorum: input.quorate,
      symmetric: isTrue(pref('symmetric-cluster')),
      startFailureFatal: isTrue(pref('start-failure-is-fatal')),
      startupFencing: stonith && isTrue(pref('startup-fencing')),
      concurrentFencing: isTrue(pref('concurrent-fencing')),
      stopEverything: isTrue(pref('stop-all-resources')),
      maintenanceMode: isTrue(pref('maintenance-mode')),
      stopRscOrphans: isTrue(pref('stop-orphan-resources')),
      stopActionOrphans: isTrue(pref('stop-orphan-actions')),
      startupProbes: isTrue(pref('enable-startup-probes')),
      legacyFailCounts: compareVersion(input.featureSet, '3.0.13') < 0,
      sanitized: input.sanitized === true,
    },
    noQuorumPolicy: quorumPolicy(pref('no-quorum-policy'), stonith, input.quorate || input.hadQuorum === true),
    stonithAction: pref('stonith-action') === 'poweroff' ? 'off' : (pref('stonith-action') ?? 'reboot'),
    placementStrategy: (pref('placement-strategy') ?? 'default').toLowerCase(),
    now: Math.floor(input.now / 1000),
    recheckAt: undefined,
    nodes: [],
    nodeByName: new Map(),
    dcNode: undefined,
    resources: [],
    actions: [],
    singletons: new Map(),
    orderings: [],
    colocations: [],
    locations: [],
    nextActionId: 1,
    nextOrderId: 1,
    scores: [],
    maskedProbes: [],
    featureSet: input.featureSet,
  }
  return ws
}

function quorumPolicy(value: string | undefined, stonith: boolean, quorate: boolean): WorkingSet['noQuorumPolicy'] {
  switch (value?.toLowerCase()) {
    case 'ignore': return 'ignore'
    case 'freeze': return 'freeze'
    case 'demote': return 'demote'
    // Suicide needs fencing, and a cluster that once had quorum.
    case 'suicide': return stonith && quorate ? 'suicide' : 'stop'
    default: return 'stop'
  }
}

/** Pacemaker's `compare_version` on dotted numbers; absent sorts first. */
export function compareVersion(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0
  if (a === undefined) return -1
  if (b === undefined) return 1
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

/** Records a future time the cluster must be rescheduled at (seconds). */
export function updateRecheck(ws: WorkingSet, when: number): void {
  if (when > ws.now && (ws.recheckAt === undefined || when < ws.recheckAt)) ws.recheckAt = when
}
