import { expect } from 'chai'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Cluster } from '../../lib/cluster/cluster.js'
import { clusterMcastAddr, configFromConf, loadConfigFile, parseConfText } from '../../lib/config/index.js'
import { totemConfig } from '../../lib/totem/config.js'
import { conf, expectConfigError, fixture, fixturePath, minimal, warningKeys } from './helpers.js'

/** The project's shared folder sits beside the repository (as in CI's clone); HA_SHARED_DIR overrides. */
const SHARED = process.env['HA_SHARED_DIR'] ?? fileURLToPath(new URL('../../../../shared/', import.meta.url))
const SEED_MD = `${SHARED}/SEED.md`
const EXAMPLE_CONF = fileURLToPath(new URL('../../../examples/corosync.conf', import.meta.url))
/** The nodelist part of minimal(), to follow a hand-written totem section. */
const NODELIST = minimal().slice(4)

describe('config/conf-to-options', () => {
  it('examples/corosync.conf (the file config-node runs on) loads into options new Cluster() accepts', () => {
    const loaded = loadConfigFile(EXAMPLE_CONF, { nodeId: 2 })
    expect(loaded.options.nodes.map((n) => [n.nodeId, n.name])).to.deep.equal([[1, 'alpha'], [2, 'beta'], [3, 'gamma']])
    const cluster = new Cluster({ ...loaded.options, nodeId: 2 })
    expect(cluster.nodeId).to.equal(2)
    expect(cluster.cmap.get('runtime.config.totem.token')).to.equal(1650)
    // The example shows a corosync-era `service { }` section: it is read, and ignored with a pointer.
    expect(loaded.warnings.map((w) => [w.key, w.line])).to.deep.equal([['service', 41]])
  })

  describe('the seed example (SEED.md)', () => {
    it('the fixture is the exact example of SEED.md, plus a nodelist', function () {
      if (!existsSync(SEED_MD)) this.skip()
      const block = /```\n(totem \{[\s\S]*?)```/.exec(readFileSync(SEED_MD, 'utf8'))?.[1]
      expect(fixture('seed-original.conf')).to.equal(block)
      expect(fixture('seed.conf').startsWith(fixture('seed-original.conf'))).to.equal(true)
    })

    it('parses, with warnings for aisexec and service', () => {
      const parsed = configFromConf(parseConfText(fixture('seed.conf'), 'seed.conf'))
      expect(parsed.options).to.deep.equal({
        clusterName: 'ts-ha',
        nodes: [
          { nodeId: 1, addr: '192.168.1.11', name: 'node1' },
          { nodeId: 2, addr: '192.168.1.12', name: 'node2' },
          { nodeId: 3, addr: '192.168.1.13', name: 'node3' },
        ],
        transport: 'udpu',
        port: 5405,
        totem: {},
        quorum: { provider: 'none' },
        secauth: false,
      })
      const aisexec = parsed.warnings.filter((w) => w.key === 'aisexec' && w.message.includes('is ignored'))
      expect(aisexec.map((w) => w.line)).to.deep.equal([26])
      const service = parsed.warnings.filter((w) => w.key === 'service' && w.message.includes('is ignored'))
      expect(service.map((w) => w.line)).to.deep.equal([27])
      expect(service[0]?.message).to.contain('ts-ha has a built-in resource manager: use cluster.resources')
      // The lenient reading of the annotated example is reported, line by line.
      expect(warningKeys(parsed)).to.include.members(['totem', 'totem.threads', 'totem.secauth', 'logging.logger_subsys', 'quorum'])
      expect(warningKeys(parsed)).to.include.members(['totem.cluster_name', 'totem.interface.0.mcastaddr', 'totem.interface.0.bindnetaddr'])
      const lines = parsed.warnings.map((w) => w.line)
      expect(lines).to.deep.equal([...lines].sort((a, b) => a - b))
    })

    it('keeps the corosync key space, logger_subsys included', () => {
      const { keys, lines } = configFromConf(parseConfText(fixture('seed.conf')))
      expect(keys.get('totem.version')).to.equal(2)
      expect(keys.get('totem.threads')).to.equal(2)
      expect(keys.get('totem.interface.0.mcastport')).to.equal(5405)
      expect(keys.get('totem.interface.0.mcastaddr')).to.equal('239.255.1.1      # multicast address (the NIC must have MULTICAST enabled)')
      expect(keys.get('logging.logger_subsys.QUORUM.subsys')).to.equal('QUORUM')
      expect(keys.get('logging.logger_subsys.QUORUM.debug')).to.equal('off')
      expect(keys.get('logging.to_syslog')).to.equal('yes')
      expect(keys.get('service.name')).to.equal('pacemaker')
      expect(keys.get('nodelist.node.2.nodeid')).to.equal(3)
      expect(lines.get('logging.logfile')).to.equal(19)
      expect(lines.get('nodelist.node.1')).to.equal(35)
    })

    it('without a nodelist (the original) fails with "nodelist required" at the totem line', () => {
      expectConfigError(() => configFromConf(parseConfText(fixture('seed-original.conf'), fixturePath('seed-original.conf'))),
        'nodelist', 1, 'nodelist required', 'seed-original.conf')
    })
  })

  describe('a full corosync 3 configuration', () => {
    it('maps every section without warnings', () => {
      const parsed = configFromConf(parseConfText(fixture('full.conf')))
      expect(parsed.warnings).to.deep.equal([])
      expect(parsed.options).to.deep.equal({
        clusterName: 'webcluster',
        nodes: [
          { nodeId: 1084754443, addr: '192.168.10.11', name: 'web1' },
          { nodeId: 2, addr: '192.168.10.12', name: 'web2', votes: 2 },
          { nodeId: 3, addr: '2001:db8::13', name: 'web3' },
        ],
        transport: 'udpu',
        port: 5420,
        totem: { token: 5000, tokenCoefficient: 1000, join: 60, maxMessages: 20, cancelTokenHoldOnRetransmit: true },
        quorum: {
          provider: 'votequorum', expectedVotes: 4, waitForAll: true, lastManStanding: true,
          lastManStandingWindow: 20000, autoTieBreaker: true, autoTieBreakerNode: [3, 2],
        },
        secauth: { keyFile: '/etc/ts-ha/authkey' },
      })
      expect(parsed.keys.get('quorum.wait_for_all')).to.equal(1)
      expect(parsed.keys.get('logging.logger_subsys.QUORUM.debug')).to.equal('on')
      expect(parsed.keys.get('system.sched_rr')).to.equal('yes')
      expect(parsed.keys.get('totem.cancel_token_hold_on_retransmit')).to.equal('yes')
    })
  })

  describe('totem', () => {
    it('maps every timer key to its TotemOptions field', () => {
      const names = ['token', 'token_coefficient', 'token_retransmit', 'token_retransmits_before_loss_const', 'token_warning',
        'hold', 'join', 'send_join', 'consensus', 'merge', 'downcheck', 'fail_recv_const', 'seqno_unchanged_const',
        'heartbeat_failures_allowed', 'max_network_delay', 'window_size', 'max_messages', 'miss_count_const', 'netmtu']
      const values = [5000, 700, 1100, 5, 80, 200, 100, 10, 7000, 300, 2000, 3000, 40, 1, 60, 60, 20, 6, 1400]
      const { options, warnings } = conf(...minimal([...names.map((n, i) => `${n}: ${values[i]}`), 'cancel_token_hold_on_retransmit: no']))
      expect(warnings).to.deep.equal([])
      expect(options.totem).to.deep.equal({
        token: 5000, tokenCoefficient: 700, tokenRetransmit: 1100, tokenRetransmitsBeforeLossConst: 5, tokenWarning: 80,
        hold: 200, join: 100, sendJoin: 10, consensus: 7000, merge: 300, downcheck: 2000, failRecvConst: 3000,
        seqnoUnchangedConst: 40, heartbeatFailuresAllowed: 1, maxNetworkDelay: 60, windowSize: 60, maxMessages: 20,
        missCountConst: 6, netmtu: 1400, cancelTokenHoldOnRetransmit: false,
      })
    })

    it('leaves derived timers out: token alone gives consensus = 1.2 × effective token via totemConfig', () => {
      const lines = minimal(['token: 5000'])
      lines.splice(lines.length - 1, 0, '  node {', '    ring0_addr: 10.0.0.3', '    nodeid: 3', '  }')
      const { options } = conf(...lines)
      expect(options.totem).to.deep.equal({ token: 5000 })
      const derived = totemConfig(options.totem, options.nodes.length)
      expect(derived.token).to.equal(5650)
      expect(derived.consensus).to.equal(Math.floor(1.2 * 5650))
      expect(derived.tokenRetransmit).to.equal(Math.floor(5650 / 4.2))
    })

    it('accepts integers as corosync strtoll does (sign, leading zeros) and rejects the rest', () => {
      expect(conf(...minimal(['token: +05000'])).options.totem).to.deep.equal({ token: 5000 })
      expectConfigError(() => conf(...minimal(['token: 5e3'])), 'totem.token', 4, 'expected an integer in 0..4294967295 (u32), got "5e3"')
      expectConfigError(() => conf(...minimal(['token: -1'])), 'totem.token', 4, 'u32')
      expectConfigError(() => conf(...minimal(['netmtu: 4294967296'])), 'totem.netmtu', 4, 'u32')
    })

    it('reads a trailing comment off an invalid typed value, with a warning; strings keep it', () => {
      const parsed = conf(...minimal(['token: 5000   # five seconds']))
      expect(parsed.options.totem).to.deep.equal({ token: 5000 })
      expect(parsed.keys.get('totem.token')).to.equal(5000)
      expect(parsed.warnings).to.have.length(1)
      expect(parsed.warnings[0]).to.include({ key: 'totem.token', line: 4 })
      expect(parsed.warnings[0]?.message).to.contain('corosync has no trailing comments')
      const named = conf('totem {', 'version: 2', 'cluster_name: prod # x', '}', ...NODELIST)
      expect(named.options.clusterName).to.equal('prod # x')
    })

    it('version must be present and 2; the totem section is required', () => {
      expectConfigError(() => conf('totem {', 'cluster_name: a', '}', ...NODELIST), 'totem.version', 1, "add 'version: 2'")
      expectConfigError(() => conf('totem {', 'version: 1', '}', ...NODELIST), 'totem.version', 2, 'must be 2', 'got 1')
      expectConfigError(() => conf(...NODELIST), 'totem', 1, 'missing totem section')
    })

    it("uses 'ts-ha' when cluster_name is absent, with a warning", () => {
      const parsed = conf('totem {', 'version: 2', '}', ...NODELIST)
      expect(parsed.options.clusterName).to.equal('ts-ha')
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([['totem.cluster_name', 1]])
    })

    it('transport: udpu by default, knet → udpu with a warning, anything else an error', () => {
      expect(conf(...minimal()).options.transport).to.equal('udpu')
      const knet = conf(...minimal(['transport: knet']))
      expect(knet.options.transport).to.equal('udpu')
      expect(knet.warnings.map((w) => w.message)).to.deep.equal(['knet is not supported, using udpu'])
      expectConfigError(() => conf(...minimal(['transport: iba'])), 'totem.transport', 4, 'one of udpu, udp, knet', '"iba"')
    })

    it('transport udp: mcastaddr, mcastport and ttl; without mcastaddr the address corosync derives', () => {
      const iface = ['transport: udp', 'interface {', '  mcastaddr: 239.255.1.1', '  mcastport: 5500', '  ttl: 4', '}']
      expect(conf(...minimal(iface)).options).to.include({ transport: 'udp', mcastAddr: '239.255.1.1', port: 5500, ttl: 4 })
      const derived = conf('totem {', 'version: 2', 'cluster_name: ts', 'transport: udp', '}', ...NODELIST)
      // generate_cluster_id("ts") = ('t' << 1) + 's' = 347 → 239.192.(347 >> 8).(347 % 255)
      expect(derived.options.mcastAddr).to.equal('239.192.1.92')
      expect(clusterMcastAddr('ts', 'ipv6')).to.equal('ff15::15b')
      expectConfigError(() => conf(...minimal(['transport: udp', 'interface {', '  mcastaddr: 10.1.1.1', '}'])),
        'totem.interface.0.mcastaddr', 6, 'not a multicast address')
      expectConfigError(() => conf(...minimal(['transport: udp', 'interface {', '  mcastaddr: mcast.local', '}'])),
        'totem.interface.0.mcastaddr', 6, 'expected an IPv4 or IPv6 address')
    })

    it('transport udpu: ttl other than 1 is an error, mcastaddr and bindnetaddr are ignored with warnings', () => {
      expectConfigError(() => conf(...minimal(['interface {', '  ttl: 2', '}'])), 'totem.interface.0.ttl', 5, 'transport udp')
      const parsed = conf(...minimal(['interface {', '  ringnumber: 0', '  bindnetaddr: 10.0.0.0', '  mcastaddr: 239.1.1.1', '}']))
      expect(parsed.options).not.to.have.property('mcastAddr')
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([
        ['totem.interface.0.bindnetaddr', 6], ['totem.interface.0.mcastaddr', 7]])
    })

    it('interfaces: other links, broadcast, member lists and knet settings are ignored with warnings', () => {
      const parsed = conf(...minimal(['interface {', '  linknumber: 1', '  mcastport: 6000', '}', 'interface {',
        '  broadcast: yes', '  knet_link_priority: 3', '  member {', '    memberaddr: 10.0.0.1', '  }', '}']))
      expect(parsed.options).not.to.have.property('port')
      expect(parsed.keys.get('totem.interface.1.mcastport')).to.equal(6000)
      expect(parsed.keys.get('totem.interface.0.member.0')).to.equal('10.0.0.1')
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([
        ['totem.interface.1', 4], ['totem.interface.0.broadcast', 9], ['totem.interface.0.knet_link_priority', 10],
        ['totem.interface.0.member.0', 12]])
      expectConfigError(() => conf(...minimal(['interface {', '  linknumber: 256', '}'])), 'totem.interface.linknumber', 5, 'u8')
      expectConfigError(() => conf(...minimal(['interface {', '  mcastport: 70000', '}'])), 'totem.interface.0.mcastport', 5, 'u16')
    })

    it('threads, ip_version, config_version and knet keys are accepted with warnings; typos are reported', () => {
      const parsed = conf(...minimal(['threads: 4', 'ip_version: ipv4', 'config_version: 18446744073709551615',
        'knet_mtu: 1400', 'tokne: 5000', 'clear_node_high_bit: no']))
      expect(parsed.keys.get('totem.config_version')).to.equal('18446744073709551615')
      expect(parsed.warnings.map((w) => w.key)).to.deep.equal([
        'totem.threads', 'totem.ip_version', 'totem.config_version', 'totem.knet_mtu', 'totem.tokne'])
      expect(parsed.warnings[4]?.message).to.contain("unknown totem key 'tokne'")
      expect(conf(...minimal(['config_version: 0'])).warnings).to.deep.equal([])
      expectConfigError(() => conf(...minimal(['ip_version: ipv5'])), 'totem.ip_version', 4, 'one of ipv4, ipv6, ipv4-6, ipv6-4')
      expectConfigError(() => conf(...minimal(['config_version: -1'])), 'totem.config_version', 4, 'u64')
      expectConfigError(() => conf(...minimal(['clear_node_high_bit: maybe'])), 'totem.clear_node_high_bit', 4, 'yes or no')
    })

    it('a key set twice: the later value wins, with a warning naming both lines', () => {
      const parsed = conf(...minimal(['token: 4000', 'token: 6000']))
      expect(parsed.options.totem).to.deep.equal({ token: 6000 })
      expect(parsed.warnings[0]).to.deep.include({ key: 'totem.token', line: 5 })
      expect(parsed.warnings[0]?.message).to.contain('first at line 4')
    })
  })

  describe('secauth and crypto', () => {
    const secauth = (...totem: string[]) => conf(...minimal(totem))
    it('off unless secauth is on or a cipher/hash is not none', () => {
      expect(secauth().options.secauth).to.equal(false)
      expect(secauth('secauth: off', 'crypto_cipher: none', 'crypto_hash: none').options.secauth).to.equal(false)
      const unused = secauth('keyfile: /k')
      expect(unused.options.secauth).to.equal(false)
      expect(unused.warnings.map((w) => w.key)).to.deep.equal(['totem.keyfile'])
    })

    it('on with the default or the configured key file', () => {
      expect(secauth('secauth: on').options.secauth).to.deep.equal({ keyFile: '/etc/corosync/authkey' })
      const both = secauth('crypto_cipher: aes256', 'crypto_hash: sha256', 'keyfile: /etc/k')
      expect(both.options.secauth).to.deep.equal({ keyFile: '/etc/k' })
      expect(both.warnings).to.deep.equal([])
      expect(secauth('crypto_hash: sha256').options.secauth).to.deep.equal({ keyFile: '/etc/corosync/authkey' })
    })

    it('warns when another algorithm is named, since ts-ha always uses AES-256-GCM', () => {
      const parsed = secauth('crypto_cipher: aes128', 'crypto_hash: sha1')
      expect(parsed.options.secauth).to.deep.equal({ keyFile: '/etc/corosync/authkey' })
      expect(parsed.warnings.map((w) => [w.key, w.line])).to.deep.equal([['totem.crypto_cipher', 4], ['totem.crypto_hash', 5]])
      for (const w of parsed.warnings) expect(w.message).to.contain('AES-256-GCM')
    })

    it('warns where corosync would read the setting differently', () => {
      const yes = secauth('secauth: yes')
      expect(yes.options.secauth).to.deep.equal({ keyFile: '/etc/corosync/authkey' })
      expect(yes.warnings[0]?.message).to.contain("corosync only recognises 'on'")
      const none = secauth('secauth: on', 'crypto_cipher: none', 'crypto_hash: none')
      expect(none.options.secauth).to.deep.equal({ keyFile: '/etc/corosync/authkey' })
      expect(none.warnings[0]?.message).to.contain('corosync would run unencrypted')
    })

    it('an inline key, with a warning', () => {
      const parsed = secauth('secauth: on', 'key: 0123456789abcdef')
      expect(parsed.options.secauth).to.deep.equal({ key: new TextEncoder().encode('0123456789abcdef') })
      expect(parsed.warnings.map((w) => w.key)).to.deep.equal(['totem.key'])
    })

    it('rejects unknown values', () => {
      expectConfigError(() => secauth('crypto_cipher: des'), 'totem.crypto_cipher', 4, 'one of none, aes256, aes192, aes128')
      expectConfigError(() => secauth('crypto_hash: crc32'), 'totem.crypto_hash', 4, 'sha512')
      expectConfigError(() => secauth('secauth: maybe'), 'totem.secauth', 4, 'yes or no')
    })
  })
})
