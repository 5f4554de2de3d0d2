import { hash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ChunkStoreView, StoredParts, VerifiedChunk } from '../types.js'
import type { Database } from '../../storage/database.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import { InvalidInputError } from '../../errors.js'
import { CHUNKS_DIR, CHUNK_INDEX_SUBLEVEL, DEFAULT_COMPACT_BELOW, DEFAULT_MAX_PACK_BYTES, DEFAULT_MIN_COMPRESSION_SAVING, LOCATION_CACHE_ENTRIES, LOCATION_PREFETCH_SLICE, PACKS_DIR, WRITTEN_ENTRIES_MAX } from '../constants.js'
import { ChunkCorruptError, ChunkHashMismatchError, ChunkNotFoundError, ChunkStoreFormatError, diskFullOr } from '../errors.js'
import { isZero } from '../chunker/fastcdc.js'
import { MAX_CHUNK_BYTES } from '../chunker/params.js'
import { HEADER_BYTES, decodeChunkFile, encodeChunkParts } from './chunk-file.js'
import { absentEntry, decodeEntry, encodeEntry, entryPresent, withRefsAdded, type IndexEntry } from './chunk-index.js'
import { lz4Napi, type Lz4Codec } from './lz4.js'
import { Mutex } from './mutex.js'
import { PackFiles, PackGoneError } from './pack-files.js'
import { RECORD_PREFIX_BYTES, recordPrefix } from './pack-record.js'
import { compactPacks } from './compaction.js'
import { WrittenEntries } from './written-entries.js'
import { LocationCache, type Location } from './location-cache.js'

const CHUNK_ID = /^[0-9a-f]{64}$/

/** The pack range of a chunk's stored form. */
function rangeAt (at: Location): { pack: number, offset: number, length: number } {
  return { pack: at.pack, offset: at.offset, length: at.stored }
}

function checkChunkIds (ids: string[]): void {
  for (const id of ids) if (!CHUNK_ID.test(id)) throw new InvalidInputError('id', `"${id}" is not a chunk ID (64 lowercase hex digits)`)
}

/** The first chunk of each ID. */
function unique (chunks: VerifiedChunk[]): VerifiedChunk[] {
  const seen = new Set<string>()
  return chunks.filter(c => !seen.has(c.id) && seen.add(c.id) !== undefined)
}

export interface ChunkStoreInit {
  dataDir: string
  db: Database
  logger?: Logger
  /** @default lz4Napi */
  codec?: Lz4Codec
  /** @default DEFAULT_MIN_COMPRESSION_SAVING */
  minSaving?: number
  /**
   * `file`: fdatasync the pack after every append. `commit` (default): appends reach the page cache only, and
   * `sync()` (fdatasync of each pack written since the last sync) makes them durable before a manifest that
   * references them is committed: one flush per image instead of one per batch of chunks.
   */
  durability?: 'file' | 'commit'
  /** @default DEFAULT_MAX_PACK_BYTES */
  maxPackBytes?: number
  /** @default DEFAULT_COMPACT_BELOW */
  compactBelow?: number
}

export interface ChunkStoreStats {
  chunks: number
  /** Uncompressed bytes of the stored chunks. */
  bytes: number
  /** Bytes the stored chunks take (header + payload, without pack record prefixes). */
  storedBytes: number
  compressedChunks: number
  /** Bytes of the pack files on disk (live and dead records). */
  packBytes: number
  packs: number
}

export interface GcResult {
  /** Stored chunks no manifest referenced, removed from the index. */
  removedChunks: number
  /** Their stored bytes. */
  freedBytes: number
  /** Packs deleted (empty ones, and those whose live records were copied to the current pack). */
  packsRemoved: number
  /** Bytes the pack files shrank by. */
  reclaimedBytes: number
}

export type IndexBatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

/**
 * Content-addressed chunk store: chunks appended to pack files under `<dataDir>/chunks/packs/`, lz4 where that
 * saves space, never a zero chunk; a LevelDB index (sublevel `chunks`) with a reference count and the location of
 * each chunk.
 *
 * Crash safety: a batch of chunks is appended with one write, and only then indexed (one LevelDB batch), so after a
 * kill -9 every indexed chunk's bytes are complete; a torn or unindexed tail is dead bytes that compaction drops.
 * Durability against power loss comes from `sync()` before a manifest commit, and `get` verifies SHA-256 on every
 * read anyway and drops a chunk that fails.
 */
export class ChunkStore implements ChunkStoreView {
  readonly dir: string
  private readonly index
  /** The LevelDB sublevel of the index, for batches that span it and another sublevel. */
  readonly indexSublevel
  private readonly log: Logger
  private readonly codec: Lz4Codec
  private readonly minSaving: number
  private readonly compactBelow: number
  /** Serialises read-modify-write of index entries (refcounts, presence, locations). */
  readonly lock = new Mutex()
  /** Pinned ID lists (see `pin`) and sets (see `pinSet`), looked at only when a garbage collection runs. */
  private readonly pinLists = new Set<readonly string[]>()
  private readonly pinSets = new Set<Set<string>>()
  /** Counts `pin` calls: a collection merges the lists pinned since it last looked. */
  private pinListsAdded = 0
  /** Locations of chunks stored or served lately, for getEncodedMany (see LocationCache). */
  private readonly locations = new LocationCache(LOCATION_CACHE_ENTRIES)
  /** Index values this store's chunk writes put since the index last changed otherwise (for `refOps`). */
  private readonly written = new WrittenEntries(WRITTEN_ENTRIES_MAX)
  /** Bumped when a chunk is dropped as corrupt: a prefetch that read the index before that keeps nothing it read. */
  private dropped = 0

  private constructor (init: ChunkStoreInit, readonly packs: PackFiles) {
    this.dir = join(init.dataDir, CHUNKS_DIR)
    this.index = init.db.sublevel<string, Uint8Array>(CHUNK_INDEX_SUBLEVEL, { valueEncoding: 'view' })
    this.indexSublevel = this.index
    this.log = init.logger ?? silentLogger
    this.codec = init.codec ?? lz4Napi
    this.minSaving = init.minSaving ?? DEFAULT_MIN_COMPRESSION_SAVING
    this.compactBelow = init.compactBelow ?? DEFAULT_COMPACT_BELOW
  }

  /** Open the store. A data dir with the old one-file-per-chunk layout is refused (ERR_STORE_FORMAT), untouched. */
  static async open (init: ChunkStoreInit): Promise<ChunkStore> {
    const dir = join(init.dataDir, CHUNKS_DIR)
    if (existsSync(join(dir, '00')) || existsSync(join(dir, 'tmp'))) {
      throw new ChunkStoreFormatError(`${dir} holds a chunk store of the old layout (one file per chunk), which this version does not read: move ${dir} and ${join(init.dataDir, 'db')} away, start the node, then add or pull the images again`)
    }
    const packs = await PackFiles.open({ dir: join(dir, PACKS_DIR), maxPackBytes: init.maxPackBytes ?? DEFAULT_MAX_PACK_BYTES, syncEachAppend: init.durability === 'file' })
    return new ChunkStore(init, packs)
  }

  async close (): Promise<void> {
    await this.packs.close()
  }

  async has (id: string): Promise<boolean> {
    if (!CHUNK_ID.test(id)) return false
    return (await this.entry(id))?.present === true
  }

  async entry (id: string): Promise<IndexEntry | undefined> {
    const v = await this.index.get(id)
    return v === undefined ? undefined : decodeEntry(v)
  }

  /** Verified, uncompressed bytes of a chunk. A chunk that fails verification is dropped and ERR_CHUNK_CORRUPT thrown. */
  async get (id: string): Promise<Uint8Array> {
    const stored = await this.readStored(id)
    let raw: Uint8Array
    try {
      raw = decodeChunkFile(stored.bytes, this.codec)
    } catch (err) {
      await this.dropCorrupt(id, stored.entry, (err as Error).message)
      throw new ChunkCorruptError(`chunk ${id} is unreadable (${(err as Error).message}); it was removed`)
    }
    if (raw.length !== stored.entry.size || hash('sha256', raw, 'hex') !== id) {
      await this.dropCorrupt(id, stored.entry, 'hash mismatch')
      throw new ChunkCorruptError(`chunk ${id} does not match its ID; it was removed`)
    }
    return raw
  }

  /**
   * Verified bytes of many chunks (in the order of `ids`; a repeated ID is read once): one index lookup for all,
   * records close together in a pack read with one pread. Throws as `get` does for a chunk that is absent or corrupt.
   */
  async getMany (ids: string[]): Promise<Uint8Array[]> {
    const unique = [...new Set(ids)]
    const { entries, stored } = await this.readManyStored(unique)
    const bytes = new Map<string, Uint8Array>()
    await Promise.all(unique.map(async (id, i) => {
      const e = entries[i]
      if (e?.present !== true) throw new ChunkNotFoundError(`chunk ${id} is not in the store`)
      const s = stored[i]
      const raw = s === undefined ? undefined : this.decodeOrUndefined(s)
      // moved by compaction, unreadable or bad: the single-chunk path retries, drops and reports it
      bytes.set(id, raw !== undefined && raw.length === e.size && hash('sha256', raw, 'hex') === id ? raw : await this.get(id))
    }))
    return ids.map(id => bytes.get(id)!)
  }

  /**
   * Stored forms of many chunks (as `getEncoded`, unverified), undefined where a chunk is absent or its read
   * failed: one index lookup, close records read together. For a server answering a batch of requests.
   */
  async getEncodedMany (ids: string[]): Promise<Array<Uint8Array | undefined>> {
    checkChunkIds(ids)
    const stored: Array<Uint8Array | undefined> = new Array(ids.length)
    const cached = ids.map(id => this.locations.get(id))
    // records this process wrote lately: synchronously from the page cache, through pack handles already open
    const fresh = ids.flatMap((_, i) => cached[i]?.fresh === true ? [i] : [])
    const quick = this.packs.readManyOpenSync(fresh.map(i => rangeAt(cached[i]!)))
    fresh.forEach((i, k) => { stored[i] = quick[k] })
    const hits = ids.flatMap((_, i) => cached[i] !== undefined && stored[i] === undefined ? [i] : [])
    const stale: number[] = []
    await this.readAt(hits.map(i => ({ i, at: cached[i]! })), stored, i => {
      // its pack was deleted since (compaction moved the chunk, or GC dropped it): ask the index
      this.locations.delete(ids[i]!)
      stale.push(i)
    })
    const misses = ids.flatMap((_, i) => cached[i] === undefined ? [i] : []).concat(stale)
    if (misses.length === 0) return stored
    const entries = await this.index.getMany(misses.map(i => ids[i]!))
    const found = misses.flatMap((i, k) => {
      const v = entries[k]
      const e = v === undefined ? undefined : decodeEntry(v)
      if (e?.present !== true) return []
      const at = { pack: e.pack, offset: e.offset, stored: e.stored }
      this.locations.set(ids[i]!, at)
      return [{ i, at }]
    })
    await this.readAt(found, stored, () => {})
    return stored
  }

  /**
   * Look up the locations of chunks a peer is about to request (see ChunkStoreView.prefetchLocations): the
   * uncached ones among the first half cache's worth of `ids`, LOCATION_PREFETCH_SLICE keys per index lookup. A
   * seeder with a cold cache otherwise looks up each small batch of requests on its own: ~60 µs of main-thread CPU
   * per LevelDB getMany call whatever its size, 1.1 of the seeder's 7.5 CPU s in a 1 GiB pull.
   */
  async prefetchLocations (ids: string[]): Promise<void> {
    const todo = [...new Set(ids)].filter(id => this.locations.peek(id) === undefined).slice(0, LOCATION_CACHE_ENTRIES / 2)
    try {
      for (let i = 0; i < todo.length; i += LOCATION_PREFETCH_SLICE) {
        const slice = todo.slice(i, i + LOCATION_PREFETCH_SLICE)
        const dropped = this.dropped
        const values = await this.index.getMany(slice)
        if (dropped !== this.dropped) continue
        slice.forEach((id, k) => {
          const v = values[k]
          const e = v === undefined ? undefined : decodeEntry(v)
          if (e?.present === true && this.locations.peek(id) === undefined) this.locations.set(id, { pack: e.pack, offset: e.offset, stored: e.stored })
        })
      }
    } catch (err) {
      this.log.debug('location prefetch failed', { err: (err as Error).message })
    }
  }

  /** Read the records at `reads` into `out[i]`; `onFailed(i)` for each whose read failed. */
  private async readAt (reads: Array<{ i: number, at: Location }>, out: Array<Uint8Array | undefined>, onFailed: (i: number) => void): Promise<void> {
    if (reads.length === 0) return
    const bytes = await this.packs.readMany(reads.map(r => rangeAt(r.at)))
    reads.forEach((r, k) => {
      out[r.i] = bytes[k]
      if (bytes[k] === undefined) onFailed(r.i)
    })
  }

  /** Presence of many chunks with one index lookup. */
  async hasMany (ids: string[]): Promise<boolean[]> {
    // no pattern test of each ID (~20 ms for a 1 GiB image's 38,000 at the start of its pull): every index key is a
    // chunk ID, so any other string is simply not found
    const values = await this.index.getMany(ids)
    return values.map(v => v !== undefined && entryPresent(v))
  }

  private async readManyStored (ids: string[]): Promise<{ entries: Array<IndexEntry | undefined>, stored: Array<Uint8Array | undefined> }> {
    checkChunkIds(ids)
    const entries = (await this.index.getMany(ids)).map(v => v === undefined ? undefined : decodeEntry(v))
    const wanted = entries.flatMap((e, i) => e?.present === true ? [{ i, pack: e.pack, offset: e.offset, length: e.stored }] : [])
    const read = await this.packs.readMany(wanted)
    const stored: Array<Uint8Array | undefined> = new Array(ids.length)
    wanted.forEach((w, k) => { stored[w.i] = read[k] })
    return { entries, stored }
  }

  private decodeOrUndefined (stored: Uint8Array): Uint8Array | undefined {
    try {
      return decodeChunkFile(stored, this.codec)
    } catch {
      return undefined
    }
  }

  /**
   * The chunk as stored (8-byte header + raw or lz4 payload; see chunk-file.ts), unverified: for sending a chunk
   * compressed. The receiver decodes and verifies it. ERR_CHUNK_NOT_FOUND when absent.
   */
  async getEncoded (id: string): Promise<Uint8Array> {
    return (await this.readStored(id)).bytes
  }

  /** The stored bytes and the entry they were read under; one retry when compaction moved the chunk meanwhile. */
  private async readStored (id: string): Promise<{ bytes: Uint8Array, entry: IndexEntry }> {
    checkChunkIds([id])
    for (let attempt = 0; ; attempt++) {
      const e = await this.entry(id)
      if (e?.present !== true) throw new ChunkNotFoundError(`chunk ${id} is not in the store`)
      try {
        return { bytes: await this.packs.read(e.pack, e.offset, e.stored), entry: e }
      } catch (err) {
        if (err instanceof PackGoneError && attempt === 0) continue
        await this.dropCorrupt(id, e, (err as Error).message)
        throw new ChunkCorruptError(`chunk ${id} is unreadable (${(err as Error).message}); it was removed`)
      }
    }
  }

  /** Store a chunk received in its stored form (from `getEncoded`): decoded, verified against `id`, then stored as is. */
  async putEncoded (id: string, encoded: Uint8Array): Promise<void> {
    if (encoded.length > MAX_CHUNK_BYTES + 64 * 1024) throw new InvalidInputError('bytes', 'encoded chunk is too large')
    let raw: Uint8Array
    try {
      raw = decodeChunkFile(encoded, this.codec)
    } catch (err) {
      throw new ChunkHashMismatchError(`encoded chunk offered as ${id} does not decode: ${(err as Error).message}`)
    }
    await this.put(id, raw, { header: encoded.subarray(0, HEADER_BYTES), payload: encoded.subarray(HEADER_BYTES) })
  }

  /** Store bytes offered under `id` after checking sha256(bytes) === id. Idempotent; zero chunks are not stored. */
  async put (id: string, bytes: Uint8Array, encoded?: StoredParts): Promise<void> {
    checkChunkIds([id])
    if (bytes.length === 0 || bytes.length > MAX_CHUNK_BYTES) throw new InvalidInputError('bytes', `a chunk must hold 1..${MAX_CHUNK_BYTES} bytes`)
    if (hash('sha256', bytes, 'hex') !== id) throw new ChunkHashMismatchError(`bytes do not hash to ${id}`)
    if (isZero(bytes, 0, bytes.length)) return
    await this.putHashed([encoded === undefined ? { id, bytes } : { id, bytes, encoded }])
  }

  /**
   * Store chunks whose IDs the caller computed from these very bytes (the importer, or a transfer that verified
   * them): one pack append and one index batch for the lot. Chunks already present are skipped; an `encoded` form
   * is written as given (it must decode to `bytes`), others are compressed here when that saves space.
   */
  async putHashed (chunks: VerifiedChunk[]): Promise<{ written: number, writtenBytes: number }> {
    // chunks in stored form cost nothing to prepare: the check under the lock below is the only one they need
    const candidates = chunks.every(c => c.encoded !== undefined) ? unique(chunks) : await this.absent(chunks)
    if (candidates.length === 0) return { written: 0, writtenBytes: 0 }
    const encoded = new Map(candidates.map(c => [c.id, this.encode(c)]))
    return await this.lock.run(async () => {
      // another writer may have stored some of them since the first look
      const now = await this.values(candidates.map(c => c.id))
      const fresh: Array<VerifiedChunk & { refs: number }> = []
      candidates.forEach((c, i) => {
        const old = now[i] === undefined ? undefined : decodeEntry(now[i])
        if (old?.present !== true) fresh.push({ ...c, refs: old?.refs ?? 0 })
      })
      if (fresh.length === 0) return { written: 0, writtenBytes: 0 }
      const parts: Uint8Array[] = []
      for (const c of fresh) {
        const e = encoded.get(c.id)!
        parts.push(recordPrefix(c.id, e.length), ...e.parts)
      }
      let at: { pack: number, offset: number }
      try {
        at = await this.packs.append(parts)
      } catch (err) {
        throw diskFullOr(err, `${fresh.length} chunks`)
      }
      let offset = at.offset
      let writtenBytes = 0
      const written: Array<[string, Location]> = []
      const ops: IndexBatchOp[] = fresh.map(c => {
        const e = encoded.get(c.id)!
        offset += RECORD_PREFIX_BYTES
        const entry: IndexEntry = { refs: c.refs, size: c.bytes.length, stored: e.length, present: true, compressed: e.compressed, pack: at.pack, offset }
        written.push([c.id, { pack: at.pack, offset, stored: e.length, fresh: true }])
        offset += e.length
        writtenBytes += e.length
        return { type: 'put', key: c.id, value: encodeEntry(entry) }
      })
      await this.index.batch(ops)
      for (const [id, loc] of written) this.locations.set(id, loc)
      for (const o of ops) if (o.type === 'put') this.written.set(o.key, o.value)
      return { written: fresh.length, writtenBytes }
    })
  }

  /** The chunks of `chunks` the index does not list as present, each ID once. */
  private async absent (chunks: VerifiedChunk[]): Promise<VerifiedChunk[]> {
    const entries = await this.values(chunks.map(c => c.id))
    const seen = new Set<string>()
    return chunks.filter((c, i) => {
      const v = entries[i]
      if (seen.has(c.id) || (v !== undefined && decodeEntry(v).present)) return false
      seen.add(c.id)
      return true
    })
  }

  private encode (c: VerifiedChunk): { parts: Uint8Array[], length: number, compressed: boolean } {
    if (c.encoded !== undefined) {
      const { header, payload } = c.encoded
      if (header.length !== HEADER_BYTES) throw new InvalidInputError('encoded', `encoded form of ${c.id} has a header of ${header.length} bytes, not ${HEADER_BYTES}`)
      return { parts: [header, payload], length: HEADER_BYTES + payload.length, compressed: header[3] !== 0 }
    }
    const { header, payload, compressed } = encodeChunkParts(c.bytes, this.codec, this.minSaving)
    return { parts: [header, payload], length: header.length + payload.length, compressed }
  }

  /** Index values of `ids` (undefined where absent); a single `get` for one ID, which LevelDB serves much faster. */
  private async values (ids: string[]): Promise<Array<Uint8Array | undefined>> {
    if (ids.length === 1) return [await this.index.get(ids[0]!)]
    return await this.index.getMany(ids)
  }

  /** Make every chunk written so far durable (fdatasync of the packs appended to since the last sync). */
  async sync (): Promise<void> {
    try {
      await this.packs.sync()
    } catch (err) {
      throw diskFullOr(err, 'chunk packs')
    }
  }

  private async dropCorrupt (id: string, seen: IndexEntry, why: string): Promise<void> {
    this.log.warn('dropping corrupt chunk', { id, why })
    this.dropped++
    this.locations.delete(id)
    await this.lock.run(async () => {
      const e = await this.entry(id)
      // only when it still points where the bad bytes were read (compaction or a re-put may have moved it)
      if (e !== undefined && e.pack === seen.pack && e.offset === seen.offset) {
        await this.changeIndex([{ type: 'put', key: id, value: encodeEntry(absentEntry(e.refs)) }])
      }
    })
  }

  /**
   * Index ops that add `delta` to the reference count of each distinct ID (absent IDs get an entry with present
   * false; with `presentFor`, an absent ID throws ERR_CHUNK_NOT_FOUND instead). Call inside `lock.run` and commit
   * them in the same batch as the manifest change they belong to.
   */
  async refOps (ids: Iterable<string>, delta: 1 | -1, opts: { presentFor?: string } = {}): Promise<IndexBatchOp[]> {
    const unique = [...new Set(ids)]
    // entries this store wrote since the index last changed otherwise are known; only the rest are read
    const values: Array<Uint8Array | undefined> = unique.map(id => this.written.get(id))
    const unknown: number[] = []
    values.forEach((v, i) => { if (v === undefined) unknown.push(i) })
    if (unknown.length > 0) {
      const read = await this.index.getMany(unknown.map(i => unique[i]!))
      unknown.forEach((i, k) => { values[i] = read[k] })
    }
    // the caller commits these ops (or drops them): either way what was known may no longer be current
    this.written.clear()
    const ops: IndexBatchOp[] = []
    unique.forEach((id, i) => {
      const v = values[i]
      // with presentFor (an image's name), every chunk must be stored: checked in the lookup the counts need anyway
      if (opts.presentFor !== undefined && (v === undefined || !entryPresent(v))) throw new ChunkNotFoundError(`chunk ${id} of ${opts.presentFor} is not in the store`)
      ops.push({ type: 'put', key: id, value: v === undefined ? encodeEntry(absentEntry(Math.max(0, delta))) : withRefsAdded(v, delta) })
    })
    return ops
  }

  /** Apply index ops (from `refOps`) together with other writes in one LevelDB batch. */
  async commit (ops: IndexBatchOp[]): Promise<void> {
    await this.changeIndex(ops)
  }

  /**
   * Every change of the index other than this store's chunk writes (putHashed) goes through here: what those writes
   * remembered (`written`) is forgotten first, as it may no longer be current.
   */
  private async changeIndex (ops: IndexBatchOp[]): Promise<void> {
    this.written.clear()
    await this.index.batch(ops)
  }

  /**
   * Keep these chunks from garbage collection while, e.g., a pull is in progress. Returns the release function. The
   * list is kept (copied) and looked at only by a collection: counting each ID into a map and out again took ~20 + 10
   * ms of a 1 GiB pull's 38,000 IDs, at its start and at its end.
   */
  pin (ids: readonly string[]): () => void {
    const list = ids.slice()
    this.pinLists.add(list)
    this.pinListsAdded++
    return () => { this.pinLists.delete(list) }
  }

  /** Keep every ID in `ids` (which the caller may keep adding to) from garbage collection until released. */
  pinSet (ids: Set<string>): () => void {
    this.pinSets.add(ids)
    return () => { this.pinSets.delete(ids) }
  }

  /**
   * A test for pinned IDs, for one collection: the pinned lists are merged into one set when first needed, and a
   * list pinned while the collection runs is merged at the next test, as the old per-ID count saw it at once.
   */
  private pinnedTest (): (id: string) => boolean {
    const listed = new Set<string>()
    const merged = new Set<readonly string[]>()
    let mergedAt = -1
    return id => {
      if (mergedAt !== this.pinListsAdded) {
        for (const list of this.pinLists) {
          if (merged.has(list)) continue
          merged.add(list)
          for (const x of list) listed.add(x)
        }
        mergedAt = this.pinListsAdded
      }
      if (listed.has(id)) return true
      for (const s of this.pinSets) if (s.has(id)) return true
      return false
    }
  }

  /**
   * Remove every chunk no manifest references (and that is not pinned) from the index, in one batch; then give the
   * space back: packs with no live record are deleted, full packs whose live bytes fell below `compactBelow` have
   * their live records copied to the current pack (verified on the way) and are deleted once the copy is synced.
   */
  async gc (): Promise<GcResult> {
    let removedChunks = 0
    let freedBytes = 0
    const live = new Map<number, number>()
    const scannedSizes = new Map<number, number>()
    await this.lock.run(async () => {
      for (const p of this.packs.list()) scannedSizes.set(p.pack, p.bytes)
      const ops: IndexBatchOp[] = []
      const pinned = this.pinnedTest()
      for await (const [id, v] of this.index.iterator()) {
        const e = decodeEntry(v)
        if (e.refs > 0 || pinned(id)) {
          if (e.present) live.set(e.pack, (live.get(e.pack) ?? 0) + RECORD_PREFIX_BYTES + e.stored)
          continue
        }
        ops.push({ type: 'del', key: id })
        if (e.present) {
          removedChunks++
          freedBytes += e.stored
        }
      }
      if (ops.length > 0) await this.changeIndex(ops)
    })
    const { packsRemoved, reclaimedBytes } = await compactPacks({
      packs: this.packs,
      index: { iterator: () => this.index.iterator(), batch: async ops => { await this.changeIndex(ops) } },
      lock: this.lock,
      live,
      scannedSizes,
      compactBelow: this.compactBelow,
      verify: (id, stored) => { const raw = decodeChunkFile(stored, this.codec); return hash('sha256', raw, 'hex') === id },
      log: this.log
    })
    const result = { removedChunks, freedBytes, packsRemoved, reclaimedBytes }
    if (removedChunks > 0 || packsRemoved > 0) this.log.info('chunk gc', { ...result })
    return result
  }

  async stats (): Promise<ChunkStoreStats> {
    const list = this.packs.list()
    const s: ChunkStoreStats = { chunks: 0, bytes: 0, storedBytes: 0, compressedChunks: 0, packBytes: list.reduce((n, p) => n + p.bytes, 0), packs: list.length }
    for await (const v of this.index.values()) {
      const e = decodeEntry(v)
      if (!e.present) continue
      s.chunks++
      s.bytes += e.size
      s.storedBytes += e.stored
      if (e.compressed) s.compressedChunks++
    }
    return s
  }
}
