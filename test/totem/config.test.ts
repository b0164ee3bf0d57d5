import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { SORT_QUEUE_SIZE, frameSizeMaxFor, totemConfig, type TotemOptions } from '../../lib/totem/config.js'

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    expect.fail(`expected a ConfigError, got ${String(error)}`)
  }
  expect.fail('expected a ConfigError, nothing was thrown')
}

describe('totem/config', () => {
  describe('corosync worked values', () => {
    // Values corosync 3 logs ("Token Timeout (…) retransmit timeout (…)") for these node counts
    // with default options: token = 3000 + (N − 2) × 650, retransmit = token / 4.2,
    // hold = retransmit × 0.8 − 10, consensus = 1.2 × token, all truncated.
    const worked: Array<[number, number, number, number, number]> = [
      [1, 3000, 714, 561, 3600],
      [2, 3000, 714, 561, 3600],
      [3, 3650, 869, 685, 4380],
      [5, 4950, 1178, 932, 5940],
      [16, 12100, 2880, 2294, 14520],
    ]
    for (const [n, token, tokenRetransmit, hold, consensus] of worked) {
      it(`N=${n}: token ${token}, token_retransmit ${tokenRetransmit}, hold ${hold}, consensus ${consensus}`, () => {
        const c = totemConfig({}, n)
        expect({ token: c.token, tokenRetransmit: c.tokenRetransmit, hold: c.hold, consensus: c.consensus })
          .to.deep.equal({ token, tokenRetransmit, hold, consensus })
      })
    }

    it('uses corosync defaults for everything else', () => {
      const c = totemConfig()
      expect(c).to.include({
        token: 3000, tokenCoefficient: 650, tokenWarning: 75, tokenRetransmitsBeforeLossConst: 4, join: 50, sendJoin: 0,
        merge: 200, downcheck: 1000, failRecvConst: 2500, seqnoUnchangedConst: 30, heartbeatFailuresAllowed: 0,
        maxNetworkDelay: 50, heartbeatTimeout: 0, windowSize: 50, maxMessages: 17, missCountConst: 5, netmtu: 1500,
        cancelTokenHoldOnRetransmit: false, sortQueueSize: SORT_QUEUE_SIZE,
      })
      expect(frameSizeMaxFor(c)).to.equal(1472)
    })

    it('matches the C truncations exactly over a range of tokens', () => {
      // (int)(token / 4.2), (int)(r * 0.8 - 10) and (int)(float)(1.2 * token), recomputed with integer arithmetic.
      for (let token = 100; token <= 60_000; token += 7) {
        const c = totemConfig({ token }, 2)
        const r = Math.floor((token * 10) / 42)
        expect(c.tokenRetransmit, `retransmit for ${token}`).to.equal(Math.max(30, r))
        expect(c.hold, `hold for ${token}`).to.equal(Math.max(14, Math.floor((r * 8 - 100) / 10)))
        expect(c.consensus, `consensus for ${token}`).to.equal(Math.floor((token * 12) / 10))
      }
    })

    it('is frozen', () => {
      expect(Object.isFrozen(totemConfig())).to.equal(true)
    })
  })

  describe('overrides', () => {
    it('explicit derived timers win over the derivation', () => {
      const c = totemConfig({ tokenRetransmit: 500, hold: 300, consensus: 9000, join: 80 }, 5)
      expect(c).to.include({ token: 4950, tokenRetransmit: 500, hold: 300, consensus: 9000, join: 80 })
    })

    it('an explicit token still gets the per-node coefficient, as in corosync', () => {
      const c = totemConfig({ token: 5000 }, 3)
      expect(c.token).to.equal(5650)
      expect(c.tokenRetransmit).to.equal(Math.floor(5650 / 4.2))
      expect(c.consensus).to.equal(6780)
    })

    it('an explicit token_retransmit drives the derived hold', () => {
      expect(totemConfig({ tokenRetransmit: 1000 }, 2).hold).to.equal(790)
    })

    it('token_retransmits_before_loss_const changes the retransmit divisor', () => {
      // 3000 / (9 + 0.2) = 326.08 → 326; hold 326 × 0.8 − 10 = 250.8 → 250.
      expect(totemConfig({ tokenRetransmitsBeforeLossConst: 9 }, 2)).to.include({ tokenRetransmit: 326, hold: 250 })
    })

    it('a custom token_coefficient scales per node above two', () => {
      expect(totemConfig({ tokenCoefficient: 100 }, 12).token).to.equal(4000)
    })

    it('token_coefficient 0 disables scaling', () => {
      for (const n of [2, 3, 16, 64]) {
        expect(totemConfig({ tokenCoefficient: 0 }, n)).to.include({ token: 3000, tokenRetransmit: 714, hold: 561, consensus: 3600 })
      }
    })

    it('passes every other option through', () => {
      const options: TotemOptions = {
        tokenWarning: 0, sendJoin: 20, merge: 300, downcheck: 2000, failRecvConst: 10, seqnoUnchangedConst: 5,
        windowSize: 100, maxMessages: 20, missCountConst: 3, netmtu: 9000, cancelTokenHoldOnRetransmit: true,
        messageSizeMax: 4096, sendQueueBytesMax: 4096,
      }
      expect(totemConfig(options, 2)).to.include(options)
      expect(frameSizeMaxFor(totemConfig(options, 2))).to.equal(9000 - 28)
    })
  })

  describe('heartbeat', () => {
    it('is off by default', () => {
      expect(totemConfig({}, 2).heartbeatTimeout).to.equal(0)
    })

    it('hfa × token_retransmit + max_network_delay when below the token', () => {
      expect(totemConfig({ heartbeatFailuresAllowed: 2 }, 2).heartbeatTimeout).to.equal(2 * 714 + 50)
      expect(totemConfig({ heartbeatFailuresAllowed: 4 }, 2).heartbeatTimeout).to.equal(4 * 714 + 50)
      expect(totemConfig({ heartbeatFailuresAllowed: 2, maxNetworkDelay: 100 }, 5).heartbeatTimeout).to.equal(2 * 1178 + 100)
    })

    it('is disabled (0) when not below the token, as corosync disables it', () => {
      expect(totemConfig({ heartbeatFailuresAllowed: 5 }, 2).heartbeatTimeout, '5 × 714 + 50 > 3000').to.equal(0)
      // Exactly equal to the token: corosync's check is ">=", so this is disabled too.
      expect(totemConfig({ heartbeatFailuresAllowed: 2, tokenRetransmit: 1000, maxNetworkDelay: 1000 }, 2).heartbeatTimeout).to.equal(0)
      expect(totemConfig({ heartbeatFailuresAllowed: 2, tokenRetransmit: 1000, maxNetworkDelay: 999 }, 2).heartbeatTimeout).to.equal(2999)
    })
  })

  describe('validation', () => {
    const bad: Array<[string, TotemOptions]> = [
      ['totem.token', { token: -1 }],
      ['totem.token', { token: 1.5 }],
      ['totem.token', { token: Number.NaN }],
      ['totem.token', { token: Number.POSITIVE_INFINITY }],
      ['totem.token', { token: 2 ** 32 }],
      ['totem.token', { token: '3000' as unknown as number }],
      ['totem.token', { token: 29 }],
      ['totem.tokenCoefficient', { tokenCoefficient: -650 }],
      ['totem.tokenRetransmit', { tokenRetransmit: 10 }],
      ['totem.hold', { hold: 13 }],
      ['totem.join', { join: 0 }],
      ['totem.consensus', { consensus: 29 }],
      ['totem.merge', { merge: 1 }],
      ['totem.maxNetworkDelay', { maxNetworkDelay: 29 }],
      ['totem.windowSize', { windowSize: 0 }],
      ['totem.maxMessages', { maxMessages: 0 }],
      ['totem.netmtu', { netmtu: 575 }],
      ['totem.tokenRetransmitsBeforeLossConst', { tokenRetransmitsBeforeLossConst: 0 }],
      ['totem.tokenWarning', { tokenWarning: 101 }],
      ['totem.windowSize', { windowSize: SORT_QUEUE_SIZE / 4 }],
      ['totem.sendQueueBytesMax', { messageSizeMax: 2048, sendQueueBytesMax: 1024 }],
      ['totem.cancelTokenHoldOnRetransmit', { cancelTokenHoldOnRetransmit: 'yes' as unknown as boolean }],
    ]
    for (const [key, options] of bad) {
      it(`rejects ${JSON.stringify(options, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))} naming ${key}`, () => {
        const error = configError(() => totemConfig(options, 2))
        expect(error.code).to.equal('ERR_CONFIG')
        expect(error.key).to.equal(key)
        expect(error.message).to.contain(key)
      })
    }

    it('accepts the minimum values themselves', () => {
      const c = totemConfig({ token: 30, tokenRetransmit: 30, hold: 14, join: 30, consensus: 30, netmtu: 576 }, 2)
      expect(c).to.include({ token: 30, tokenRetransmit: 30, hold: 14, consensus: 30, netmtu: 576 })
    })

    it('rejects consensus below join', () => {
      const error = configError(() => totemConfig({ consensus: 40, join: 50 }, 2))
      expect(error.key).to.equal('totem.consensus')
      expect(error.code).to.equal('ERR_CONFIG')
      expect(totemConfig({ consensus: 50, join: 50 }, 2).consensus).to.equal(50)
    })

    it('rejects a join above the derived consensus', () => {
      // A small token derives a small consensus; corosync refuses rather than silently raising it.
      const error = configError(() => totemConfig({ token: 100, join: 200 }, 2))
      expect(error.key).to.equal('totem.consensus')
    })

    it('the error is a ClusterError usable by code, not message', () => {
      const error = configError(() => totemConfig({ token: -1 }, 2))
      expect(error).to.be.an.instanceOf(Error)
      expect(error.name).to.equal('ConfigError')
      expect(error.line).to.equal(undefined)
    })
  })
})
