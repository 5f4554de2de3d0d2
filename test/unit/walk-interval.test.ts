import { describe, expect, it } from 'vitest'
import { nextWalkInterval, type RoundOutcome } from '../../src/mesh/walk-interval.js'

const c = { targetPeers: 32, fastIntervalMs: 3000, slowIntervalMs: 30_000, warmupMs: 60_000 }
const quiet: RoundOutcome = { connected: 9, newConnection: false, sawUnconnected: false, sinceStartMs: 10_000, lastIntervalMs: 3000 }

describe('nextWalkInterval', () => {
  it('backs off during the warm-up while rounds change nothing: 3, 6, 12, 24, then 30 s (the slow interval)', () => {
    const waits: number[] = []
    let o: RoundOutcome = { ...quiet, lastIntervalMs: 0, newConnection: true }
    for (let i = 0; i < 6; i++) {
      const wait = nextWalkInterval(o, c)
      waits.push(wait)
      o = { ...quiet, sinceStartMs: 1000, lastIntervalMs: wait }
    }
    expect(waits).toEqual([3000, 6000, 12_000, 24_000, 30_000, 30_000])
  })

  it('goes back to the fast interval during the warm-up after a new connection or a peer it was not connected to', () => {
    expect(nextWalkInterval({ ...quiet, lastIntervalMs: 24_000, newConnection: true }, c)).toBe(3000)
    expect(nextWalkInterval({ ...quiet, lastIntervalMs: 24_000, sawUnconnected: true }, c)).toBe(3000)
  })

  it('after the warm-up walks slowly unless it saw unconnected peers; a new connection alone no longer counts', () => {
    const late = { ...quiet, sinceStartMs: 60_000 }
    expect(nextWalkInterval(late, c)).toBe(30_000)
    expect(nextWalkInterval({ ...late, newConnection: true }, c)).toBe(30_000)
    expect(nextWalkInterval({ ...late, sawUnconnected: true }, c)).toBe(3000)
  })

  it('walks fast while alone, and slowly at its target whatever it saw', () => {
    expect(nextWalkInterval({ ...quiet, connected: 0, sinceStartMs: 600_000, lastIntervalMs: 30_000 }, c)).toBe(3000)
    expect(nextWalkInterval({ ...quiet, connected: 32, sawUnconnected: true, newConnection: true }, c)).toBe(30_000)
  })
})
