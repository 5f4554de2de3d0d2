import { describe, expect, it } from 'vitest'
import { ClusterView } from '../../src/membership/cluster-view.js'
import { ProbeSchedule } from '../../src/membership/probe-schedule.js'

interface R { id: string, e: number, s: number, tag?: string }
const keyer = (r: R): { id: string, version: { bootEpoch: number, seq: number } } => ({ id: r.id, version: { bootEpoch: r.e, seq: r.s } })
const view = (): ClusterView<R> => {
  const v = new ClusterView<R>('self', keyer, { suspectTimeoutMs: 1000, deadRetentionMs: 5000 })
  v.setSelf({ id: 'self', e: 1, s: 1 }, 0)
  return v
}

describe('ClusterView merge: last writer wins on (bootEpoch, seq)', () => {
  it('keeps the newer record and calls older or equal ones stale', () => {
    const v = view()
    expect(v.merge({ id: 'a', e: 1, s: 5 }, 0)).toBe('new')
    expect(v.merge({ id: 'a', e: 1, s: 5, tag: 'replay' }, 1)).toBe('stale')
    expect(v.merge({ id: 'a', e: 1, s: 4 }, 2)).toBe('stale')
    expect(v.merge({ id: 'a', e: 1, s: 6 }, 3)).toBe('updated')
    expect(v.get('a')?.version).toEqual({ bootEpoch: 1, seq: 6 })
  })

  it('a restart (higher boot epoch) beats any seq of the previous life', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 900 }, 0)
    expect(v.merge({ id: 'a', e: 2, s: 1 }, 1)).toBe('updated')
    expect(v.merge({ id: 'a', e: 1, s: 901 }, 2)).toBe('stale')
  })

  it('never takes a peer\'s word for this node\'s own record', () => {
    const v = view()
    expect(v.merge({ id: 'self', e: 9, s: 9 }, 0)).toBe('stale')
    expect(v.get('self')?.version).toEqual({ bootEpoch: 1, seq: 1 })
  })

  it('isNewer agrees with merge', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 5 }, 0)
    expect(v.isNewer('a', { bootEpoch: 1, seq: 5 })).toBe(false)
    expect(v.isNewer('a', { bootEpoch: 1, seq: 6 })).toBe(true)
    expect(v.isNewer('b', { bootEpoch: 1, seq: 1 })).toBe(true)
    expect(v.isNewer('self', { bootEpoch: 5, seq: 1 })).toBe(false)
  })
})

describe('ClusterView liveness: alive → suspect → dead → forgotten', () => {
  it('a suspect that does not refute dies after the suspect timeout, then is forgotten after retention', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 1 }, 0)
    expect(v.suspect('a', { bootEpoch: 1, seq: 1 }, 100)).toEqual({ id: 'a', from: 'alive', to: 'suspect' })
    expect(v.tick(1099)).toEqual([])
    expect(v.tick(1100)).toEqual([{ id: 'a', from: 'suspect', to: 'dead' }])
    expect(v.get('a')?.liveness).toBe('dead')
    expect(v.tick(6099)).toEqual([])
    expect(v.tick(6100)).toEqual([{ id: 'a', from: 'dead', to: 'forgotten' }])
    expect(v.get('a')).toBeUndefined()
  })

  it('a newer record refutes a suspicion; a suspicion about an older version is ignored', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 1 }, 0)
    v.suspect('a', { bootEpoch: 1, seq: 1 }, 0)
    expect(v.merge({ id: 'a', e: 1, s: 2 }, 10)).toBe('updated')
    expect(v.get('a')?.liveness).toBe('alive')
    expect(v.suspect('a', { bootEpoch: 1, seq: 1 }, 20)).toBeUndefined()
    expect(v.tick(5000)).toEqual([])
  })

  it('a dead member comes back with a newer record, or on direct contact', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 1 }, 0)
    v.suspect('a', { bootEpoch: 1, seq: 1 }, 0)
    v.tick(1000)
    expect(v.confirmAlive('a', 1500)).toEqual({ id: 'a', from: 'dead', to: 'alive' })
    v.suspect('a', { bootEpoch: 1, seq: 1 }, 2000)
    v.tick(3000)
    expect(v.merge({ id: 'a', e: 1, s: 2 }, 3100)).toBe('updated')
    expect(v.get('a')?.liveness).toBe('alive')
  })

  it('a forgotten member cannot be resurrected by an old copy of its record (tombstone)', () => {
    const v = view()
    v.merge({ id: 'a', e: 1, s: 3 }, 0)
    v.suspect('a', { bootEpoch: 1, seq: 3 }, 0)
    v.tick(1000)
    v.tick(6000)
    expect(v.get('a')).toBeUndefined()
    expect(v.merge({ id: 'a', e: 1, s: 3 }, 6001)).toBe('stale')
    expect(v.merge({ id: 'a', e: 1, s: 4 }, 6002)).toBe('new')
  })

  it('an anti-entropy peer\'s "dead" is adopted only with a newer record', () => {
    const v = view()
    expect(v.merge({ id: 'a', e: 1, s: 1 }, 0, 'dead')).toBe('new')
    expect(v.get('a')?.liveness).toBe('dead')
    v.merge({ id: 'b', e: 1, s: 1 }, 0)
    expect(v.merge({ id: 'b', e: 1, s: 1 }, 0, 'dead')).toBe('stale')
    expect(v.get('b')?.liveness).toBe('alive')
  })

  it('never suspects itself', () => {
    const v = view()
    expect(v.suspect('self', { bootEpoch: 1, seq: 1 }, 0)).toBeUndefined()
    expect(v.peers().map(m => m.id)).toEqual([])
  })
})

describe('ProbeSchedule', () => {
  it('probes every member once per round before repeating one', () => {
    const s = new ProbeSchedule(() => 0.42)
    const members = ['a', 'b', 'c', 'd']
    const round = [0, 1, 2, 3].map(() => s.pick(members))
    expect([...round].sort()).toEqual(members)
    expect(members).toContain(s.pick(members))
  })

  it('skips members that left and returns nothing for an empty cluster', () => {
    const s = new ProbeSchedule()
    s.pick(['a', 'b'])
    expect(['b', 'a']).toContain(s.pick(['b', 'a']))
    expect(s.pick([])).toBeUndefined()
    expect(s.pick(['z'])).toBe('z')
  })

  it('picks distinct helpers other than the target', () => {
    const s = new ProbeSchedule()
    const h = s.helpers(['a', 'b', 'c', 'd'], 'b', 2)
    expect(h).toHaveLength(2)
    expect(new Set(h).size).toBe(2)
    expect(h).not.toContain('b')
    expect(s.helpers(['b'], 'b', 3)).toEqual([])
  })
})
