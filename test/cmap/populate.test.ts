import { expect } from 'chai'
import type { ClusterOptions } from '../../lib/cluster/options.js'
import type { CmapChange } from '../../lib/services/cmap-types.js'
import { configKeys, memberKeys, snakeCase, statsKeys } from '../../lib/services/cmap/populate.js'
import { CmapStore } from '../../lib/services/cmap/store.js'
import { totemConfig } from '../../lib/totem/config.js'
import { emptySrpStats } from '../../lib/totem/srp/stats.js'
import { emptyTransportStats } from '../../lib/transport/transport.js'

const threeNodes: ClusterOptions = {
  clusterName: 'alpha',
  nodeId: 2,
  nodes: [
    { nodeId: 1, addr: '10.0.0.1' },
    { nodeId: 2, addr: '10.0.0.2', name: 'bravo', votes: 2 },
    { nodeId: 3, addr: '10.0.0.3' },
  ],
  totem: { join: 60, cancelTokenHoldOnRetransmit: true },
  quorum: { waitForAll: true, lastManStandingWindow: 20000, autoTieBreakerNode: [3, 1] },
  secauth: { keyFile: '/etc/corosync/authkey' },
}

function populated(options = threeNodes, extra?: ReadonlyMap<string, string | number>): CmapStore {
  const store = new CmapStore()
  configKeys(store, options, totemConfig(options.totem, options.nodes.length), extra)
  return store
}

describe('cmap/populate', () => {
  it('snakeCase gives corosync spellings', () => {
    expect(snakeCase('tokenRetransmitsBeforeLossConst')).to.equal('token_retransmits_before_loss_const')
    expect(snakeCase('netmtu')).to.equal('netmtu')
    expect(snakeCase('orfTokenTx')).to.equal('orf_token_tx')
  })

  describe('configKeys', () => {
    it('runtime.config.totem.token is the effective token: 3650 (uint32) for three nodes', () => {
      expect(populated().get('runtime.config.totem.token')).to.deep.equal({ type: 'uint32', value: 3650 })
    })

    it('writes runtime.config.totem.<name> for every effective totem value', () => {
      const store = populated()
      const config = totemConfig(threeNodes.totem, 3)
      for (const name of Object.keys(config)) {
        expect(store.get(`runtime.config.totem.${snakeCase(name)}`)?.type, name).to.equal('uint32')
      }
      const names = ['token', 'token_coefficient', 'token_retransmit', 'hold', 'join', 'send_join', 'consensus', 'merge',
        'downcheck', 'fail_recv_const', 'seqno_unchanged_const', 'heartbeat_failures_allowed', 'max_network_delay',
        'window_size', 'max_messages', 'miss_count_const', 'token_retransmits_before_loss_const', 'token_warning', 'netmtu']
      for (const name of names) expect(store.has(`runtime.config.totem.${name}`), name).to.equal(true)
      expect(store.getValue('runtime.config.totem.token_retransmit')).to.equal(869)
      expect(store.getValue('runtime.config.totem.consensus')).to.equal(4380)
      expect(store.getValue('runtime.config.totem.join')).to.equal(60)
      expect(store.getValue('runtime.config.totem.cancel_token_hold_on_retransmit')).to.equal(1)
    })

    it('writes the totem identity keys and only the configured totem options', () => {
      const store = populated()
      expect(store.get('totem.cluster_name')).to.deep.equal({ type: 'string', value: 'alpha' })
      expect(store.get('totem.transport')).to.deep.equal({ type: 'string', value: 'udpu' })
      expect(store.get('totem.version')).to.deep.equal({ type: 'uint32', value: 2 })
      expect(store.get('totem.nodeid')).to.deep.equal({ type: 'uint32', value: 2 })
      expect(store.get('totem.secauth')).to.deep.equal({ type: 'string', value: 'on' })
      expect(store.getValue('totem.keyfile')).to.equal('/etc/corosync/authkey')
      expect(store.get('totem.interface.0.mcastport')).to.deep.equal({ type: 'uint16', value: 5405 })
      expect(store.get('totem.join')).to.deep.equal({ type: 'uint32', value: 60 })
      expect(store.getValue('totem.cancel_token_hold_on_retransmit')).to.equal('yes')
      expect(store.has('totem.token')).to.equal(false)
    })

    it('never stores an inline secauth key', () => {
      const store = populated({ ...threeNodes, secauth: { key: new Uint8Array(32) } })
      expect(store.getValue('totem.secauth')).to.equal('on')
      expect(store.keys('totem.key')).to.deep.equal([])
      expect(populated({ ...threeNodes, secauth: false }).getValue('totem.secauth')).to.equal('off')
    })

    it('writes the nodelist and the local node position', () => {
      const store = populated()
      expect(store.get('nodelist.node.1.ring0_addr')).to.deep.equal({ type: 'string', value: '10.0.0.2' })
      expect(store.get('nodelist.node.1.nodeid')).to.deep.equal({ type: 'uint32', value: 2 })
      expect(store.getValue('nodelist.node.1.name')).to.equal('bravo')
      expect(store.get('nodelist.node.1.quorum_votes')).to.deep.equal({ type: 'uint32', value: 2 })
      expect(store.getValue('nodelist.node.0.name')).to.equal('node1')
      expect(store.getValue('nodelist.node.2.quorum_votes')).to.equal(1)
      expect(store.get('nodelist.local_node_pos')).to.deep.equal({ type: 'uint32', value: 1 })
    })

    it('drops nodelist positions that disappear on reload', () => {
      const store = populated()
      const two: ClusterOptions = { ...threeNodes, nodes: threeNodes.nodes.slice(0, 2) }
      configKeys(store, two, totemConfig(two.totem, 2))
      expect(store.keys('nodelist.node.2.')).to.deep.equal([])
      expect(store.has('nodelist.node.1.ring0_addr')).to.equal(true)
      expect(store.getValue('runtime.config.totem.token')).to.equal(3000)
    })

    it('writes configured quorum keys with corosync types', () => {
      const store = populated()
      expect(store.get('quorum.provider')).to.deep.equal({ type: 'string', value: 'corosync_votequorum' })
      expect(store.get('quorum.wait_for_all')).to.deep.equal({ type: 'uint8', value: 1 })
      expect(store.get('quorum.last_man_standing_window')).to.deep.equal({ type: 'uint32', value: 20000 })
      expect(store.getValue('quorum.auto_tie_breaker_node')).to.equal('3 1')
      expect(store.has('quorum.two_node')).to.equal(false)
      expect(populated({ ...threeNodes, quorum: { provider: 'none' } }).has('quorum.provider')).to.equal(false)
    })

    it('adds extra keys as-is without overriding typed ones', () => {
      const extra = new Map<string, string | number>([
        ['logging.to_syslog', 'yes'], ['logging.logger_subsys.QUORUM.debug', 'on'], ['system.sched_rr', 'no'],
        ['totem.cluster_name', 'other'], ['nodelist.node.0.ring0_addr', '192.168.0.1'], ['resources.count', 3],
      ])
      const store = populated(threeNodes, extra)
      expect(store.get('logging.to_syslog')).to.deep.equal({ type: 'string', value: 'yes' })
      expect(store.getValue('logging.logger_subsys.QUORUM.debug')).to.equal('on')
      expect(store.getValue('system.sched_rr')).to.equal('no')
      expect(store.get('resources.count')).to.deep.equal({ type: 'uint32', value: 3 })
      expect(store.getValue('totem.cluster_name')).to.equal('alpha')
      expect(store.getValue('nodelist.node.0.ring0_addr')).to.equal('10.0.0.1')
    })

    it('repopulating with the same configuration notifies nobody', () => {
      const extra = new Map<string, string | number>([['nodelist.node.3.ring0_addr', '10.0.0.4'], ['logging.debug', 'on']])
      const store = populated(threeNodes, extra)
      const changes: CmapChange[] = []
      store.track('', { prefix: true }, (c) => changes.push(c))
      configKeys(store, threeNodes, totemConfig(threeNodes.totem, 3), extra)
      expect(changes).to.deep.equal([])
      expect(store.getValue('nodelist.node.3.ring0_addr')).to.equal('10.0.0.4')
    })
  })

  describe('memberKeys', () => {
    it('writes runtime.members.<nodeid>.* in corosync format', () => {
      const store = new CmapStore()
      memberKeys(store, [
        { nodeId: 1, addr: '127.0.0.1', joinCount: 1, status: 'joined' },
        { nodeId: 7, addr: '::1', joinCount: 3, status: 'left' },
      ])
      expect(store.get('runtime.members.1.ip')).to.deep.equal({ type: 'string', value: 'r(0) ip(127.0.0.1)' })
      expect(store.get('runtime.members.1.join_count')).to.deep.equal({ type: 'uint32', value: 1 })
      expect(store.get('runtime.members.1.status')).to.deep.equal({ type: 'string', value: 'joined' })
      expect(store.getValue('runtime.members.7.ip')).to.equal('r(0) ip(::1)')
      expect(store.getValue('runtime.members.7.status')).to.equal('left')
    })
  })

  describe('statsKeys', () => {
    it('writes every srp and transport counter as uint64', () => {
      const store = new CmapStore()
      const srp = { ...emptySrpStats(), mcastRetx: 12, orfTokenRx: 2 ** 53 - 1 }
      const net = { ...emptyTransportStats(), rxBytes: 4096 }
      statsKeys(store, srp, net, { rxDropped: { decode: 2, 'wrong cluster': 1 }, eventLoopLagMs: 1.5, mainThreadStallMs: 40 })
      expect(store.get('runtime.totem.stats.srp.mcast_retx')).to.deep.equal({ type: 'uint64', value: 12 })
      expect(store.getValue('runtime.totem.stats.srp.orf_token_rx')).to.equal(2 ** 53 - 1)
      for (const name of Object.keys(srp)) {
        expect(store.get(`runtime.totem.stats.srp.${snakeCase(name)}`)?.type, name).to.equal('uint64')
      }
      for (const name of ['gather_entered', 'commit_entered', 'recovery_entered', 'operational_entered',
        'consensus_timeouts', 'continuous_gather', 'rx_msg_dropped', 'memb_join_tx', 'orf_token_tx']) {
        expect(store.has(`runtime.totem.stats.srp.${name}`), name).to.equal(true)
      }
      for (const name of ['tx_frames', 'tx_bytes', 'rx_frames', 'rx_bytes', 'rx_unlisted', 'oversize', 'tx_errors']) {
        expect(store.get(`runtime.totem.stats.net.${name}`)?.type, name).to.equal('uint64')
      }
      expect(store.getValue('runtime.totem.stats.net.rx_bytes')).to.equal(4096)
      expect(store.getValue('runtime.totem.stats.net.rx_dropped.decode')).to.equal(2)
      expect(store.getValue('runtime.totem.stats.net.rx_dropped.wrong_cluster')).to.equal(1)
      expect(store.get('runtime.totem.stats.event_loop_lag_ms')).to.deep.equal({ type: 'double', value: 1.5 })
      expect(store.getValue('runtime.totem.stats.main_thread_stall_ms')).to.equal(40)
    })

    it('an unchanged refresh notifies nobody; a changed counter notifies only its trackers', () => {
      const store = new CmapStore()
      const srp = emptySrpStats()
      const net = emptyTransportStats()
      statsKeys(store, srp, net, { rxDropped: {} })
      const all: string[] = []
      const one: string[] = []
      store.track('runtime.totem.stats.', { prefix: true }, (c) => all.push(c.key))
      store.track('runtime.totem.stats.srp.mcast_tx', {}, (c) => one.push(c.key))
      statsKeys(store, srp, net, { rxDropped: {} })
      expect(all).to.deep.equal([])
      srp.orfTokenRx++
      statsKeys(store, srp, net, { rxDropped: {} })
      expect(all).to.deep.equal(['runtime.totem.stats.srp.orf_token_rx'])
      expect(one).to.deep.equal([])
    })

    it('stats keys are read-only for clients', () => {
      const store = new CmapStore()
      statsKeys(store, emptySrpStats(), emptyTransportStats(), { rxDropped: {} })
      expect(store.isReadOnly('runtime.totem.stats.srp.mcast_tx')).to.equal(true)
    })
  })
})
