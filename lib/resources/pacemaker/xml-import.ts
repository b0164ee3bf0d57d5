/**
 * Pacemaker CIB XML → the JSON CIB (`ts-ha/pacemaker`): configuration and
 * status, plus the `<cib>` attributes the scheduler takes as inputs
 * (`have-quorum`, `dc-uuid`, `execution-date`).
 *
 * @module
 */
import { ConfigError } from '../../errors.js'
import type { CibConfig, NodeConfig } from '../model/config.js'
import type { CibStatus } from '../model/status.js'
import { toScore } from '../model/scores.js'
import { evalRule } from '../scheduler/rules.js'
import type { ScheduleInput } from '../scheduler/schedule.js'
import { importConstraints, rule } from './xml-constraints.js'
import { toClusterOptions, toOpDefaults, toResourceMeta } from './xml-meta.js'
import { importResources, utilization } from './xml-resources.js'
import { importStatus } from './xml-status.js'
import { childrenNamed, firstChild, IdIndex, parseXml, type XmlElement } from './xml-tree.js'
import { isTrue, nvpairs } from './xml-values.js'

/** What {@link importPacemakerCib} returns. */
export interface ImportedCib {
  config: CibConfig
  status: CibStatus
  /** `have-quorum` on `<cib>`. */
  quorate: boolean
  /** The DC's node name (from `dc-uuid`), if set. */
  dc?: string
  /** `execution-date`, epoch milliseconds, if set: the `now` the CIB was scheduled at. */
  now?: number
  /** `crm_feature_set` (decides the fail-count attribute naming). */
  featureSet?: string
  /** `no-quorum-panic` on `<cib>`: the partition had quorum before, so `no-quorum-policy=suicide` applies. */
  hadQuorum?: boolean
}

/** Options for {@link importPacemakerCib}. */
export interface ImportOptions {
  /**
   * The time (epoch ms) at which rule-guarded attribute sets are evaluated
   * when the CIB has no `execution-date`. Without either, such sets are skipped.
   */
  now?: number
}

/**
 * Parses a Pacemaker CIB. Throws a {@link ConfigError} naming the element for
 * anything it cannot read or does not support.
 */
export function importPacemakerCib(xml: string, options: ImportOptions = {}): ImportedCib {
  const root = parseXml(xml)
  if (root.name !== 'cib') throw new ConfigError(root.path, `root element is <${root.name}>, not <cib>`)
  const ids = new IdIndex(root)
  const date = root.attrs['execution-date']
  const now = date !== undefined && /^\d+$/.test(date) ? Number(date) * 1000 : options.now
  const accept = now === undefined ? undefined : (set: XmlElement): boolean => setRulesPass(set, ids, now)
  const configuration = firstChild(root, 'configuration')
  if (configuration === undefined) throw new ConfigError(root.path, '<cib> has no <configuration>')
  const { nodes, names } = importNodes(firstChild(configuration, 'nodes'), ids, accept)
  const config: CibConfig = {
    options: toClusterOptions(nvpairs(firstChild(configuration, 'crm_config'), 'cluster_property_set', ids, { first: 'cib-bootstrap-options', ...(accept === undefined ? {} : { accept }) })),
    defaults: {
      resource: toResourceMeta(nvpairs(firstChild(configuration, 'rsc_defaults'), 'meta_attributes', ids, accept === undefined ? {} : { accept })) ?? {},
      op: toOpDefaults(nvpairs(firstChild(configuration, 'op_defaults'), 'meta_attributes', ids)),
    },
    nodes,
    resources: importResources(firstChild(configuration, 'resources'), ids, accept),
    constraints: importConstraints(firstChild(configuration, 'constraints'), ids),
    fencing: {},
  }
  const status = importStatus(firstChild(root, 'status'), ids, names)
  const out: ImportedCib = { config, status, quorate: isTrue(root.attrs['have-quorum']) }
  const dcId = root.attrs['dc-uuid']
  if (dcId !== undefined) {
    const dc = names.get(dcId)
    if (dc !== undefined) out.dc = dc
  }
  if (date !== undefined && /^\d+$/.test(date)) out.now = Number(date) * 1000
  if (root.attrs['crm_feature_set'] !== undefined) out.featureSet = root.attrs['crm_feature_set']
  if (isTrue(root.attrs['no-quorum-panic'])) out.hadQuorum = true
  return out
}

/**
 * The scheduler input for an imported CIB, as crm_simulate schedules a saved
 * CIB: at its `execution-date` (else `fallbackNow`), with masked secure
 * parameters treated as unchanged.
 */
export function toScheduleInput(cib: ImportedCib, fallbackNow: number): ScheduleInput {
  return {
    config: cib.config, status: cib.status, quorate: cib.quorate, dc: cib.dc, now: cib.now ?? fallbackNow,
    featureSet: cib.featureSet, hadQuorum: cib.hadQuorum === true, sanitized: true,
  }
}

/** Whether any `<rule>` of an attribute set holds at `now` (node-attribute tests cannot hold here). */
function setRulesPass(set: XmlElement, ids: IdIndex, now: number): boolean {
  return childrenNamed(set, 'rule').some((r) => {
    try {
      return evalRule(rule(r, ids), { attrs: undefined, now: Math.floor(now / 1000) })
    } catch (err) {
      // A guard we cannot evaluate (date_spec, durations) leaves the set out, as before.
      if (err instanceof ConfigError) return false
      throw err
    }
  })
}

function importNodes(e: XmlElement | undefined, ids: IdIndex, accept?: (set: XmlElement) => boolean): { nodes: Record<string, NodeConfig>; names: Map<string, string> } {
  const nodes: Record<string, NodeConfig> = {}
  const names = new Map<string, string>()
  for (const n of childrenNamed(e, 'node')) {
    const id = n.attrs['id']
    if (id === undefined) continue
    const uname = n.attrs['uname'] ?? id
    const node: NodeConfig = {}
    if (id !== uname) node.id = id
    const type = n.attrs['type']?.toLowerCase()
    // As Pacemaker 2.1.5: anything but member or remote is a (deprecated) ping node.
    if (type === 'remote') node.type = 'remote'
    else if (type !== undefined && type !== 'member') node.type = 'ping'
    if (n.attrs['score'] !== undefined) node.score = toScore(n.attrs['score'])
    const attrs = nvpairs(n, 'instance_attributes', ids, accept === undefined ? {} : { accept })
    if (attrs.size > 0) node.attributes = Object.fromEntries(attrs)
    const util = utilization(n, ids)
    if (util !== undefined) node.utilization = util
    nodes[uname] = node
    names.set(id, uname)
  }
  return { nodes, names }
}
