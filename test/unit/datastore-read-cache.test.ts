import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { Key, type Datastore } from 'interface-datastore'
import { DatastoreReadCache } from '../../src/mesh/datastore-read-cache.js'
import { skipTimestampOnlyPeerWrites, splitUpdated } from '../../src/mesh/peer-record-timestamp.js'

type Op = 'get' | 'has' | 'put' | 'delete'

/** A LevelDB datastore that counts the calls reaching it, can hold gets at a gate and can fail puts. */
function instrumented (store: LevelDatastore): { store: Datastore, calls: Record<Op, number>, holdGets: () => () => void, failPuts: (on: boolean) => void } {
  const calls: Record<Op, number> = { get: 0, has: 0, put: 0, delete: 0 }
  let gate: Promise<void> | undefined
  let failing = false
  const proxy = new Proxy(store, {
    get (target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      if (!(prop in calls)) return value.bind(target)
      return async (...args: unknown[]) => {
        calls[prop as Op]++
        if (prop === 'get' && gate != null) {
          const result = value.apply(target, args)
          await gate
          return await result
        }
        if (prop === 'put' && failing) throw new Error('disk full')
        return value.apply(target, args)
      }
    }
  })
  return {
    store: proxy,
    calls,
    holdGets: () => {
      let open!: () => void
      gate = new Promise(resolve => { open = resolve })
      return () => { gate = undefined; open() }
    },
    failPuts: (on) => { failing = on }
  }
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('DatastoreReadCache', () => {
  let dir: string
  let level: LevelDatastore

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-cache-'))
    level = new LevelDatastore(join(dir, 'peers'))
    await level.open()
  })

  afterEach(async () => {
    await level.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** The value LevelDB holds, read from it directly (not through the cache). */
  async function inLevel (key: Key): Promise<string | undefined> {
    try {
      return text(await level.get(key))
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
  }

  it('serves reads from memory after the first', async () => {
    const key = new Key('/peers/a')
    await level.put(key, bytes('one'))
    const { store, calls } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    expect(text(await cache.get(key))).toBe('one')
    expect(text(await cache.get(key))).toBe('one')
    expect(await cache.has(key)).toBe(true)
    expect(calls.get + calls.has).toBe(1)
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, entries: 1 })
  })

  it('hands out copies: a caller changing what it got does not change the cache', async () => {
    const key = new Key('/peers/a')
    const { store } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    const value = bytes('one')
    await cache.put(key, value)
    value[0] = 0x78
    const got = await cache.get(key)
    got[1] = 0x78
    expect(text(await cache.get(key))).toBe('one')
  })

  it('remembers absent keys: NotFoundError and has() false without asking the store again', async () => {
    const key = new Key('/peers/missing')
    const { store, calls } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    await expect(cache.get(key)).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(cache.get(key)).rejects.toMatchObject({ name: 'NotFoundError' })
    expect(await cache.has(key)).toBe(false)
    expect(calls.get + calls.has).toBe(1)
  })

  it('writes through: a put, a delete and a batch reach the store before they resolve', async () => {
    const { store, calls } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    const a = new Key('/peers/a')
    const b = new Key('/peers/b')
    const c = new Key('/dht/record/c')
    await cache.put(a, bytes('a1'))
    expect(calls.put).toBe(1)
    expect(text(await cache.get(a))).toBe('a1')
    expect(calls.get).toBe(0)
    expect(await inLevel(a)).toBe('a1')

    await cache.put(b, bytes('b1'))
    await cache.delete(b)
    await expect(cache.get(b)).rejects.toMatchObject({ name: 'NotFoundError' })
    expect(await inLevel(b)).toBeUndefined()

    const batch = cache.batch()
    batch.put(c, bytes('c1'))
    batch.delete(a)
    await batch.commit()
    expect(text(await cache.get(c))).toBe('c1')
    expect(await cache.has(a)).toBe(false)
    expect(calls.get + calls.has).toBe(0)
    expect(await inLevel(c)).toBe('c1')
    expect(await inLevel(a)).toBeUndefined()

    // and it is there for the next process
    await level.close()
    level = new LevelDatastore(join(dir, 'peers'))
    await level.open()
    expect(await inLevel(c)).toBe('c1')
  })

  it('passes queries to the store', async () => {
    const cache = new DatastoreReadCache(level)
    await cache.put(new Key('/peers/a'), bytes('a'))
    await cache.put(new Key('/peers/b'), bytes('b'))
    await cache.put(new Key('/other/c'), bytes('c'))
    const found = []
    for await (const { key, value } of cache.query({ prefix: '/peers/' })) found.push(`${key.toString()}=${text(value)}`)
    expect(found).toEqual(['/peers/a=a', '/peers/b=b'])
  })

  it('is bounded in entries and bytes, dropping the least recently used', async () => {
    const { store, calls } = instrumented(level)
    const cache = new DatastoreReadCache(store, { maxEntries: 3, maxBytes: 1000 })
    for (let i = 0; i < 5; i++) await cache.put(new Key(`/k/${i}`), bytes(`v${i}`))
    expect(cache.stats().entries).toBe(3)
    await cache.get(new Key('/k/4'))
    expect(calls.get).toBe(0)
    await cache.get(new Key('/k/0'))
    expect(calls.get).toBe(1)

    const small = new DatastoreReadCache(store, { maxBytes: 100 })
    for (let i = 0; i < 10; i++) await small.put(new Key(`/big/${i}`), new Uint8Array(30))
    expect(small.stats().bytes).toBeLessThanOrEqual(100)
    expect(small.stats().entries).toBe(2)
    // a value larger than the whole budget is written but not kept
    await small.put(new Key('/huge'), new Uint8Array(200))
    expect(small.stats().bytes).toBeLessThanOrEqual(100)
    expect((await level.get(new Key('/huge'))).byteLength).toBe(200)
  })

  it('does not cache what a read got when the key was written while the read was in flight', async () => {
    const key = new Key('/peers/a')
    await level.put(key, bytes('old'))
    const { store, calls, holdGets } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    const release = holdGets()
    const reading = cache.get(key)
    await cache.put(key, bytes('new'))
    release()
    expect(['old', 'new']).toContain(text(await reading))
    expect(text(await cache.get(key))).toBe('new')
    expect(calls.get).toBe(1)
  })

  it('forgets a key whose write failed, so the next read asks the store', async () => {
    const key = new Key('/peers/a')
    await level.put(key, bytes('stored'))
    const { store, calls, failPuts } = instrumented(level)
    const cache = new DatastoreReadCache(store)
    failPuts(true)
    await expect(cache.put(key, bytes('lost'))).rejects.toThrow('disk full')
    failPuts(false)
    expect(text(await cache.get(key))).toBe('stored')
    expect(calls.get).toBe(1)
  })

  it('leaves the stored value in memory and on disk when skipPut says so', async () => {
    const key = new Key('/peers/a')
    const { store, calls } = instrumented(level)
    const cache = new DatastoreReadCache(store, { skipPut: (_k, stored, value) => text(stored).startsWith('same') && text(value).startsWith('same') })
    await cache.put(key, bytes('same 1'))
    await cache.put(key, bytes('same 2'))
    expect(calls.put).toBe(1)
    expect(cache.stats().skippedPuts).toBe(1)
    expect(text(await cache.get(key))).toBe('same 1')
    await cache.put(key, bytes('different'))
    expect(calls.put).toBe(2)
    expect(await inLevel(key)).toBe('different')
  })
})

/** Protobuf varint. */
function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

/** A peer-store `Peer` record: protocols (field 2) and `updated` (field 8), encoded as the peer store does. */
function peerRecord (protocols: string[], updated: number): Uint8Array {
  const out: number[] = []
  for (const p of protocols) {
    const b = [...bytes(p)]
    out.push(0x12, ...varint(b.length), ...b)
  }
  out.push(0x40, ...varint(updated))
  return Uint8Array.from(out)
}

describe('skipTimestampOnlyPeerWrites', () => {
  const now = 1_800_000_000_000
  const skip = skipTimestampOnlyPeerWrites({ refreshMs: 60_000, now: () => now })
  const key = '/peers/bafzaajaiaejca'

  it('reads the updated stamp out of a record', () => {
    expect(splitUpdated(peerRecord(['/a/1.0.0'], now))?.updated).toBe(now)
    expect(splitUpdated(Uint8Array.from([0x12, 0x05, 0x61]))).toBeUndefined()
  })

  it('skips a peer record that changed only its stamp while the stored stamp is fresh', () => {
    expect(skip(key, peerRecord(['/a/1.0.0', '/b/1.0.0'], now - 59_000), peerRecord(['/a/1.0.0', '/b/1.0.0'], now))).toBe(true)
  })

  it('writes a record whose stored stamp is older than refreshMs', () => {
    expect(skip(key, peerRecord(['/a/1.0.0'], now - 61_000), peerRecord(['/a/1.0.0'], now))).toBe(false)
  })

  it('writes a record whose content changed', () => {
    expect(skip(key, peerRecord(['/a/1.0.0'], now - 1000), peerRecord(['/a/1.0.0', '/b/1.0.0'], now))).toBe(false)
  })

  it('writes anything that is not a peer record, or does not parse', () => {
    expect(skip('/dht/record/x', peerRecord(['/a/1.0.0'], now - 1000), peerRecord(['/a/1.0.0'], now))).toBe(false)
    expect(skip(key, Uint8Array.from([0x12, 0x09, 0x61]), peerRecord(['/a/1.0.0'], now))).toBe(false)
    expect(skip(key, peerRecord(['/a/1.0.0'], now - 1000).subarray(0, 10), peerRecord(['/a/1.0.0'], now))).toBe(false)
  })
})
