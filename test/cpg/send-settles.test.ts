import { expect } from 'chai'
import { CpgService } from '../../lib/services/cpg/service.js'
import type { ClientAnswer, ServiceContext } from '../../lib/services/service.js'

/*
 * Every CPG send settles: an own message that is not going to be delivered
 * here is refused with ERR_NOT_DELIVERED, never left pending. A member's
 * messages reach it in the order it sent them, so a later one delivered
 * first means the earlier ones were lost; one every member drops (its sender
 * already out of the group) is refused at once.
 */

function harness() {
  const sent: Uint8Array[] = []
  const answers = new Map<number, ClientAnswer>()
  const ctx: ServiceContext = {
    self: 1, now: 0, ringId: { rep: 1, seq: 4 }, members: [1], quorate: true,
    mcast: (body) => { sent.push(body); return 'ok' },
    syncMcast: () => 'ok', setTimer: () => {}, cancelTimer: () => {}, emit: () => {}, log: () => {},
  }
  const cpg = new CpgService({ bootId: 'b' })
  let id = 0
  const request = (op: string, args: unknown): number => {
    const rid = ++id
    cpg.request(ctx, { client: 'app', op, args, id: rid }, (a) => { answers.set(a.id, a) })
    return rid
  }
  return { cpg, ctx, sent, answers, request }
}

describe('cpg: every send settles', () => {
  it('own messages delivered after a gap refuse the ones lost before them, with ERR_NOT_DELIVERED', () => {
    const h = harness()
    const join = h.request('join', { group: 'g' })
    h.cpg.deliver(h.ctx, 1, h.sent.shift()!)
    const memberId = (h.answers.get(join)!.value as { memberId: string }).memberId
    const sends = [0, 1, 2, 3].map((i) => h.request('mcast', { memberId, payload: Buffer.from([i]) }))
    const bodies = h.sent.splice(0)
    expect(bodies).to.have.length(4)
    // Messages 0 and 1 never come back (lost to this node), 2 does; 3 is still on its way.
    h.cpg.deliver(h.ctx, 1, bodies[2]!)
    expect(h.answers.get(sends[0]!)).to.include({ ok: false, code: 'ERR_NOT_DELIVERED' })
    expect(h.answers.get(sends[1]!)).to.include({ ok: false, code: 'ERR_NOT_DELIVERED' })
    expect(h.answers.get(sends[2]!)).to.deep.include({ ok: true, value: { seq: 2 } })
    expect(h.answers.has(sends[3]!)).to.equal(false)
    h.cpg.deliver(h.ctx, 1, bodies[3]!)
    expect(h.answers.get(sends[3]!)).to.deep.include({ ok: true, value: { seq: 3 } })
  })

  it('an own message every member drops (its sender left the group first) is refused at once', () => {
    const h = harness()
    const join = h.request('join', { group: 'g' })
    h.cpg.deliver(h.ctx, 1, h.sent.shift()!)
    const memberId = (h.answers.get(join)!.value as { memberId: string }).memberId
    const send = h.request('mcast', { memberId, payload: Buffer.from('x') })
    const body = h.sent.shift()!
    // The member leaves before its message is ordered: a procdown when its client goes away.
    h.cpg.table.remove('g', { nodeId: 1, memberId })
    h.cpg.deliver(h.ctx, 1, body)
    expect(h.answers.get(send)).to.include({ ok: false, code: 'ERR_NOT_DELIVERED' })
  })
})
