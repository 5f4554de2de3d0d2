import { hash } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fsyncDir } from '../../storage/atomic-file.js'
import type { ChunkStoreView } from '../types.js'
import type { Database } from '../../storage/database.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import { InvalidInputError } from '../../errors.js'
import { CHUNKS_DIR, CHUNKS_TMP_DIR, CHUNK_INDEX_SUBLEVEL, DEFAULT_MIN_COMPRESSION_SAVING } from '../constants.js'
import { ChunkCorruptError, ChunkHashMismatchError, ChunkNotFoundError, diskFullOr } from '../errors.js'
import { isZero } from '../chunker/fastcdc.js'
import { MAX_CHUNK_BYTES } from '../chunker/params.js'
import { chunkPath, decodeChunkFile, encodeChunkParts } from './chunk-file.js'
import { decodeEntry, encodeEntry, type IndexEntry } from './chunk-index.js'
import { lz4Napi, type Lz4Codec } from './lz4.js'
import { Mutex } from './mutex.js'

const CHUNK_ID = /^[0-9a-f]{64}$/
const execFileAsync = promisify(execFile)
/** A syncfs of a busy file system can take a while; past this the per-file path is tried. */
const SYNC_TIMEOUT_MS = 120_000
/** File removals in flight during GC. */
const UNLINK_CONCURRENCY = 32

async function forEachLimited<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
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
   * `file`: fsync every chunk file before it is renamed into place. `commit` (default): write + rename only (a
   * process crash cannot tear a renamed file), and make everything durable at once with `sync()` (syncfs of the
   * chunk file system) before a manifest that references the chunks is committed: one flush per image instead of
   * one per chunk, which would cap a transfer at the disk's fsync rate.
   */
  durability?: 'file' | 'commit'
}

export interface ChunkStoreStats {
  chunks: number
  /** Uncompressed bytes of the stored chunks. */
  bytes: number
  /** Bytes their files take (payload + header). */
  storedBytes: number
  compressedChunks: number
}

export interface GcResult {
  removedChunks: number
  freedBytes: number
  /** Chunk files found with no index entry (left by a crash) and removed. */
  orphanFiles: number
}

export type IndexBatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

/**
 * Content-addressed chunk store: one file per chunk under `<dataDir>/chunks/ab/cdef…`, lz4 where that saves space,
 * never a zero chunk; a LevelDB index (sublevel `chunks`) with a reference count per chunk.
 *
 * Crash safety: a chunk is written to `chunks/tmp/`, then renamed to its ID's path, so after a kill -9 a file under its
 * ID holds complete bytes; durability against power loss comes from `sync()` (or per-file fsync, see `durability`)
 * before a manifest commit, and `get` verifies SHA-256 on every read anyway and drops a chunk that fails.
 */
export class ChunkStore implements ChunkStoreView {
  readonly dir: string
  private readonly tmpDir: string
  private readonly index
  /** The LevelDB sublevel of the index, for batches that span it and another sublevel. */
  readonly indexSublevel
  private readonly log: Logger
  private readonly codec: Lz4Codec
  private readonly minSaving: number
  private readonly fsyncEach: boolean
  /** Chunk files renamed into place since the last `sync()`. */
  private unsynced = new Set<string>()
  /** Serialises read-modify-write of index entries (refcounts, presence). */
  readonly lock = new Mutex()
  private readonly pins = new Map<string, number>()
  private readonly pinSets = new Set<Set<string>>()
  private tmpSeq = 0

  private constructor (init: ChunkStoreInit) {
    this.dir = join(init.dataDir, CHUNKS_DIR)
    this.tmpDir = join(this.dir, CHUNKS_TMP_DIR)
    this.index = init.db.sublevel<string, Uint8Array>(CHUNK_INDEX_SUBLEVEL, { valueEncoding: 'view' })
    this.indexSublevel = this.index
    this.log = init.logger ?? silentLogger
    this.codec = init.codec ?? lz4Napi
    this.minSaving = init.minSaving ?? DEFAULT_MIN_COMPRESSION_SAVING
    this.fsyncEach = init.durability === 'file'
  }

  /** Open the store; removes temp files left by writes that a crash interrupted. */
  static async open (init: ChunkStoreInit): Promise<ChunkStore> {
    const store = new ChunkStore(init)
    await rm(store.tmpDir, { recursive: true, force: true })
    await mkdir(store.tmpDir, { recursive: true })
    // the 256 fan-out directories exist from the start: no mkdir per chunk write
    await Promise.all(Array.from({ length: 256 }, async (_, i) => { await mkdir(join(store.dir, i.toString(16).padStart(2, '0')), { recursive: true }) }))
    return store
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
    if (!CHUNK_ID.test(id)) throw new InvalidInputError('id', `"${id}" is not a chunk ID (64 lowercase hex digits)`)
    const e = await this.entry(id)
    if (e?.present !== true) throw new ChunkNotFoundError(`chunk ${id} is not in the store`)
    let raw: Uint8Array
    try {
      raw = decodeChunkFile(await readFile(chunkPath(this.dir, id)), this.codec)
    } catch (err) {
      await this.dropCorrupt(id, (err as Error).message)
      throw new ChunkCorruptError(`chunk ${id} is unreadable (${(err as Error).message}); it was removed`)
    }
    if (raw.length !== e.size || hash('sha256', raw, 'hex') !== id) {
      await this.dropCorrupt(id, 'hash mismatch')
      throw new ChunkCorruptError(`chunk ${id} does not match its ID; it was removed`)
    }
    return raw
  }

  /**
   * The chunk as stored (8-byte header + raw or lz4 payload; see chunk-file.ts), unverified: for sending a chunk
   * compressed. The receiver hands it to `putEncoded`, which verifies. ERR_CHUNK_NOT_FOUND when absent.
   */
  async getEncoded (id: string): Promise<Uint8Array> {
    if (!CHUNK_ID.test(id)) throw new InvalidInputError('id', `"${id}" is not a chunk ID (64 lowercase hex digits)`)
    const e = await this.entry(id)
    if (e?.present !== true) throw new ChunkNotFoundError(`chunk ${id} is not in the store`)
    try {
      return await readFile(chunkPath(this.dir, id))
    } catch (err) {
      await this.dropCorrupt(id, (err as Error).message)
      throw new ChunkCorruptError(`chunk ${id} is unreadable (${(err as Error).message}); it was removed`)
    }
  }

  /** Store a chunk received in its stored form (from `getEncoded`): decoded, verified against `id`, then stored. */
  async putEncoded (id: string, encoded: Uint8Array): Promise<void> {
    if (encoded.length > MAX_CHUNK_BYTES + 64 * 1024) throw new InvalidInputError('bytes', 'encoded chunk is too large')
    let raw: Uint8Array
    try {
      raw = decodeChunkFile(encoded, this.codec)
    } catch (err) {
      throw new ChunkHashMismatchError(`encoded chunk offered as ${id} does not decode: ${(err as Error).message}`)
    }
    await this.put(id, raw)
  }

  /** Store bytes offered under `id` after checking sha256(bytes) === id. Idempotent; zero chunks are not stored. */
  async put (id: string, bytes: Uint8Array): Promise<void> {
    if (!CHUNK_ID.test(id)) throw new InvalidInputError('id', `"${id}" is not a chunk ID (64 lowercase hex digits)`)
    if (bytes.length === 0 || bytes.length > MAX_CHUNK_BYTES) throw new InvalidInputError('bytes', `a chunk must hold 1..${MAX_CHUNK_BYTES} bytes`)
    if (hash('sha256', bytes, 'hex') !== id) throw new ChunkHashMismatchError(`bytes do not hash to ${id}`)
    if (isZero(bytes, 0, bytes.length)) return
    await this.putHashed([{ id, bytes }])
  }

  /**
   * Store chunks whose IDs the caller computed from these very bytes (the importer): files first (in parallel),
   * then one index batch. Already-present chunks are skipped.
   */
  async putHashed (chunks: Array<{ id: string, bytes: Uint8Array }>): Promise<{ written: number, writtenBytes: number }> {
    const fresh: Array<{ id: string, bytes: Uint8Array }> = []
    const seen = new Set<string>()
    const entries = await this.values(chunks.map(c => c.id))
    chunks.forEach((c, i) => {
      const v = entries[i]
      if (seen.has(c.id) || (v !== undefined && decodeEntry(v).present)) return
      seen.add(c.id)
      fresh.push(c)
    })
    if (fresh.length === 0) return { written: 0, writtenBytes: 0 }
    const written = await Promise.all(fresh.map(async c => await this.writeFile(c.id, c.bytes)))
    await this.lock.run(async () => {
      const now = await this.values(fresh.map(c => c.id))
      const ops: IndexBatchOp[] = fresh.map((c, i) => {
        const old = now[i] === undefined ? undefined : decodeEntry(now[i])
        const w = written[i]!
        return { type: 'put', key: c.id, value: encodeEntry({ refs: old?.refs ?? 0, size: c.bytes.length, stored: w.stored, present: true, compressed: w.compressed }) }
      })
      await this.index.batch(ops)
    })
    return { written: fresh.length, writtenBytes: written.reduce((n, w) => n + w.stored, 0) }
  }

  /** Index values of `ids` (undefined where absent); a single `get` for one ID, which LevelDB serves much faster. */
  private async values (ids: string[]): Promise<Array<Uint8Array | undefined>> {
    if (ids.length === 1) return [await this.index.get(ids[0]!)]
    return await this.index.getMany(ids)
  }

  private async writeFile (id: string, bytes: Uint8Array): Promise<{ stored: number, compressed: boolean }> {
    const { header, payload, compressed } = encodeChunkParts(bytes, this.codec, this.minSaving)
    const tmp = join(this.tmpDir, `${id}.${process.pid}.${this.tmpSeq++}`)
    const dest = chunkPath(this.dir, id)
    try {
      const fh = await open(tmp, 'wx', 0o644)
      try {
        const { bytesWritten } = await fh.writev([header, payload])
        // a short write to a regular file means the file system filled up
        if (bytesWritten !== header.length + payload.length) throw Object.assign(new Error(`short write of chunk ${id}`), { code: 'ENOSPC' })
        if (this.fsyncEach) await fh.datasync()
      } finally {
        await fh.close()
      }
      await rename(tmp, dest)
      if (!this.fsyncEach) this.unsynced.add(id)
    } catch (err) {
      await unlink(tmp).catch(() => {})
      throw diskFullOr(err, `chunk ${id}`)
    }
    return { stored: header.length + payload.length, compressed }
  }

  /**
   * Make every chunk written so far durable: `sync -f` (syncfs) on the chunk directory's file system, or, where that
   * fails, an fsync of each file written since the last sync. Then the directories.
   */
  async sync (): Promise<void> {
    if (this.unsynced.size === 0) return
    const ids = this.unsynced
    this.unsynced = new Set()
    try {
      await execFileAsync('sync', ['-f', this.dir], { timeout: SYNC_TIMEOUT_MS })
      return
    } catch (err) {
      this.log.debug('sync -f failed; fsyncing chunk files one by one', { err: (err as Error).message })
    }
    try {
      for (const id of ids) {
        const fh = await open(chunkPath(this.dir, id), 'r').catch(() => undefined)
        if (fh === undefined) continue
        try { await fh.datasync() } finally { await fh.close() }
      }
      for (const sub of new Set([...ids].map(id => id.slice(0, 2)))) await fsyncDir(join(this.dir, sub))
    } catch (err) {
      for (const id of ids) this.unsynced.add(id)
      throw diskFullOr(err, 'chunk files')
    }
  }

  private async dropCorrupt (id: string, why: string): Promise<void> {
    this.log.warn('dropping corrupt chunk', { id, why })
    await unlink(chunkPath(this.dir, id)).catch(() => {})
    await this.lock.run(async () => {
      const e = await this.entry(id)
      if (e !== undefined) await this.index.put(id, encodeEntry({ ...e, present: false, stored: 0 }))
    })
  }

  /**
   * Index ops that add `delta` to the reference count of each distinct ID (absent IDs get an entry with present
   * false). Call inside `lock.run` and commit them in the same batch as the manifest change they belong to.
   */
  async refOps (ids: Iterable<string>, delta: 1 | -1): Promise<IndexBatchOp[]> {
    const unique = [...new Set(ids)]
    const values = await this.index.getMany(unique)
    const ops: IndexBatchOp[] = []
    unique.forEach((id, i) => {
      const v = values[i]
      const e: IndexEntry = v === undefined ? { refs: 0, size: 0, stored: 0, present: false, compressed: false } : decodeEntry(v)
      e.refs = Math.max(0, e.refs + delta)
      ops.push({ type: 'put', key: id, value: encodeEntry(e) })
    })
    return ops
  }

  /** Apply index ops (from `refOps`) together with other writes in one LevelDB batch. */
  async commit (ops: IndexBatchOp[]): Promise<void> {
    await this.index.batch(ops)
  }

  /** Keep these chunks from garbage collection while, e.g., a pull is in progress. Returns the release function. */
  pin (ids: Iterable<string>): () => void {
    const list = [...new Set(ids)]
    for (const id of list) this.pins.set(id, (this.pins.get(id) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      for (const id of list) {
        const n = (this.pins.get(id) ?? 1) - 1
        if (n <= 0) this.pins.delete(id)
        else this.pins.set(id, n)
      }
    }
  }

  /** Keep every ID in `ids` (which the caller may keep adding to) from garbage collection until released. */
  pinSet (ids: Set<string>): () => void {
    this.pinSets.add(ids)
    return () => { this.pinSets.delete(ids) }
  }

  private pinned (id: string): boolean {
    if (this.pins.has(id)) return true
    for (const s of this.pinSets) if (s.has(id)) return true
    return false
  }

  /**
   * Remove every chunk no manifest references (and that is not pinned): index entries first, in one batch, then
   * files. Also removes chunk files that have no index entry and are older than `orphanAgeMs` (left by a crash
   * between rename and index write).
   */
  async gc ({ orphanAgeMs = 60_000 }: { orphanAgeMs?: number } = {}): Promise<GcResult> {
    const started = Date.now()
    const victims: Array<{ id: string, stored: number }> = []
    await this.lock.run(async () => {
      const ops: IndexBatchOp[] = []
      for await (const [id, v] of this.index.iterator()) {
        const e = decodeEntry(v)
        if (e.refs > 0 || this.pinned(id)) continue
        ops.push({ type: 'del', key: id })
        if (e.present) victims.push({ id, stored: e.stored })
      }
      if (ops.length > 0) await this.index.batch(ops)
    })
    await forEachLimited(victims, UNLINK_CONCURRENCY, async v => { await unlink(chunkPath(this.dir, v.id)).catch(() => {}) })
    const orphanFiles = await this.sweepOrphans(started - orphanAgeMs)
    const result = { removedChunks: victims.length, freedBytes: victims.reduce((n, v) => n + v.stored, 0), orphanFiles }
    if (result.removedChunks > 0 || orphanFiles > 0) this.log.info('chunk gc', { ...result })
    return result
  }

  private async sweepOrphans (olderThan: number): Promise<number> {
    let removed = 0
    for (const sub of await readdir(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue
      const names = await readdir(join(this.dir, sub))
      const ids = names.map(n => sub + n).filter(id => CHUNK_ID.test(id))
      const values = await this.index.getMany(ids)
      for (let i = 0; i < ids.length; i++) {
        const v = values[i]
        if (v !== undefined && decodeEntry(v).present) continue
        const path = chunkPath(this.dir, ids[i]!)
        const st = await stat(path).catch(() => undefined)
        if (st === undefined || st.mtimeMs > olderThan) continue
        await unlink(path).catch(() => {})
        removed++
      }
    }
    return removed
  }

  async stats (): Promise<ChunkStoreStats> {
    const s: ChunkStoreStats = { chunks: 0, bytes: 0, storedBytes: 0, compressedChunks: 0 }
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
