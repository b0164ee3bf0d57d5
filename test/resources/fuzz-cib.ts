/**
 * Seeded random CIBs for the differential test against crm_simulate:
 * ≤ 6 nodes, ≤ 15 resources (primitives, groups, anonymous and unique
 * clones, promotable clones), constraints, and history with failures.
 */
import { Prng } from '../../lib/sim/prng.js'

/**
 * Pacemaker's digest of an empty parameter set (history of parameterless
 * agents). Recurring monitors get no digest: theirs covers the op's meta too,
 * and a mismatch would make Pacemaker clear the failure.
 */
export const EMPTY_DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8'

interface Gen {
  r: () => number
  pick<T>(xs: readonly T[]): T
  int(lo: number, hi: number): number
  chance(p: number): boolean
}

function gen(seed: number): Gen {
  const prng = new Prng(seed)
  const r = (): number => prng.float()
  return {
    r,
    pick: (xs) => xs[Math.floor(r() * xs.length)]!,
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
    chance: (p) => r() < p,
  }
}

interface Prim { id: string; type: 'Dummy' | 'Stateful'; stickiness?: number; threshold?: number; monitor: boolean; stopped?: boolean }
interface Top { id: string; kind: 'primitive' | 'group' | 'clone' | 'promotable'; prims: Prim[]; unique?: boolean; max?: number; notify?: boolean; interleave?: boolean }

const nvpair = (id: string, name: string, value: string): string => `<nvpair id="${id}-${name}" name="${name}" value="${value}"/>`

function primXml(p: Prim): string {
  const meta: string[] = []
  if (p.stickiness !== undefined) meta.push(nvpair(`${p.id}-m`, 'resource-stickiness', String(p.stickiness)))
  if (p.threshold !== undefined) meta.push(nvpair(`${p.id}-m`, 'migration-threshold', String(p.threshold)))
  if (p.stopped === true) meta.push(nvpair(`${p.id}-m`, 'target-role', 'Stopped'))
  const ops = p.monitor
    ? `<operations><op id="${p.id}-mon" name="monitor" interval="10s"/></operations>`
    : ''
  return `<primitive id="${p.id}" class="ocf" provider="pacemaker" type="${p.type}">${meta.length > 0 ? `<meta_attributes id="${p.id}-m">${meta.join('')}</meta_attributes>` : ''}${ops}</primitive>`
}

function topXml(t: Top): string {
  if (t.id === 'fence1') return '<primitive id="fence1" class="stonith" type="fence_dummy"/>'
  if (t.kind === 'primitive') return primXml(t.prims[0]!)
  if (t.kind === 'group') return `<group id="${t.id}">${t.prims.map(primXml).join('')}</group>`
  const meta: string[] = []
  if (t.kind === 'promotable') meta.push(nvpair(`${t.id}-m`, 'promotable', 'true'))
  if (t.unique === true) meta.push(nvpair(`${t.id}-m`, 'globally-unique', 'true'))
  if (t.max !== undefined) meta.push(nvpair(`${t.id}-m`, 'clone-max', String(t.max)))
  if (t.notify === true) meta.push(nvpair(`${t.id}-m`, 'notify', 'true'))
  if (t.interleave === true) meta.push(nvpair(`${t.id}-m`, 'interleave', 'true'))
  return `<clone id="${t.id}"><meta_attributes id="${t.id}-m">${meta.join('')}</meta_attributes>${primXml(t.prims[0]!)}</clone>`
}

function resources(g: Gen): Top[] {
  const tops: Top[] = []
  let n = 0
  let budget = g.int(1, 15)
  while (budget > 0) {
    const kind = g.pick(['primitive', 'primitive', 'primitive', 'group', 'clone', 'promotable'] as const)
    const mk = (type: Prim['type']): Prim => {
      const p: Prim = { id: `r${++n}`, type, monitor: g.chance(0.5) }
      if (g.chance(0.4)) p.stickiness = g.pick([0, 1, 50, 100, 1000])
      if (g.chance(0.3)) p.threshold = g.pick([1, 2, 3])
      if (g.chance(0.08)) p.stopped = true
      return p
    }
    if (kind === 'group') {
      const size = Math.min(budget, g.int(2, 3))
      tops.push({ id: `g${n + 1}`, kind, prims: Array.from({ length: size }, () => mk('Dummy')) })
      budget -= size
    } else if (kind === 'clone' || kind === 'promotable') {
      const t: Top = { id: `c${n + 1}`, kind, prims: [mk(kind === 'promotable' ? 'Stateful' : 'Dummy')] }
      if (kind === 'clone' && g.chance(0.3)) t.unique = true
      if (g.chance(0.4)) t.max = g.int(1, 3)
      if (g.chance(0.3)) t.notify = true
      if (g.chance(0.3)) t.interleave = true
      tops.push(t)
      budget -= 1
    } else {
      tops.push({ id: `p${n + 1}`, kind, prims: [mk('Dummy')] })
      budget -= 1
    }
  }
  return tops
}

const SCORES = ['INFINITY', '-INFINITY', '100', '-100', '50', '200']

function constraints(g: Gen, tops: Top[], nodes: string[]): string {
  const out: string[] = []
  const ids = tops.filter((t) => t.prims.length > 0).map((t) => t.id === t.prims[0]!.id || t.kind === 'primitive' ? t.prims[0]!.id : t.id)
  let k = 0
  for (let i = g.int(0, 4); i > 0; i--) {
    if (g.chance(0.25)) {
      const op = g.pick(['eq', 'ne'])
      out.push(`<rsc_location id="loc${++k}" rsc="${g.pick(ids)}"><rule id="loc${k}-r" score="${g.pick(SCORES)}"><expression id="loc${k}-e" attribute="#uname" operation="${op}" value="${g.pick(nodes)}"/></rule></rsc_location>`)
    } else {
      out.push(`<rsc_location id="loc${++k}" rsc="${g.pick(ids)}" node="${g.pick(nodes)}" score="${g.pick(SCORES)}"/>`)
    }
  }
  const promotables = tops.filter((t) => t.kind === 'promotable').map((t) => t.id)
  if (promotables.length > 0 && g.chance(0.5)) {
    const prim = g.pick(ids.filter((x) => !promotables.includes(x)))
    if (prim !== undefined) out.push(`<rsc_colocation id="col${++k}" rsc="${prim}" with-rsc="${g.pick(promotables)}" with-rsc-role="Promoted" score="${g.pick(['INFINITY', '100', '-INFINITY'])}"/>`)
  }
  for (let i = g.int(0, 3); i > 0 && ids.length > 1; i--) {
    const a = g.pick(ids)
    const b = g.pick(ids.filter((x) => x !== a))
    out.push(`<rsc_colocation id="col${++k}" rsc="${a}" with-rsc="${b}" score="${g.pick(SCORES)}"/>`)
  }
  for (let i = g.int(0, 3); i > 0 && ids.length > 1; i--) {
    const a = g.pick(ids)
    const b = g.pick(ids.filter((x) => x !== a))
    const kind = g.pick(['Mandatory', 'Optional'])
    const sym = g.chance(0.3) ? ' symmetrical="false"' : ''
    out.push(`<rsc_order id="ord${++k}" first="${a}" then="${b}" kind="${kind}"${sym}/>`)
  }
  return out.join('')
}

interface History { ops: string[]; attrs: string[] }

function op(id: string, rsc: string, task: string, interval: number, call: number, rc: number, expected: number, node: string): string {
  const magic = `0:${rc};1:1:${expected}:00000000-0000-0000-0000-000000000000`
  return `<lrm_rsc_op id="${id}" operation_key="${rsc}_${task}_${interval}" operation="${task}" crm-debug-origin="fuzz" crm_feature_set="3.16.2" transition-key="1:1:${expected}:00000000-0000-0000-0000-000000000000" transition-magic="${magic}" exit-reason="" on_node="${node}" call-id="${call}" rc-code="${rc}" op-status="${rc === expected ? 0 : 4}" interval="${interval}" last-rc-change="1600000000" exec-time="1" queue-time="0"${interval === 0 ? ` op-digest="${EMPTY_DIGEST}"` : ''}/>`
}

function primHistory(g: Gen, p: Prim, histId: string, node: string, promotable: boolean, h: Map<string, History>): void {
  const entry = h.get(node)!
  const roll = g.r()
  const ops: string[] = []
  if (roll < 0.35) {
    ops.push(op(`${histId}_last_0`, histId, 'start', 0, 10, 0, 0, node))
    if (promotable && g.chance(0.4)) ops.push(op(`${histId}_last_0`, histId, 'promote', 0, 11, 0, 0, node).replace('rc-code="0"', 'rc-code="0"'))
    if (p.monitor && g.chance(0.3)) {
      ops.push(op(`${histId}_last_failure_0`, histId, 'monitor', 10000, 12, 7, promotable ? 0 : 0, node))
      entry.attrs.push(`<nvpair id="fc-${histId}-${node}" name="fail-count-${histId.replace(/:\d+$/, '')}#monitor_10000" value="${g.int(1, 3)}"/>`)
    }
  } else if (roll < 0.45) {
    ops.push(op(`${histId}_last_failure_0`, histId, 'start', 0, 10, 1, 0, node))
    entry.attrs.push(`<nvpair id="fc-${histId}-${node}" name="fail-count-${histId.replace(/:\d+$/, '')}#start_0" value="INFINITY"/>`)
  } else if (roll < 0.6) {
    ops.push(op(`${histId}_last_0`, histId, 'monitor', 0, 5, 7, 7, node))
  } else return
  if (promotable && g.chance(0.5)) entry.attrs.push(`<nvpair id="pm-${histId}-${node}" name="master-${histId.replace(/:\d+$/, '')}" value="${g.pick([5, 10, 100])}"/>`)
  entry.ops.push(`<lrm_resource id="${histId}" class="ocf" provider="pacemaker" type="${p.type}">${ops.join('')}</lrm_resource>`)
}

function history(g: Gen, tops: Top[], nodes: string[], online: Set<string>): Map<string, History> {
  const h = new Map(nodes.map((n) => [n, { ops: [], attrs: [] } as History]))
  for (const t of tops) {
    if (t.kind === 'clone' || t.kind === 'promotable') {
      const p = t.prims[0]!
      let inst = 0
      for (const node of nodes) {
        if (!online.has(node)) continue
        primHistory(g, p, t.unique === true ? `${p.id}:${inst++}` : p.id, node, t.kind === 'promotable', h)
      }
      continue
    }
    for (const p of t.prims) {
      const node = g.pick(nodes.filter((n) => online.has(n)))
      if (node !== undefined) primHistory(g, p, p.id, node, false, h)
    }
  }
  return h
}

/** The CIB XML for a seed. */
export function randomCib(seed: number): string {
  const g = gen(seed)
  const nodes = Array.from({ length: g.int(2, 6) }, (_, i) => `node${i + 1}`)
  const online = new Set(nodes.filter((_, i) => i === 0 || g.chance(0.85)))
  const tops = resources(g)
  const symmetric = g.chance(0.85)
  const fencing = g.chance(0.3)
  const quorate = g.chance(0.8)
  const policy = quorate ? 'ignore' : g.pick(['stop', 'freeze', 'ignore'])
  const props = [nvpair('opts', 'stonith-enabled', String(fencing)), nvpair('opts', 'no-quorum-policy', policy),
    nvpair('opts', 'symmetric-cluster', String(symmetric))]
  if (fencing) tops.unshift({ id: 'fence1', kind: 'primitive', prims: [] })
  const lost = new Set(fencing ? nodes.filter((n) => !online.has(n) && g.chance(0.5)) : [])
  const standby = new Set(nodes.filter((n) => online.has(n) && n !== 'node1' && g.chance(0.1)))
  const hist = history(g, tops.filter((t) => t.prims.length > 0), nodes, new Set([...online, ...lost]))
  const defaults = g.chance(0.3) ? `<rsc_defaults><meta_attributes id="rd">${nvpair('rd', 'resource-stickiness', String(g.pick([1, 100])))}</meta_attributes></rsc_defaults>` : ''
  const nodeXml = nodes.map((n) => standby.has(n)
    ? `<node id="${n}" uname="${n}" type="member"><instance_attributes id="na-${n}">${nvpair(`na-${n}`, 'standby', 'on')}</instance_attributes></node>`
    : `<node id="${n}" uname="${n}" type="member"/>`).join('')
  const states = nodes.map((n) => {
    const up = online.has(n)
    const e = hist.get(n)!
    const attrs = e.attrs.length > 0 ? `<transient_attributes id="${n}"><instance_attributes id="status-${n}">${e.attrs.join('')}</instance_attributes></transient_attributes>` : ''
    const gone = lost.has(n)
    const expected = up || gone ? 'member' : 'down'
    return `<node_state id="${n}" uname="${n}" in_ccm="${up}" crmd="${up ? 'online' : 'offline'}" join="${up ? 'member' : 'down'}" expected="${expected}">${attrs}<lrm id="${n}"><lrm_resources>${up || gone ? e.ops.join('') : ''}</lrm_resources></lrm></node_state>`
  }).join('')
  return `<cib admin_epoch="0" epoch="1" num_updates="1" crm_feature_set="3.16.2" validate-with="pacemaker-3.7" have-quorum="${quorate ? 1 : 0}" dc-uuid="node1" execution-date="1600000100"><configuration><crm_config><cluster_property_set id="opts">${props.join('')}</cluster_property_set></crm_config><nodes>${nodeXml}</nodes><resources>${tops.map(topXml).join('')}</resources><constraints>${constraints(g, tops, nodes)}</constraints>${defaults}</configuration><status>${states}</status></cib>`
}
