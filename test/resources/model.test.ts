import { expect } from 'chai'
import type { CibConfig } from '../../lib/resources/model/config.js'
import { addScores, formatScore, INFINITY, toScore } from '../../lib/resources/model/scores.js'
import { validateCib, validateCibProblems } from '../../lib/resources/model/validate.js'
import { ConfigError } from '../../lib/errors.js'

describe('resources/model', () => {
  it('INFINITY arithmetic saturates at ±1,000,000 with -INFINITY winning', () => {
    expect(addScores(INFINITY, -INFINITY)).to.equal(-INFINITY)
    expect(addScores(-INFINITY, INFINITY)).to.equal(-INFINITY)
    expect(addScores(INFINITY, 5)).to.equal(INFINITY)
    expect(addScores(999_999, 5)).to.equal(INFINITY)
    expect(addScores(-999_999, -5)).to.equal(-INFINITY)
    expect(addScores(3, -5)).to.equal(-2)
    expect(toScore('+INFINITY')).to.equal(INFINITY)
    expect(toScore('-infinity')).to.equal(-INFINITY)
    expect(toScore('5000000')).to.equal(INFINITY)
    expect(toScore('12abc')).to.equal(12)
    expect(toScore('abc')).to.equal(0)
    expect(formatScore(-INFINITY)).to.equal('-INFINITY')
    expect(formatScore(42)).to.equal('42')
  })

  it('the validator names the JSON path of every bad value', () => {
    const config = {
      options: { noQuorumPolicy: 'sometimes' },
      defaults: { resource: { stickiness: 'lots' }, op: {} },
      nodes: { n1: {} },
      resources: [
        { kind: 'primitive', id: 'a', agent: 'ocf:pacemaker:Dummy', ops: [{ name: 'monitor', intervalMs: -5, onFail: 'explode' }] },
        { kind: 'group', id: 'g', members: [{ kind: 'primitive', id: 'a', agent: 'x' }] },
      ],
      constraints: [
        { kind: 'colocation', id: 'c', rsc: 'a', withRsc: 'nope', score: 'high' },
        { kind: 'colocation', id: 'cs', score: 10, sets: [{ id: 's1', resources: ['a', 'ghost'], colocationOrder: 'sideways' }] },
      ],
      fencing: {},
    } as unknown as CibConfig
    const paths = validateCibProblems(config).map((p) => p.path)
    expect(paths).to.include.members([
      'options.noQuorumPolicy', 'defaults.resource.stickiness', 'resources[0].ops[0].intervalMs',
      'resources[0].ops[0].onFail', 'resources[1].members[0].id', 'resources[1].members[0].agent',
      'constraints[0].withRsc', 'constraints[0].score',
      'constraints[1].sets[0].resources[1]', 'constraints[1].sets[0].colocationOrder',
    ])
    expect(() => validateCib(config)).to.throw(ConfigError, /options\.noQuorumPolicy/)
  })
})
