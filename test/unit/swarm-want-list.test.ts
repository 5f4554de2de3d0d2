import { describe, it, expect, vi } from 'vitest'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import { createHash } from 'node:crypto'
import { PiecePicker, PieceState, SEED_HELP_MAX, SEED_HELP_STALE_MS } from '../../src/images/swarm/piece-picker.js'
import { seedShare } from '../../src/images/swarm/seed-share.js'
import { imageProviderKey } from '../../src/images/swarm/provider-key.js'
import { parseImageRef } from '../../src/images/swarm/image-ref.js'
import { fromWireManifest, toWireManifest } from '../../src/images/swarm/manifest-wire.js'
import { progressLine } from '../../node/commands/image-pull.js'
import type { Manifest } from '../../src/images/types.js'

const id = (n: number): string => n.toString(16).padStart(64, '0')

function manifest (ids: Array<number | 'zero'>): Manifest {
  return {
    name: 'img', version: '1', size: ids.length * 10, author: 'a', createdAt: 1, signature: new Uint8Array([1]),
    chunks: ids.map(x => x === 'zero' ? { id: id(0), size: 10, zero: true } : { id: id(x), size: 10 })
  }
}

function bits (count: number, set: number[]): Bitfield {
  const b = new Bitfield(count)
  for (const i of set) b.set(i)
  return b
}

describe('bitfield', () => {
  it('round-trips and counts', () => {
    const b = bits(11, [0, 3, 10])
    expect(b.cardinality()).toBe(3)
    const d = Bitfield.decode(b.bytes, 11)
    expect([...Array(11).keys()].filter(i => d.get(i))).toEqual([0, 3, 10])
    expect(Bitfield.full(9).isFull()).toBe(true)
  })

  it('counts the entries of a decoded bitfield as one test per entry would, whatever its length', () => {
    for (const count of [1, 7, 8, 9, 63, 64, 65, 1000, 22_529]) {
      const bytes = new Uint8Array(Math.ceil(count / 8))
      for (let i = 0; i < count; i++) if ((i * 2654435761) % 7 < 3) bytes[i >> 3] = bytes[i >> 3]! | (1 << (i & 7))
      const d = Bitfield.decode(bytes, count)
      const expected = [...Array(count).keys()].filter(i => (bytes[i >> 3]! & (1 << (i & 7))) !== 0).length
      expect(d.cardinality()).toBe(expected)
      expect(Bitfield.decode(Bitfield.full(count).bytes, count).isFull()).toBe(true)
    }
    // bytes handed to the constructor with bits past the last entry: those are not counted
    expect(new Bitfield(11, Uint8Array.from([0xff, 0xff])).cardinality()).toBe(11)
  })

  it('rejects a wrong length or bits past the end', () => {
    expect(() => Bitfield.decode(new Uint8Array(3), 11)).toThrow(expect.objectContaining({ code: 'ERR_BAD_BITFIELD' }))
    expect(() => Bitfield.decode(Uint8Array.from([0, 0b1000]), 11)).toThrow(expect.objectContaining({ code: 'ERR_BAD_BITFIELD' }))
  })
})

describe('piece picker (want list)', () => {
  it('lists each distinct non-zero chunk once, with every place it occurs', () => {
    const p = new PiecePicker(manifest([1, 2, 'zero', 1, 3]), 3)
    expect(p.pieces.map(x => [x.id, x.entries])).toEqual([[id(1), [0, 3]], [id(2), [1]], [id(3), [4]]])
    expect(p.remainingCount).toBe(3)
  })

  it('asks for the rarest chunk first', () => {
    // (nobody holds chunk 4, so no peer is a seed: seeds follow their own rule, below)
    const p = new PiecePicker(manifest([1, 2, 3, 4]), 3, () => 0.5)
    const a = bits(4, [0, 1, 2])
    const b = bits(4, [0, 1])
    const c = bits(4, [0])
    p.updateAvailability(undefined, a)
    p.updateAvailability(undefined, b)
    p.updateAvailability(undefined, c)
    // chunk 3 is held by one peer, chunk 2 by two, chunk 1 by three
    expect(p.pick('a', a)?.id).toBe(id(3))
    expect(p.pick('a', a)?.id).toBe(id(2))
    expect(p.pick('a', a)?.id).toBe(id(1))
  })

  it('accounts an incremental have answer from its changed entries exactly as from a whole bitfield', () => {
    // 60 entries, repeated chunks and zero entries among them: only a chunk's first entry counts
    const ids: Array<number | 'zero'> = Array.from({ length: 60 }, (_, i) => i % 7 === 0 ? 'zero' : 1 + (i % 23))
    const incremental = new PiecePicker(manifest(ids), 3)
    const whole = new PiecePicker(manifest(ids), 3)
    const before = bits(60, [1, 2, 5, 30])
    incremental.updateAvailability(undefined, before, 'p')
    whole.updateAvailability(undefined, before, 'p')
    const added = [3, 4, 24, 25, 40, 59]
    const after = bits(60, [1, 2, 5, 30, ...added])
    incremental.updateAvailability(before, after, 'p', added)
    whole.updateAvailability(before, after, 'p')
    expect(incremental.pieces.map(x => x.availability)).toEqual(whole.pieces.map(x => x.availability))
    expect(incremental.pieces.some(x => x.availability > 0)).toBe(true)
  })

  it('gives a peer only chunks it has, and nothing when it has none that are missing', () => {
    const p = new PiecePicker(manifest([1, 2]), 3)
    const only2 = bits(2, [1])
    p.updateAvailability(undefined, only2)
    expect(p.pick('x', only2)?.id).toBe(id(2))
    expect(p.pick('y', bits(2, [0]))?.id).toBe(id(1))
    expect(p.pick('z', bits(2, []))).toBeUndefined()
  })

  it('retries a released chunk first, and in endgame duplicates in-flight chunks up to the limit', () => {
    const p = new PiecePicker(manifest([1, 2]), 2)
    const all = bits(2, [0, 1])
    const first = p.pick('a', all)
    const second = p.pick('a', all)
    expect(first != null && second != null).toBe(true)
    // everything is in flight: endgame gives peer b a duplicate, at most 2 requesters per chunk
    const dup = p.pick('b', all)
    expect(dup?.requesters.length).toBe(2)
    expect(p.pick('a', all)).toBeUndefined() // a already requested both
    // the chunk only a requested goes back to the want list when a's request fails, and is retried first
    const lone = [first, second].find(x => x !== dup)
    p.release(lone!, 'a')
    expect(lone?.state).toBe(PieceState.Missing)
    expect(p.pick('c', all)).toBe(lone)
    p.markDone(dup!)
    expect(p.remainingCount).toBe(1)
  })

  it('holds endgame back until few pieces are outstanding', () => {
    const p = new PiecePicker(manifest([1, 2, 3]), 3, Math.random, 2)
    const all = bits(3, [0, 1, 2])
    const taken = [p.pick('a', all), p.pick('a', all), p.pick('a', all)]
    expect(p.pick('b', all)).toBeUndefined() // 3 outstanding > 2: no duplicates yet
    p.markStoring(taken[0]!)
    p.markDone(taken[0]!)
    const dup = p.pick('b', all)
    expect(dup != null && dup !== taken[0]).toBe(true)
    expect(dup?.requesters.length).toBe(2)
  })

  it('bumps its generation when a chunk comes back or endgame begins (so starved peers are tried again)', () => {
    const p = new PiecePicker(manifest([1]), 2)
    const g0 = p.generation
    const piece = p.pick('a', bits(1, [0]))
    expect(p.generation).toBeGreaterThan(g0)
    const g1 = p.generation
    p.release(piece!, 'a')
    expect(p.generation).toBeGreaterThan(g1)
  })
})

describe('piece picker: seeds and receivers', () => {
  const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

  it('asks a seed only for pieces no connected non-seed peer holds; the partial peer gets the rest', () => {
    const p = new PiecePicker(manifest(ids(6)), 3)
    const seed = Bitfield.full(6)
    const partial = bits(6, [0, 1, 2])
    p.updateAvailability(undefined, seed)
    p.updateAvailability(undefined, partial)
    const fromSeed = [p.pick('seed', seed), p.pick('seed', seed), p.pick('seed', seed)].map(x => x?.id)
    expect(fromSeed.sort()).toEqual([id(4), id(5), id(6)])
    expect(p.pick('seed', seed)).toBeUndefined() // 1-3 are held by the partial peer: not asked of the seed
    const fromPartial = [p.pick('partial', partial), p.pick('partial', partial), p.pick('partial', partial)].map(x => x?.id)
    expect(fromPartial.sort()).toEqual([id(1), id(2), id(3)])
  })

  it('a piece a receiver gained is no longer asked of the seed', () => {
    const p = new PiecePicker(manifest(ids(4)), 3)
    const seed = Bitfield.full(4)
    let other = bits(4, [])
    p.updateAvailability(undefined, seed)
    p.updateAvailability(undefined, other)
    const first = p.pick('seed', seed)
    const gained = bits(4, [0, 1, 2, 3].filter(i => p.pieces[i] !== first).slice(0, 2))
    p.updateAvailability(other, gained)
    other = gained
    const rest = [p.pick('seed', seed), p.pick('seed', seed)]
    expect(rest[1]).toBeUndefined()
    expect(rest[0] != null && !other.get(rest[0].entries[0] ?? 0)).toBe(true)
  })

  it('with seeds only, every seed is asked for any piece (rarest first as before)', () => {
    const p = new PiecePicker(manifest(ids(4)), 3)
    const a = Bitfield.full(4)
    const b = Bitfield.full(4)
    p.updateAvailability(undefined, a)
    p.updateAvailability(undefined, b)
    const got = [p.pick('a', a), p.pick('b', b), p.pick('a', a), p.pick('b', b)]
    expect(got.every(x => x != null)).toBe(true)
    expect(new Set(got).size).toBe(4)
  })

  it('receivers that know each other ask the seed for disjoint shares first, then for the others\' shares', () => {
    const m = manifest([])
    m.chunks = Array.from({ length: 60 }, (_, i) => ({ id: createHash('sha256').update(`piece ${i}`).digest('hex'), size: 10 }))
    const receivers = ['peer-a', 'peer-b', 'peer-c']
    let now = 10_000
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now)
    const shares = receivers.map(self => {
      const p = new PiecePicker(m, 3, Math.random, undefined, self)
      const seed = Bitfield.full(60)
      p.updateAvailability(undefined, seed, 'seed')
      for (const other of receivers.filter(r => r !== self)) {
        // each other receiver is seen to progress: it just announced a piece
        const empty = new Bitfield(60)
        p.updateAvailability(undefined, empty, other)
        const gained = Bitfield.decode(empty.bytes, 60)
        gained.set(0)
        p.updateAvailability(empty, gained, other, [0])
      }
      // its share of what only the seed holds (piece 0 is held by the other receivers now)
      const mine = seedShare(p.pieces, self, receivers).mine.filter(x => x.availability <= 1)
      const picked = Array.from({ length: 60 }, () => p.pick('seed', seed))
      const ids = picked.map(x => x?.id)
      expect(new Set(ids.slice(0, mine.length))).toEqual(new Set(mine.map(x => x.id))) // its own share first
      // then others' pieces, SEED_HELP_MAX at a time: one more each time one of those ends
      const help = picked.slice(mine.length).filter(x => x !== undefined)
      expect(help).toHaveLength(SEED_HELP_MAX)
      expect(p.pick('seed', seed)).toBeUndefined()
      const g = p.generation
      p.markStoring(help[0]!)
      expect(p.generation).toBeGreaterThan(g) // the seed is asked again
      const next = p.pick('seed', seed)
      expect(next).toBeDefined()
      expect(mine.includes(next!)).toBe(false)
      expect(p.pick('seed', seed)).toBeUndefined()
      // the others stop announcing anything: after SEED_HELP_STALE_MS the cap no longer holds
      now += SEED_HELP_STALE_MS
      expect(p.pick('seed', seed)).toBeDefined()
      now -= SEED_HELP_STALE_MS
      return mine.map(x => x.id)
    })
    clock.mockRestore()
    const all = shares.flat()
    expect(new Set(all).size).toBe(59) // disjoint, and together every piece only the seed holds
    expect(all).toHaveLength(59)
    expect(shares.every(s => s.length > 5)).toBe(true)
  })

  it('when the last partial peer leaves, the seed may be asked for everything again (and starved peers are woken)', () => {
    const p = new PiecePicker(manifest(ids(3)), 3)
    const seed = Bitfield.full(3)
    const partial = bits(3, [0, 1, 2].filter(i => i !== 1))
    p.updateAvailability(undefined, seed)
    p.updateAvailability(undefined, partial)
    expect(p.pick('seed', seed)?.id).toBe(id(2))
    expect(p.pick('seed', seed)).toBeUndefined()
    const g = p.generation
    p.updateAvailability(partial, undefined)
    expect(p.generation).toBeGreaterThan(g)
    expect(p.pick('seed', seed)).toBeDefined()
    expect(p.pick('seed', seed)).toBeDefined()
  })

  it('a seed that found nothing before receivers showed up is tried again once the order is rebuilt', () => {
    let now = 1_000
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now)
    try {
      const p = new PiecePicker(manifest(ids(8)), 3, Math.random, undefined, 'me')
      const seed = Bitfield.full(8)
      p.updateAvailability(undefined, seed, 'seed')
      expect(p.pick('seed', seed)).toBeDefined()
      // another receiver appears: until the order is rebuilt (at most every REBUILD_MS = 500 ms) the seed gets nothing
      p.updateAvailability(undefined, new Bitfield(8), 'other')
      expect(p.pick('seed', seed)).toBeUndefined()
      const g = p.generation
      now += 550
      p.pick('other', new Bitfield(8)) // any pick rebuilds
      expect(p.generation).toBeGreaterThan(g) // so the transfer asks the starved seed again
      expect(p.pick('seed', seed)).toBeDefined()
    } finally {
      clock.mockRestore()
    }
  })

  it('puts off a re-sort asked for right after the last one, and names when to do it (refresh) so no peer is left starved', () => {
    let now = 1_000
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now)
    try {
      const p = new PiecePicker(manifest(ids(4)), 3, () => 0, undefined, 'me')
      const seed = Bitfield.full(4)
      const a = bits(4, [0])
      p.updateAvailability(undefined, seed, 'seed')
      p.updateAvailability(undefined, a, 'a')
      expect(p.pick('a', a)?.id).toBe(id(1)) // sorts (at 1000 ms); the order, pieces some non-seed holds, is used up
      // 'c' joins holding the same piece: availability changed, nothing new for anyone
      const c = bits(4, [0])
      p.updateAvailability(undefined, c, 'c')
      now += 10
      const g = p.generation
      expect(p.pick('c', c)).toBeUndefined()
      expect(p.rebuildDueAt).toBe(1_050) // 10 ms after the last sort: put off until 50 ms after it
      expect(p.generation).toBe(g)
      now = 1_050
      p.refresh()
      expect(p.rebuildDueAt).toBeUndefined()
      expect(p.generation).toBeGreaterThan(g) // starved peers are asked again
      expect(p.pick('seed', seed)?.id).toBe(id(2))
    } finally {
      clock.mockRestore()
    }
  })

  it('asks a non-seed peer first for the pieces it just announced, without waiting for the next rebuild', () => {
    // no random tie-break: a rebuilt order would list the two pieces by position (3 before 6)
    const p = new PiecePicker(manifest(ids(8)), 3, () => 0, undefined, 'me')
    const seed = Bitfield.full(8)
    p.updateAvailability(undefined, seed, 'seed')
    const empty = new Bitfield(8)
    p.updateAvailability(undefined, empty, 'other')
    expect(p.pick('other', empty)).toBeUndefined() // builds the order: 'other' holds nothing yet
    const gained = Bitfield.decode(empty.bytes, 8)
    gained.set(5)
    gained.set(2)
    p.updateAvailability(empty, gained, 'other', [5, 2])
    // the pieces come from what 'other' announced, in that order
    expect(p.pick('other', gained)?.id).toBe(id(6))
    expect(p.pick('other', gained)?.id).toBe(id(3))
    expect(p.pick('other', gained)).toBeUndefined()
  })

  it('endgame duplicates in-flight pieces on a seed too', () => {
    const p = new PiecePicker(manifest(ids(2)), 2)
    const seed = Bitfield.full(2)
    const partial = bits(2, [0, 1])
    p.updateAvailability(undefined, seed)
    p.updateAvailability(undefined, partial)
    const a = p.pick('partial', partial)
    const b = p.pick('partial', partial)
    expect(a != null && b != null).toBe(true)
    expect(p.pick('seed', seed)?.requesters.length).toBe(2)
  })
})

describe('provider keys, refs and manifests on the wire', () => {
  it('derives stable, distinct DHT keys for a name and a name@version', () => {
    const a = imageProviderKey('debian')
    expect(a.toString()).toBe(imageProviderKey('debian').toString())
    expect(a.version).toBe(1)
    expect(a.code).toBe(0x55)
    expect(imageProviderKey('debian', '12').toString()).not.toBe(a.toString())
  })

  it('parses NAME[@VERSION] and refuses bad refs with the field named', () => {
    expect(parseImageRef('debian@12.1')).toEqual({ name: 'debian', version: '12.1' })
    expect(parseImageRef('debian')).toEqual({ name: 'debian' })
    expect(() => parseImageRef('bad name')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_INPUT', field: 'ref' }))
    expect(() => parseImageRef('x@')).toThrow(expect.objectContaining({ field: 'ref' }))
  })

  it('round-trips a manifest and refuses one whose sizes do not add up', () => {
    const m = manifest([1, 'zero', 2])
    expect(fromWireManifest(toWireManifest(m))).toEqual(m)
    const w = toWireManifest(m)
    w.size = 999
    expect(() => fromWireManifest(w)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
    const big = toWireManifest(m)
    expect(() => fromWireManifest(big, { maxChunks: 2 })).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
  })

  it('renders the progress bar with bytes, rate, ETA and peers', () => {
    const line = progressLine({ id: 'x', ref: 'debian@12', state: 'running', totalBytes: 1024 ** 3, doneBytes: 1024 ** 3 / 2, reusedBytes: 0, wireBytes: 0,
      rateBytesPerSec: 50 * 1024 ** 2, etaSeconds: 10, peers: 3, chunksTotal: 10, chunksDone: 5, startedAt: 0, banned: [], perPeer: [] }, 10)
    expect(line).toBe('[#####.....]  50%  512.0 MiB / 1.0 GiB  50.0 MiB/s  ETA 10 s  3 peers')
  })
})
