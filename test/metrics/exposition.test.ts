import { expect } from 'chai'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { formatValue, writeExposition } from '../../lib/metrics/exposition.js'

describe('metrics/exposition: Prometheus text format', () => {
  it('writes HELP, TYPE and samples that a Prometheus parser reads back, escapes included', () => {
    const text = writeExposition([
      { name: 'tsha_things_total', help: 'Things, with a \\ and a\nnewline', type: 'counter', samples: [{ value: 3 }] },
      { name: 'tsha_sizes', help: 'Sizes', type: 'gauge', samples: [
        { labels: { name: 'a "quoted" \\ name\nwith a newline' }, value: 1.5 },
        { labels: { name: 'big' }, value: 2n ** 63n },
        { labels: { name: 'inf' }, value: Infinity },
      ] },
    ])
    expect(text).to.equal([
      '# HELP tsha_things_total Things, with a \\\\ and a\\nnewline', '# TYPE tsha_things_total counter', 'tsha_things_total 3',
      '# HELP tsha_sizes Sizes', '# TYPE tsha_sizes gauge',
      'tsha_sizes{name="a \\"quoted\\" \\\\ name\\nwith a newline"} 1.5', 'tsha_sizes{name="big"} 9223372036854775808', 'tsha_sizes{name="inf"} +Inf', '',
    ].join('\n'))
    const parsed = parsePrometheusTextFormat(text)
    expect(parsed.map((f) => [f.name, f.type])).to.deep.equal([['tsha_things_total', 'COUNTER'], ['tsha_sizes', 'GAUGE']])
    expect(parsed[1]!.metrics[0]!.labels).to.deep.equal({ name: 'a "quoted" \\ name\nwith a newline' })
  })

  it('refuses what a scraper would choke on: bad names, a counter without _total, duplicates', () => {
    expect(() => writeExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).to.throw('bad metric name')
    expect(() => writeExposition([{ name: 'tsha_x', help: '', type: 'counter', samples: [] }])).to.throw('must end in _total')
    expect(() => writeExposition([{ name: 'tsha_x', help: '', type: 'gauge', samples: [{ labels: { '0a': 'x' }, value: 1 }] }])).to.throw('bad label name')
    expect(() => writeExposition([{ name: 'tsha_x', help: '', type: 'gauge', samples: [{ value: 1 }, { value: 2 }] }])).to.throw('two samples')
    const twice = { name: 'tsha_x', help: '', type: 'gauge', samples: [] } as const
    expect(() => writeExposition([twice, twice])).to.throw('written twice')
  })

  it('formats values as Go does: NaN, ±Inf, integers without exponent', () => {
    expect([NaN, -Infinity, 0, 42, 0.25, 12345678901234n].map(formatValue)).to.deep.equal(['NaN', '-Inf', '0', '42', '0.25', '12345678901234'])
  })
})
