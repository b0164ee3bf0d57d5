/**
 * `npm run bench:scheduler`: our schedule() and `ts-ha simulate` next to
 * Pacemaker's `crm_simulate -R` on the same CIB XML, in the same run.
 * 1,000 primitives on 32 nodes (groups, locations, colocations, orders,
 * stickiness), one node lost; also 100 and 3,000 for growth.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importPacemakerCib } from '../lib/resources/pacemaker/xml-import.js'
import { schedule } from '../lib/resources/scheduler/schedule.js'

const DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8'

function cib(count: number, nodes: number): string {
  const names = Array.from({ length: nodes }, (_, i) => `node${i + 1}`)
  const rscs: string[] = []
  const cons: string[] = []
  const lrm = new Map<string, string[]>(names.map((n) => [n, []]))
  const prim = (id: string): string => `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy"/>`
  let i = 0
  const groups = Math.floor(count / 50)
  for (let g = 0; g < groups; g++) {
    const members = Array.from({ length: 5 }, () => `r${++i}`)
    rscs.push(`<group id="g${g}">${members.map(prim).join('')}</group>`)
  }
  while (i < count) rscs.push(prim(`r${++i}`))
  for (let k = 0; k < count / 5; k++) cons.push(`<rsc_location id="loc${k}" rsc="r${(k * 7) % count + 1}" node="${names[k % nodes]}" score="${(k % 5) * 10}"/>`)
  for (let k = 0; k < count / 10; k++) cons.push(`<rsc_colocation id="col${k}" rsc="r${groups * 5 + 1 + ((k * 3) % (count - groups * 5))}" with-rsc="r${groups * 5 + 1 + ((k * 3 + 1) % (count - groups * 5))}" score="100"/>`)
  for (let k = 0; k < count / 10; k++) cons.push(`<rsc_order id="ord${k}" first="r${groups * 5 + 1 + ((k * 5) % (count - groups * 5))}" then="r${groups * 5 + 1 + ((k * 5 + 2) % (count - groups * 5))}" kind="Optional"/>`)
  for (let r = 1; r <= count; r++) {
    const node = names[r % nodes]!
    lrm.get(node)!.push(`<lrm_resource id="r${r}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="r${r}_last_0" operation_key="r${r}_start_0" operation="start" crm-debug-origin="bench" crm_feature_set="3.16.2" transition-key="1:1:0:00000000-0000-0000-0000-000000000000" transition-magic="0:0;1:1:0:00000000-0000-0000-0000-000000000000" on_node="${node}" call-id="${r}" rc-code="0" op-status="0" interval="0" last-rc-change="1600000000" op-digest="${DIGEST}"/></lrm_resource>`)
  }
  const states = names.map((n, idx) => {
    const lost = idx === 0
    return `<node_state id="${n}" uname="${n}" in_ccm="${!lost}" crmd="${lost ? 'offline' : 'online'}" join="${lost ? 'down' : 'member'}" expected="member"><lrm id="${n}"><lrm_resources>${lrm.get(n)!.join('')}</lrm_resources></lrm></node_state>`
  }).join('')
  return `<cib admin_epoch="0" epoch="1" num_updates="1" crm_feature_set="3.16.2" validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="node2" execution-date="1600000100"><configuration><crm_config><cluster_property_set id="opts">` +
    `<nvpair id="opts1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config><nodes>${names.map((n) => `<node id="${n}" uname="${n}" type="member"/>`).join('')}</nodes>` +
    `<resources><primitive id="fence" class="stonith" type="fence_dummy"/>${rscs.join('')}</resources><constraints>${cons.join('')}</constraints>` +
    `<rsc_defaults><meta_attributes id="rdm"><nvpair id="rdm1" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults></configuration><status>${states}</status></cib>`
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function time(fn: () => void, runs: number): number {
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn()
    out.push(performance.now() - t0)
  }
  return median(out)
}

const root = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'ts-ha-bench-sched-'))
mkdirSync(join(dir, 'shadow'))
const haveCrm = spawnSync('crm_simulate', ['--version']).status === 0
console.log('| resources | nodes | summary lines | schedule() ms | ts-ha simulate ms | crm_simulate -R ms | schedule/crm | simulate/crm |')
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const count of [100, 1000, 3000]) {
  const xml = cib(count, 32)
  const file = join(dir, `bench-${count}.xml`)
  writeFileSync(file, xml)
  let lines = 0
  const ours = time(() => {
    const c = importPacemakerCib(xml)
    lines = schedule({ config: c.config, status: c.status, quorate: c.quorate, dc: c.dc, now: c.now ?? 0, featureSet: c.featureSet }).summary.length
  }, 5)
  const runs = count >= 3000 ? 1 : 3
  const cli = time(() => void spawnSync(process.execPath, [join(root, 'dist/lib/cli/main.js'), 'simulate', '-x', file], { encoding: 'utf8', maxBuffer: 64 << 20 }), runs)
  const crm = haveCrm ? time(() => void spawnSync('crm_simulate', ['-R', '-x', file], { env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: join(dir, 'shadow') }, maxBuffer: 64 << 20 }), runs) : NaN
  const ratio = (x: number): string => (haveCrm ? (x / crm).toFixed(3) : 'n/a')
  console.log(`| ${count} | 32 | ${lines} | ${ours.toFixed(0)} | ${cli.toFixed(0)} | ${haveCrm ? crm.toFixed(0) : 'n/a'} | ${ratio(ours)} | ${ratio(cli)} |`)
}
