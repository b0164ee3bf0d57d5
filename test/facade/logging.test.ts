import { expect } from 'chai'
import type { Cluster } from '../../lib/cluster/cluster.js'
import { freshPort, node, stopAll, until, quorateRing } from './support.js'

interface LogRecord { level: string; obj: Record<string, unknown>; msg: string }

/** A pino-shaped logger that keeps what it is given. */
function memoryLogger(): { records: LogRecord[]; logger: Record<string, (obj: object, msg?: string) => void> } {
  const records: LogRecord[] = []
  const at = (level: string) => (obj: object, msg?: string): void => { records.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' }) }
  return { records, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), trace: at('trace'), fatal: at('fatal') } }
}

describe('facade: logging', function () {
  this.timeout(60_000)
  let all: Cluster[] = []
  afterEach(async () => { await stopAll(all.splice(0)) })

  it('a logger gets corosync-like info records, and the worker engine\'s records are forwarded to it', async () => {
    const port = freshPort(73)
    const logs = [memoryLogger(), memoryLogger(), memoryLogger()]
    all = [1, 2, 3].map((id) => node(id, port, { engine: id === 1 ? 'worker' : 'inline', logger: logs[id - 1]!.logger } as never))
    await Promise.all(all.map((c) => c.start()))
    await until(() => all.every((c) => c.quorum.quorate && c.members.length === 3), 'a quorate ring')
    const info = (i: number): string[] => logs[i]!.records.filter((r) => r.level === 'info').map((r) => r.msg)
    for (let i = 0; i < 3; i++) {
      expect(info(i).some((m) => /new membership .* formed.*members.*1.*2.*3/i.test(m)), `node ${i + 1}: ${info(i).join(' | ')}`).to.equal(true)
      expect(info(i).some((m) => /quorum gained|quorate/i.test(m)), `node ${i + 1} quorum`).to.equal(true)
      expect(info(i).some((m) => /synchroni[sz]ation completed|ready to provide service/i.test(m)), `node ${i + 1} sync`).to.equal(true)
    }
    const layers = new Set(logs[0]!.records.map((r) => r.obj['layer']))
    expect([...layers], 'records from the worker thread').to.include.members(['totem', 'sync'])
    expect(logs[0]!.records.every((r) => r.obj['nodeId'] === 1)).to.equal(true)
    await all[2]!.stop()
    await until(() => info(0).some((m) => /left.*3|members left: 3/i.test(m)), 'a membership record with node 3 gone')
  })

  it('a singleton that keeps failing backs off, and each failure is emitted and logged', async () => {
    const log = memoryLogger()
    all = await quorateRing(freshPort(73), (id) => (id === 1 ? { logger: log.logger } as never : {}))
    let runs = 0
    const singleton = all[0]!.singleton('flaky', () => { runs++; throw new Error('boom') }, { restartDelayMs: 50 })
    const errors: unknown[] = []
    singleton.on('error', (e) => { errors.push(e) })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await singleton.stop()
    // 50 ms doubling: 50+100+200+400+800 > 1500, so at most 6 runs; without backoff it is ~25.
    expect(runs, 'runs in 1.5 s').to.be.within(2, 6)
    expect(errors.length).to.equal(runs)
    const logged = log.records.filter((r) => r.level === 'error' && /flaky/.test(r.msg))
    expect(logged.length).to.equal(runs)
    expect(String((logged[0]!.obj['err'] as Error).message)).to.equal('boom')
  })
})
