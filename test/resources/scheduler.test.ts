import { expect } from 'chai'
import { importPacemakerCib, toScheduleInput } from '../../lib/resources/pacemaker/xml-import.js'
import { schedule } from '../../lib/resources/scheduler/schedule.js'
import { applyTransition } from '../../lib/resources/simulate.js'
import { collapse } from './cases.js'

// Small hand-written CIBs for behaviour the 45 public cases do not pin down.
// Expected lines are what crm_simulate 2.1.5 prints for the same XML.

const nodes = ['n1', 'n2', 'n3']
const nodeXml = nodes.map((n) => `<node id="${n}" uname="${n}"/>`).join('')
const online = (extra = ''): string => nodes.map((n) =>
  `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${extra.replaceAll('NODE', n)}</node_state>`).join('')

function cib(attrs: string, props: string, resources: string, status: string, constraints = ''): string {
  return `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.7" epoch="1" num_updates="1" admin_epoch="0" dc-uuid="n1" execution-date="1600000000" ${attrs}>` +
    `<configuration><crm_config><cluster_property_set id="o">${props}</cluster_property_set></crm_config>` +
    `<nodes>${nodeXml}</nodes><resources>${resources}</resources><constraints>${constraints}</constraints></configuration><status>${status}</status></cib>`
}

const fencing = '<primitive id="fence" class="stonith" type="fence_xvm"/>'

function summary(xml: string): string[] {
  return schedule(toScheduleInput(importPacemakerCib(xml), 0)).summary.map(collapse).sort()
}

describe('resources/scheduler', () => {
  it('no-quorum-policy=suicide fences every online node once the partition had quorum (no-quorum-panic)', () => {
    const props = '<nvpair id="p" name="no-quorum-policy" value="suicide"/><nvpair id="s" name="stonith-enabled" value="true"/>'
    expect(summary(cib('have-quorum="0" no-quorum-panic="1"', props, fencing, online()))).to.deep.equal(
      ['* Fence (reboot) n1 \'cluster does not have quorum\'', '* Fence (reboot) n2 \'cluster does not have quorum\'',
        '* Fence (reboot) n3 \'cluster does not have quorum\''])
    // A partition that never had quorum just stops (and so cannot start the device).
    expect(summary(cib('have-quorum="0"', props, fencing, online()))).to.deep.equal(
      ['* Start fence ( n1 ) due to no quorum (blocked)'])
  })

  it('a promoted monitor failing with on-fail=demote demotes in place instead of recovering', () => {
    const rsc = '<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="promotable" value="true"/></meta_attributes>' +
      '<primitive id="s" class="ocf" provider="pacemaker" type="Stateful"><operations>' +
      '<op id="s-m10" name="monitor" interval="10s" role="Promoted" on-fail="demote"/><op id="s-m11" name="monitor" interval="11s" role="Unpromoted"/>' +
      '</operations></primitive></clone>'
    const op = (id: string, task: string, rc: number, interval = 0, call = 1): string =>
      `<lrm_rsc_op id="${id}" operation_key="s_${task}_${interval}" operation="${task}" crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:${rc};1:1:0:x" call-id="${call}" rc-code="${rc}" op-status="0" interval="${interval}" last-rc-change="1600000000" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`
    const hist = (n: string): string => n === 'n1'
      ? `<lrm><lrm_resources><lrm_resource id="s" class="ocf" provider="pacemaker" type="Stateful">${op('s_last_0', 'promote', 0)}${op('s_last_failure_0', 'monitor', 7, 10000, 2)}</lrm_resource></lrm_resources></lrm>`
      : `<lrm><lrm_resources><lrm_resource id="s" class="ocf" provider="pacemaker" type="Stateful">${op('s_last_0', 'start', 0)}</lrm_resource></lrm_resources></lrm>`
    const status = nodes.map((n) => `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${hist(n)}` +
      `<transient_attributes id="${n}"><instance_attributes id="ta-${n}"><nvpair id="pr-${n}" name="master-s" value="${n === 'n1' ? 10 : 5}"/>` +
      (n === 'n1' ? '<nvpair id="fc" name="fail-count-s#monitor_10000" value="1"/>' : '') + '</instance_attributes></transient_attributes></node_state>').join('')
    const props = '<nvpair id="st" name="stonith-enabled" value="false"/>'
    // Without a ban the failed instance is demoted and promoted again in place.
    expect(summary(cib('have-quorum="1"', props, rsc, status))).to.deep.equal(['* Re-promote s:0 ( Promoted n1 )'])
    // Banned from the promoted role where it failed, it is demoted and another instance promoted.
    const ban = '<rsc_location id="l" rsc="c"><rule id="r" role="Promoted" score="-INFINITY"><expression id="e" attribute="fail-count-s#monitor_10000" operation="gt" value="0"/></rule></rsc_location>'
    expect(summary(cib('have-quorum="1"', props, rsc, status, ban))).to.deep.equal(
      ['* Demote s:0 ( Promoted -> Unpromoted n1 )', '* Promote s:1 ( Unpromoted -> Promoted n2 )'])
  })

  it('the revised status files an anonymous clone instance under its primitive id', () => {
    const rsc = '<clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>'
    const input = toScheduleInput(importPacemakerCib(cib('have-quorum="1"', '<nvpair id="s" name="stonith-enabled" value="false"/>', rsc, online())), 0)
    const result = schedule(input)
    const after = applyTransition(input.status, result, [], 0).status
    for (const n of nodes) expect(Object.keys(after.nodes[n]?.resources ?? {})).to.deep.equal(['d'])
  })
})
