import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { configFromConf, loadConfigFile, localNodeId, parseConfText, type InterfaceMap } from '../../lib/config/index.js'
import { ConfigError } from '../../lib/errors.js'
import { expectConfigError, fixture } from './helpers.js'

const seed = () => configFromConf(parseConfText(fixture('seed.conf')))
const ifaces = (...addresses: string[]): InterfaceMap => ({
  lo: [{ address: '127.0.0.1' }, { address: '::1' }],
  eth0: addresses.map((address) => ({ address })),
})
const NODELIST_LINE = 29

describe('config/local-node', () => {
  describe('localNodeId', () => {
    it('picks the node whose ring0_addr is a local address', () => {
      expect(localNodeId(seed(), ifaces('192.168.1.12'), 'somehost')).to.equal(2)
      expect(localNodeId(seed(), { eth1: undefined, eth0: [{ address: '192.168.1.13' }] }, 'x')).to.equal(3)
    })

    it('matches the host name (full or short, any case) against node names', () => {
      expect(localNodeId(seed(), ifaces('10.9.9.9'), 'node3')).to.equal(3)
      expect(localNodeId(seed(), ifaces(), 'NODE1.example.com')).to.equal(1)
      // Address and name pointing at the same node is one match.
      expect(localNodeId(seed(), ifaces('192.168.1.11'), 'node1')).to.equal(1)
    })

    it('compares IPv6 addresses in canonical form, ignoring zones', () => {
      const parsed = configFromConf(parseConfText(['totem {', 'version: 2', '}', 'nodelist {',
        'node {', 'ring0_addr: 2001:db8:0:0::a', 'nodeid: 1', '}', 'node {', 'ring0_addr: fe80::b%eth0', 'nodeid: 2', '}', '}'].join('\n')))
      expect(localNodeId(parsed, ifaces('2001:DB8::A'), 'h')).to.equal(1)
      expect(localNodeId(parsed, ifaces('fe80::b'), 'h')).to.equal(2)
    })

    it('no match: an error listing this host and the candidates', () => {
      const e = expectConfigError(() => localNodeId(seed(), ifaces('10.0.0.5'), 'web9'), 'nodelist', NODELIST_LINE,
        'no node is this host', '10.0.0.5', '"web9"', '1 (192.168.1.11, name node1)', '3 (192.168.1.13, name node3)')
      expect(e.message).to.contain('pass nodeId explicitly')
    })

    it('several matches: an error listing them', () => {
      expectConfigError(() => localNodeId(seed(), ifaces('192.168.1.11', '192.168.1.12'), 'h'), 'nodelist', NODELIST_LINE,
        'several nodes match this host', '1 (address 192.168.1.11)', '2 (address 192.168.1.12)')
      expectConfigError(() => localNodeId(seed(), ifaces('192.168.1.11'), 'node2'), 'nodelist', NODELIST_LINE,
        '1 (address 192.168.1.11)', '2 (name node2)')
    })

    it('defaults to this machine: a node on a loopback address is found', () => {
      const parsed = configFromConf(parseConfText(['totem {', 'version: 2', '}', 'nodelist {',
        'node {', 'ring0_addr: 127.0.0.1', '}', 'node {', 'ring0_addr: 192.0.2.250', '}', '}'].join('\n')))
      const hasLoopback = Object.values(os.networkInterfaces()).some((l) => l?.some((i) => i.address === '127.0.0.1'))
      if (!hasLoopback) return
      expect(localNodeId(parsed)).to.equal(0x7f000001)
    })
  })

  describe('loadConfigFile', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(os.tmpdir(), 'ts-ha-config-'))
    })
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const write = (text: string): string => {
      const path = join(dir, 'corosync.conf')
      writeFileSync(path, text)
      return path
    }

    it('reads the file, applies overrides and uses overrides.nodeId', () => {
      const path = write(fixture('seed.conf'))
      const { options, warnings, keys } = loadConfigFile(path, { nodeId: 2, clusterName: 'override', engine: 'inline' })
      expect(options).to.include({ nodeId: 2, clusterName: 'override', engine: 'inline', transport: 'udpu', port: 5405 })
      expect(options.nodes).to.have.length(3)
      expect(warnings.some((w) => w.key === 'aisexec')).to.equal(true)
      expect(keys.get('totem.version')).to.equal(2)
    })

    it('passes parse options through (strict mode rejects the annotated seed example)', () => {
      const path = write(fixture('seed.conf'))
      expectConfigError(() => loadConfigFile(path, { nodeId: 1 }, { strict: true }), 'totem', 1, "extra characters after '{'", path)
    })

    it('finds the local node when no nodeId is given', () => {
      const path = write(['totem {', 'version: 2', 'cluster_name: local', '}', 'nodelist {', 'node {', 'ring0_addr: 127.0.0.1',
        'nodeid: 5', 'name: a-name-no-host-has-1', '}', 'node {', 'ring0_addr: 192.0.2.251', 'nodeid: 6', 'name: a-name-no-host-has-2', '}', '}'].join('\n'))
      const hasLoopback = Object.values(os.networkInterfaces()).some((l) => l?.some((i) => i.address === '127.0.0.1'))
      if (!hasLoopback) return
      expect(loadConfigFile(path).options.nodeId).to.equal(5)
    })

    it('errors name the file', () => {
      const missing = join(dir, 'nope.conf')
      const e = expectConfigError(() => loadConfigFile(missing), missing, undefined, 'cannot read the configuration file', 'ENOENT')
      expect(e).to.be.instanceOf(ConfigError)
      const broken = write('totem {\n version: 2\n')
      expectConfigError(() => loadConfigFile(broken), 'totem', 1, 'missing closing brace', `(in ${broken})`)
      const bad = write(fixture('seed.conf').replace('nodeid: 2', 'nodeid: 1'))
      expectConfigError(() => loadConfigFile(bad, { nodeId: 1 }), 'nodelist.node.1.nodeid', 37, 'duplicate node id 1', `(in ${bad})`)
      const seedPath = write(fixture('seed.conf'))
      expectConfigError(() => loadConfigFile(seedPath, { nodeId: 9 }), 'nodeId', undefined, '9 is not in the nodelist', seedPath)
    })

    it('local node errors name the file', () => {
      const path = write(fixture('seed.conf').replaceAll('192.168.1.', '192.0.2.2').replaceAll('name: node', 'name: zz-node'))
      const hostAddrs = Object.values(os.networkInterfaces()).flatMap((l) => l?.map((i) => i.address) ?? [])
      if (hostAddrs.some((a) => a.startsWith('192.0.2.21'))) return
      expectConfigError(() => loadConfigFile(path), 'nodelist', NODELIST_LINE, 'no node is this host', `(in ${path})`)
    })
  })
})
