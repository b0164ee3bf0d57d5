import { expect } from 'chai'
import { deriveNodeId } from '../../lib/config/index.js'
import { conf, expectConfigError, minimal, warningKeys } from './helpers.js'

const TOTEM = ['totem {', 'version: 2', 'cluster_name: t', '}']
/** totem (lines 1-4), then `nodelist {` at line 5 around the given node lines. */
const nodelist = (...nodes: string[]): string[] => [...TOTEM, 'nodelist {', ...nodes, '}']
const node = (...keys: string[]): string[] => ['node {', ...keys, '}']

describe('config/conf-to-options sections', () => {
  describe('nodelist', () => {
    it('derives node ids from IPv4 addresses as corosync does for udpu', () => {
      const { options } = conf(...nodelist(...node('ring0_addr: 10.0.0.1'), ...node('ring0_addr: 192.168.1.11')))
      expect(options.nodes.map((n) => n.nodeId)).to.deep.equal([167772161, 3232235787])
      expect(deriveNodeId('10.0.0.1')).to.equal(0x0a000001)
      expect(deriveNodeId('2001:db8::1')).to.equal(undefined)
    })

    it('clears the high bit of derived ids with clear_node_high_bit: yes', () => {
      const lines = nodelist(...node('ring0_addr: 192.168.1.11'), ...node('ring0_addr: 10.0.0.1'))
      lines.splice(1, 0, 'clear_node_high_bit: yes')
      expect(conf(...lines).options.nodes.map((n) => n.nodeId)).to.deep.equal([3232235787 - 2 ** 31, 167772161])
      expect(deriveNodeId('255.255.255.255', true)).to.equal(0x7fffffff)
    })

    it('keeps IPv6 addresses with their colons; they need an explicit nodeid', () => {
      const { options, keys } = conf(...nodelist(...node('ring0_addr: 2001:db8::1', 'nodeid: 1'), ...node('ring0_addr: fe80::2%eth0', 'nodeid: 2')))
      expect(options.nodes.map((n) => n.addr)).to.deep.equal(['2001:db8::1', 'fe80::2%eth0'])
      expect(keys.get('nodelist.node.0.ring0_addr')).to.equal('2001:db8::1')
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 2001:db8::1'))), 'nodelist.node.0.nodeid', 7,
        'IPv6 ring0_addr (2001:db8::1) needs an explicit nodeid')
    })

    it('maps name and quorum_votes', () => {
      const { options } = conf(...nodelist(...node('ring0_addr: 10.0.0.1', 'nodeid: 4', 'name: alpha', 'quorum_votes: 3')))
      expect(options.nodes).to.deep.equal([{ nodeId: 4, addr: '10.0.0.1', name: 'alpha', votes: 3 }])
    })

    it('duplicate node ids name both lines', () => {
      const lines = nodelist(...node('ring0_addr: 10.0.0.1', 'nodeid: 7'), ...node('ring0_addr: 10.0.0.2', 'nodeid: 7'))
      expectConfigError(() => conf(...lines), 'nodelist.node.1.nodeid', 12, 'duplicate node id 7',
        'nodelist.node.0.nodeid (line 8)', 'nodelist.node.1.nodeid (line 12)')
      // A derived id colliding with an explicit one is reported at the address it came from.
      const derived = nodelist(...node('ring0_addr: 10.0.0.1', 'nodeid: 167772161'), ...node('ring0_addr: 10.0.0.1'))
      expectConfigError(() => conf(...derived), 'nodelist.node.1.ring0_addr', 11, 'duplicate node id 167772161', '(line 8)')
    })

    it('duplicate addresses (in any IPv6 spelling) and names are errors', () => {
      const addr = nodelist(...node('ring0_addr: 2001:db8::1', 'nodeid: 1'), ...node('ring0_addr: 2001:DB8:0::1', 'nodeid: 2'))
      expectConfigError(() => conf(...addr), 'nodelist.node.1.ring0_addr', 11, 'duplicate ring0_addr 2001:db8::1', '(line 7)')
      const name = nodelist(...node('ring0_addr: 10.0.0.1', 'name: a'), ...node('ring0_addr: 10.0.0.2', 'name: a'))
      expectConfigError(() => conf(...name), 'nodelist.node.1.name', 12, 'duplicate name a', '(line 8)')
    })

    it('rejects invalid, missing and out-of-range values', () => {
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: node1.example.com'))), 'nodelist.node.0.ring0_addr', 7,
        'expected an IPv4 or IPv6 address (host names are not resolved), got "node1.example.com"')
      expectConfigError(() => conf(...nodelist(...node('nodeid: 1'))), 'nodelist.node.0.ring0_addr', 6, "needs 'ring0_addr")
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 10.0.0.1', 'nodeid: 0'))), 'nodelist.node.0.nodeid', 8, 'reserved')
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 10.0.0.1', 'nodeid: x1'))), 'nodelist.node.0.nodeid', 8,
        'expected an integer in 0..4294967295 (u32), got "x1"')
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 0.0.0.0'))), 'nodelist.node.0.nodeid', 7, 'derived from 0.0.0.0 is 0')
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 10.0.0.1', 'quorum_votes: -2'))), 'nodelist.node.0.quorum_votes', 8, 'u32')
    })

    it('needs at least one node and a single nodelist section', () => {
      expectConfigError(() => conf(...nodelist()), 'nodelist', 5, 'no node { } entries')
      expectConfigError(() => conf(...nodelist(...node('ring0_addr: 10.0.0.1')), 'nodelist {', '}'), 'nodelist', 10,
        'a second nodelist section (the first is at line 5)')
      expectConfigError(() => conf(...TOTEM), 'nodelist', 1, 'nodelist required')
    })

    it('warns about other rings and unknown node keys', () => {
      const parsed = conf(...nodelist(...node('ring0_addr: 10.0.0.1', 'ring1_addr: 10.1.0.1', 'nodid: 3')))
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([['nodelist.node.0.ring1_addr', 8], ['nodelist.node.0.nodid', 9]])
    })
  })

  describe('quorum', () => {
    const quorum = (...keys: string[]) => conf(...minimal([], ['quorum {', ...keys, '}']))
    const Q = minimal().length + 1

    it("no provider means provider 'none', silently", () => {
      expect(quorum().options.quorum).to.deep.equal({ provider: 'none' })
      expect(quorum().warnings).to.deep.equal([])
      expect(conf(...minimal()).options.quorum).to.deep.equal({ provider: 'none' })
    })

    it('options without a provider are reported as having no effect', () => {
      const parsed = quorum('expected_votes: 3')
      expect(parsed.options.quorum).to.deep.equal({ provider: 'none' })
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([['quorum.expected_votes', Q + 1]])
    })

    it('corosync_votequorum maps every option; flags accept numbers and yes/no words', () => {
      const parsed = quorum('provider: corosync_votequorum', 'expected_votes: 2', 'two_node: 1', 'wait_for_all: no',
        'last_man_standing: yes', 'last_man_standing_window: 15000', 'auto_tie_breaker: on', 'auto_tie_breaker_node: highest')
      expect(parsed.warnings).to.deep.equal([])
      expect(parsed.options.quorum).to.deep.equal({
        provider: 'votequorum', expectedVotes: 2, twoNode: true, waitForAll: false, lastManStanding: true,
        lastManStandingWindow: 15000, autoTieBreaker: true, autoTieBreakerNode: 'highest',
      })
      expect(parsed.keys.get('quorum.wait_for_all')).to.equal(0)
      expect(parsed.keys.get('quorum.two_node')).to.equal(1)
    })

    it('auto_tie_breaker_node: lowest, highest or node ids', () => {
      const ids = quorum('provider: corosync_votequorum', 'auto_tie_breaker: 1', 'auto_tie_breaker_node: 2 1 9')
      expect(ids.options.quorum?.autoTieBreakerNode).to.deep.equal([2, 1, 9])
      expect(ids.warnings.map((w) => w.message)).to.deep.equal(['node id 9 not in the nodelist'])
      const noAtb = quorum('provider: corosync_votequorum', 'auto_tie_breaker_node: lowest')
      expect(noAtb.warnings[0]?.message).to.contain('no effect unless auto_tie_breaker')
      expectConfigError(() => quorum('provider: corosync_votequorum', 'auto_tie_breaker_node: first'),
        'quorum.auto_tie_breaker_node', Q + 2, 'lowest, highest or a space-separated list of node ids')
    })

    it('errors: unknown provider, out-of-range values', () => {
      expectConfigError(() => quorum('provider: corosync_quorum'), 'quorum.provider', Q + 1, 'one of corosync_votequorum')
      expectConfigError(() => quorum('two_node: 256'), 'quorum.two_node', Q + 1, 'u8')
      expectConfigError(() => quorum('wait_for_all: sure'), 'quorum.wait_for_all', Q + 1, 'yes/no')
      expectConfigError(() => quorum('expected_votes: many'), 'quorum.expected_votes', Q + 1, 'u32')
    })

    it('votes, unsupported options and quorum devices are ignored with warnings', () => {
      const parsed = quorum('provider: corosync_votequorum', 'votes: 2', 'allow_downscale: 1', 'device {', 'model: net',
        'votes: 1', '}', 'expected_vote: 3')
      expect(parsed.options.quorum).to.deep.equal({ provider: 'votequorum' })
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([
        ['quorum.votes', Q + 2], ['quorum.allow_downscale', Q + 3], ['quorum.device', Q + 4], ['quorum.expected_vote', Q + 8]])
      expect(parsed.warnings[2]?.message).to.contain('qdevice')
      expect(parsed.keys.get('quorum.device.votes')).to.equal(1)
    })
  })

  describe('logging, system and other sections', () => {
    const L = minimal().length + 1
    it('logging keys go into the key space without warnings, logger_subsys under its subsystem', () => {
      const parsed = conf(...minimal([], ['logging {', 'to_stderr: no', 'debug: trace', 'logger_subsys {', 'debug: on',
        'subsys: CPG', '}', 'logging_daemon {', 'name: corosync', 'subsys: QUORUM', 'debug: off', '}', 'logging_daemon {',
        'name: qdevice', 'to_syslog: yes', '}', '}', 'system {', 'qb_ipc_type: native', '}']))
      expect(parsed.warnings).to.deep.equal([])
      expect(Object.fromEntries([...parsed.keys].filter(([k]) => k.startsWith('logging')))).to.deep.equal({
        'logging.to_stderr': 'no', 'logging.debug': 'trace',
        'logging.logger_subsys.CPG.debug': 'on', 'logging.logger_subsys.CPG.subsys': 'CPG',
        'logging.logger_subsys.QUORUM.debug': 'off', 'logging.logger_subsys.QUORUM.subsys': 'QUORUM',
        'logging.logging_daemon.qdevice.to_syslog': 'yes', 'logging.logging_daemon.qdevice.name': 'qdevice',
      })
      expect(parsed.lines.get('logging.logger_subsys.CPG.debug')).to.equal(L + 4)
    })

    it('rejects a logger_subsys without subsys and invalid logging values', () => {
      expectConfigError(() => conf(...minimal([], ['logging {', 'logger_subsys {', 'debug: on', '}', '}'])),
        'logging.logger_subsys', L + 1, "needs a 'subsys' key")
      expectConfigError(() => conf(...minimal([], ['logging {', 'debug: loud', '}'])), 'logging.debug', L + 1, 'one of on, off, trace')
      expectConfigError(() => conf(...minimal([], ['logging {', 'to_syslog: perhaps', '}'])), 'logging.to_syslog', L + 1, 'yes or no')
      expectConfigError(() => conf(...minimal([], ['system {', 'sched_rr: on', '}'])), 'system.sched_rr', L + 1, 'one of yes, no')
      expectConfigError(() => conf(...minimal([], ['uidgid {', 'user: x', '}'])), 'uidgid.user', L + 1, "only 'uid' and 'gid'")
    })

    it('one warning per ignored section, naming its line', () => {
      const parsed = conf(...minimal([], ['aisexec {', 'user: root', '}', 'service {', 'name: pacemaker', 'ver: 0', '}',
        'service {', 'name: openais_ckpt', '}', 'amf {', 'mode: disabled', '}', 'uidgid {', 'uid: 1000', '}', 'stray: 1', 'mystery {', '}']))
      const again = parsed.warnings.filter((w) => w.message.includes('set again'))
      expect(again.map((w) => [w.key, w.line])).to.deep.equal([['service.name', L + 8]])
      const sections = parsed.warnings.filter((w) => !again.includes(w))
      expect(sections.map((w) => [w.key, w.line])).to.deep.equal([
        ['aisexec', L], ['service', L + 3], ['service', L + 7], ['amf', L + 10], ['uidgid', L + 13], ['stray', L + 16], ['mystery', L + 17]])
      const [aisexec, pacemaker, ckpt, amf, uidgid, stray, mystery] = sections.map((w) => w.message)
      expect(aisexec).to.contain("section 'aisexec' is ignored")
      expect(pacemaker).to.contain('ts-ha has a built-in resource manager: use cluster.resources')
      expect(ckpt).to.contain("plugin loading ('openais_ckpt')")
      expect(amf).to.contain('availability management framework')
      expect(uidgid).to.contain('IPC access control')
      expect(stray).to.contain('outside any section')
      expect(mystery).to.contain('does not know this section')
      expect(parsed.keys.get('service.name')).to.equal('openais_ckpt')
    })

    it('a dotted key outside any section stays an untyped string, as in corosync, and is ignored', () => {
      const parsed = conf('totem.token: 5000', ...minimal())
      expect(parsed.keys.get('totem.token')).to.equal('5000')
      expect(parsed.options.totem).to.deep.equal({})
      expect(warningKeys(parsed)).to.deep.equal(['totem.token'])
    })

    it('unknown sub-sections of totem, nodelist and quorum are reported', () => {
      const parsed = conf(...minimal(['interfce {', '}']))
      expect(warningKeys(parsed)).to.deep.equal(['totem.interfce'])
    })
  })

  describe('validation by totemConfig', () => {
    it('re-throws with the corosync key and its line', () => {
      expectConfigError(() => conf(...minimal(['token: 10'])), 'totem.token', 4, 'must be at least 30')
      expectConfigError(() => conf(...minimal(['join: 50', 'consensus: 40'])), 'totem.consensus', 5, 'must be at least totem.join (50)')
      expectConfigError(() => conf(...minimal(['window_size: 5000'])), 'totem.window_size', 4, 'too large')
      expectConfigError(() => conf(...minimal(['token_warning: 101'])), 'totem.token_warning', 4, 'percentage')
      const e = expectConfigError(() => conf(...minimal(['merge: 10'])), 'totem.merge', 4, 'must be at least 30')
      expect(e.cause).to.be.instanceOf(Error)
    })

    it('a derived timer that fails names the totem section', () => {
      expectConfigError(() => conf(...minimal(['token: 1000', 'join: 5000'])), 'totem.consensus', 1,
        'must be at least totem.join (5000)', 'derived from token')
    })
  })
})
