import { expect } from 'chai'
import { TIMER_ORDER, Timers, type TimerName } from '../../lib/totem/srp/timers.js'

/*
 * The core never sleeps: it records deadlines and the host ticks it. When
 * several timers are due together, the firing order must be fixed, or two
 * replays of the same run diverge.
 */

function drain(timers: Timers, now: number): TimerName[] {
  const fired: TimerName[] = []
  for (let name = timers.takeDue(now); name !== undefined; name = timers.takeDue(now)) fired.push(name)
  return fired
}

describe('totem/timers', () => {
  it('TIMER_ORDER names every timer exactly once', () => {
    expect(new Set(TIMER_ORDER).size).to.equal(TIMER_ORDER.length)
    expect(TIMER_ORDER.length).to.equal(10)
  })

  it('the firing order is fixed (it is part of every recorded trace: changing it changes replays)', () => {
    expect(TIMER_ORDER).to.deep.equal([
      'pause', 'tokenHold', 'tokenRetransmit', 'heartbeat', 'tokenWarning', 'mergeDetect', 'sendJoin', 'join',
      'consensus', 'tokenLoss',
    ])
  })

  it('equal deadlines fire in TIMER_ORDER whatever the order they were set in', () => {
    const forward = new Timers()
    const backward = new Timers()
    for (const name of TIMER_ORDER) forward.set(name, 100)
    for (const name of [...TIMER_ORDER].reverse()) backward.set(name, 100)
    expect(drain(forward, 100)).to.deep.equal([...TIMER_ORDER])
    expect(drain(backward, 100)).to.deep.equal([...TIMER_ORDER])
  })

  it('pause fires before tokenLoss at the same instant (a stalled host is noticed before it fails the ring)', () => {
    const timers = new Timers()
    timers.set('tokenLoss', 50)
    timers.set('consensus', 50)
    timers.set('pause', 50)
    expect(drain(timers, 50)).to.deep.equal(['pause', 'consensus', 'tokenLoss'])
  })

  it('an earlier deadline fires first even when later in TIMER_ORDER', () => {
    const timers = new Timers()
    timers.set('pause', 20)
    timers.set('tokenLoss', 10)
    timers.set('join', 15)
    expect(drain(timers, 30)).to.deep.equal(['tokenLoss', 'join', 'pause'])
  })

  it('takeDue returns nothing before the deadline and removes the timer it returns', () => {
    const timers = new Timers()
    timers.set('join', 50)
    expect(timers.takeDue(49)).to.equal(undefined)
    expect(timers.isSet('join')).to.equal(true)
    expect(timers.takeDue(50)).to.equal('join')
    expect(timers.isSet('join')).to.equal(false)
    expect(timers.takeDue(1000)).to.equal(undefined)
  })

  it('next() is Infinity when idle, else the earliest deadline', () => {
    const timers = new Timers()
    expect(timers.next()).to.equal(Infinity)
    timers.set('consensus', 4380)
    timers.set('join', 50)
    expect(timers.next()).to.equal(50)
    timers.takeDue(50)
    expect(timers.next()).to.equal(4380)
  })

  it('set re-arms: the last deadline wins, earlier or later', () => {
    const timers = new Timers()
    timers.set('tokenLoss', 100)
    timers.set('tokenLoss', 300)
    expect(timers.next()).to.equal(300)
    expect(timers.takeDue(100)).to.equal(undefined)
    timers.set('tokenLoss', 40)
    expect(timers.takeDue(40)).to.equal('tokenLoss')
  })

  it('cancel removes a timer so that it never fires; cancelling an unset timer is harmless', () => {
    const timers = new Timers()
    timers.set('tokenRetransmit', 10)
    timers.set('tokenLoss', 20)
    timers.cancel('tokenRetransmit')
    timers.cancel('heartbeat')
    expect(timers.isSet('tokenRetransmit')).to.equal(false)
    expect(timers.next()).to.equal(20)
    expect(drain(timers, 100)).to.deep.equal(['tokenLoss'])
  })

  it('clear cancels everything', () => {
    const timers = new Timers()
    for (const name of TIMER_ORDER) timers.set(name, 1)
    timers.clear()
    expect(timers.next()).to.equal(Infinity)
    expect(drain(timers, 10)).to.deep.equal([])
  })
})
