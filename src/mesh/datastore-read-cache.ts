import { NotFoundError, type AbortOptions } from '@libp2p/interface'
import type { Batch, Datastore, Key, KeyQuery, Pair, Query } from 'interface-datastore'
import { BoundedLru } from '../storage/bounded-lru.js'

/** Keys (present or known absent) kept in memory at most. */
export const DEFAULT_READ_CACHE_ENTRIES = 4096
/** Bytes of keys and values kept in memory at most. */
export const DEFAULT_READ_CACHE_BYTES = 4 * 1024 * 1024

export interface DatastoreReadCacheInit {
  /** @default DEFAULT_READ_CACHE_ENTRIES */
  maxEntries?: number
  /** @default DEFAULT_READ_CACHE_BYTES */
  maxBytes?: number
  /**
   * Asked before a put whose key's stored value is in memory: true leaves the stored value as it is, in memory
   * and in the underlying store, instead of writing `value` (see peer-record-timestamp.ts). @default never
   */
  skipPut?: (key: string, stored: Uint8Array, value: Uint8Array) => boolean
}

export interface DatastoreReadCacheStats {
  hits: number
  misses: number
  puts: number
  skippedPuts: number
  entries: number
  bytes: number
}

/** A value, or null for a key known to be absent. */
type Entry = Uint8Array | null

/**
 * A bounded in-memory read cache in front of a datastore: get/has of a key read or written before are answered from
 * memory; every put, delete and batch goes to the underlying store before it resolves (write-through), so what a
 * caller was told is written is as durable as the underlying store makes it. Queries go to the underlying store.
 *
 * Every write must go through this wrapper: a write made to the underlying store directly is not seen.
 */
export class DatastoreReadCache implements Datastore {
  private readonly store: Datastore
  private readonly skipPut?: DatastoreReadCacheInit['skipPut']
  /** Weighed by the bytes of key and value. */
  private readonly entries: BoundedLru<Entry>
  /** Keys being read from the store; a write to one bumps `gen` so the read does not cache what it got. */
  private readonly reads = new Map<string, { readers: number, gen: number }>()
  private readonly counts = { hits: 0, misses: 0, puts: 0, skippedPuts: 0 }

  constructor (store: Datastore, init: DatastoreReadCacheInit = {}) {
    const { maxEntries = DEFAULT_READ_CACHE_ENTRIES, maxBytes = DEFAULT_READ_CACHE_BYTES, skipPut } = init
    this.store = store
    this.entries = new BoundedLru<Entry>({ maxEntries, maxWeight: maxBytes, weigh: (k, entry) => k.length + (entry?.byteLength ?? 0) })
    this.skipPut = skipPut
  }

  stats (): DatastoreReadCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.entries.weight }
  }

  async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    const k = key.toString()
    const cached = this.lookup(k)
    if (cached !== undefined) {
      if (cached === null) throw new NotFoundError()
      return cached.slice()
    }
    return await this.read(k, async () => {
      try {
        return await this.store.get(key, options)
      } catch (err) {
        if ((err as Error).name === 'NotFoundError') return null
        throw err
      }
    }).then(value => {
      if (value === null) throw new NotFoundError()
      return value.slice()
    })
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    const k = key.toString()
    const cached = this.lookup(k)
    if (cached !== undefined) return cached !== null
    // a present key is not cached by has (its value is unknown); an absent one is
    return await this.read(k, async () => (await this.store.has(key, options)) ? undefined : null) !== null
  }

  async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const k = key.toString()
    const stored = this.entries.peek(k)
    if (stored != null && this.skipPut?.(k, stored, value) === true) {
      this.counts.skippedPuts++
      this.entries.get(k) // now the most recently used
      return key
    }
    this.counts.puts++
    this.set(k, value.slice())
    try {
      await this.store.put(key, value, options)
    } catch (err) {
      this.forget(k)
      throw err
    }
    return key
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    const k = key.toString()
    this.set(k, null)
    try {
      await this.store.delete(key, options)
    } catch (err) {
      this.forget(k)
      throw err
    }
  }

  async * putMany (source: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const { key, value } of source) yield await this.put(key, value, options)
  }

  async * getMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const key of source) yield { key, value: await this.get(key, options) }
  }

  async * deleteMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const key of source) {
      await this.delete(key, options)
      yield key
    }
  }

  batch (): Batch {
    const batch = this.store.batch()
    const ops: Array<[string, Entry]> = []
    return {
      put: (key, value) => {
        const copy = value.slice()
        ops.push([key.toString(), copy])
        batch.put(key, copy)
      },
      delete: (key) => {
        ops.push([key.toString(), null])
        batch.delete(key)
      },
      commit: async (options) => {
        for (const [k, entry] of ops) this.set(k, entry)
        try {
          await batch.commit(options)
        } catch (err) {
          for (const [k] of ops) this.forget(k)
          throw err
        }
      }
    }
  }

  query (query: Query, options?: AbortOptions): AsyncGenerator<Pair> | Generator<Pair> {
    return this.store.query(query, options)
  }

  queryKeys (query: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> | Generator<Key> {
    return this.store.queryKeys(query, options)
  }

  /** The cached entry (most recently used now), or undefined when the key is not in memory. */
  private lookup (k: string): Entry | undefined {
    const entry = this.entries.get(k)
    if (entry === undefined) {
      this.counts.misses++
      return undefined
    }
    this.counts.hits++
    return entry
  }

  /** Read through to the store; the result is cached unless the key was written meanwhile (or is undefined). */
  private async read<T extends Entry | undefined> (k: string, load: () => Promise<T>): Promise<T> {
    let r = this.reads.get(k)
    if (r == null) {
      r = { readers: 0, gen: 0 }
      this.reads.set(k, r)
    }
    r.readers++
    const gen = r.gen
    try {
      const value = await load()
      if (value !== undefined && r.gen === gen) this.set(k, value)
      return value
    } finally {
      if (--r.readers === 0) this.reads.delete(k)
    }
  }

  private set (k: string, entry: Entry): void {
    this.forget(k)
    this.entries.set(k, entry)
  }

  /** Drop a key from memory, and keep any read of it in flight from caching what it gets. */
  private forget (k: string): void {
    const r = this.reads.get(k)
    if (r != null) r.gen++
    this.entries.delete(k)
  }
}
