import { open, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ChunkStoreView, Manifest } from './types.js'
import { fsyncDir } from '../storage/atomic-file.js'
import { Writeback } from '../storage/writeback.js'
import { writeAt } from '../storage/write-at.js'
import { diskFullOr } from './errors.js'
import { InvalidInputError } from '../errors.js'

/** Manifest entries read (one batched, verified store read) and written per step; the next window is read meanwhile. */
const WINDOW_ENTRIES = 512
/**
 * Disk bytes written (holes included) after which the file is fdatasync'ed in the background (storage/writeback.ts),
 * so the final fsync has little left: a 1 GiB realistic disk (700 MB of data) took 1.94–2.12 s to write without it,
 * 1.51–1.82 s with it (three runs each, one process).
 */
const WRITEBACK_BYTES = 64 * 1024 * 1024
/** Most buffers in one positional writev (Linux's IOV_MAX). */
const MAX_IOV = 1024
/**
 * Positional writes kept in flight at once. Chunks that arrive during a pull lie all over the disk (a
 * repeated chunk at hundreds of places), so a batch can be thousands of writes: one batch of a 1 GiB pull, 704
 * chunks, took 2,914. 45,000 writes of 8 KiB at random places in a new file cost ~42 µs of CPU each one at a time,
 * ~12 µs 64 at a time.
 */
const PLACE_CONCURRENCY = 64

export interface MaterialiseProgress {
  doneBytes: number
  totalBytes: number
}

/** A verified chunk and the manifest entries (indexes in manifest.chunks) where it occurs. */
export interface PlacedChunk {
  entries: readonly number[]
  bytes: Uint8Array
}

/** Names of the temp files beside a destination (`.NAME.<12 hex>.tmp`). */
export const TEMP_FILE_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/

interface Run { at: number, parts: Uint8Array[], bytes: number }

/** Consecutive ranges merged into runs, each written with one positional writev. `items` must be sorted by `at`. */
function runsOf (items: ReadonlyArray<{ at: number, bytes: Uint8Array }>): Run[] {
  const runs: Run[] = []
  let run: Run | undefined
  for (const { at, bytes } of items) {
    if (run === undefined || run.at + run.bytes !== at || run.parts.length >= MAX_IOV) {
      run = { at, parts: [], bytes: 0 }
      runs.push(run)
    }
    run.parts.push(bytes)
    run.bytes += bytes.length
  }
  return runs
}

/**
 * Writes an image to a disk file, crash-safe: a temp file beside `destPath` (zero chunks left as holes, so the file
 * is sparse), fsync, rename over `destPath`, fsync of the directory. On any failure the temp file is removed and
 * `destPath` is untouched.
 *
 * During a pull the file is written while the image arrives: `place` writes chunks as the pull verifies them, at
 * every entry that holds them, and `prefill` copies meanwhile what the store held when the pull began. `finish`
 * writes whatever is still missing (chunks stored before the writer was attached) from the store, which verifies
 * each chunk it reads.
 */
export class DiskFileWriter {
  /** Where each manifest entry starts on the disk. */
  private readonly offsets: Float64Array
  /** 1 where the entry is written (or is a zero chunk: a hole). */
  private readonly written: Uint8Array
  private readonly writeback = new Writeback(WRITEBACK_BYTES)
  /** The first failure of a `place`, thrown by `finish`. */
  private failed?: unknown
  private ended = false
  private prefilling?: Promise<void>

  private constructor (readonly manifest: Manifest, private readonly fh: FileHandle, readonly tmp: string, readonly destPath: string) {
    const n = manifest.chunks.length
    this.offsets = new Float64Array(n)
    this.written = new Uint8Array(n)
    let at = 0
    manifest.chunks.forEach((c, i) => {
      this.offsets[i] = at
      at += c.size
      if (c.zero === true) this.written[i] = 1
    })
  }

  /**
   * Create the temp file beside `destPath` (its directory too): a path that cannot be written fails here, at once
   * (ERR_BAD_DESTINATION; ERR_DISK_FULL when the disk is full).
   */
  static async open (manifest: Manifest, destPath: string): Promise<DiskFileWriter> {
    const dir = dirname(destPath)
    try {
      await mkdir(dir, { recursive: true })
      const tmp = join(dir, `.${basename(destPath)}.${randomBytes(6).toString('hex')}.tmp`)
      return new DiskFileWriter(manifest, await open(tmp, 'wx', 0o644), tmp, destPath)
    } catch (err) {
      const e = diskFullOr(err, destPath)
      if (e !== err) throw e
      // a directory that is a file, no permission, a read-only file system: the path is at fault, not the pull
      throw new InvalidInputError('out', `cannot write ${destPath}: ${(err as Error).message}`, 'ERR_BAD_DESTINATION')
    }
  }

  /**
   * Write verified chunks at every entry that holds them and is not written yet. It never throws: a failure (the
   * disk full) is kept, later calls do nothing, and `finish` throws it. For a transfer, whose store writes must go
   * on for the other pulls that share it.
   */
  async place (chunks: readonly PlacedChunk[]): Promise<void> {
    if (this.ended || this.failed !== undefined) return
    try {
      const items: Array<{ at: number, bytes: Uint8Array }> = []
      for (const c of chunks) {
        for (const e of c.entries) {
          if (this.written[e] !== 0) continue
          items.push(this.item(e, c.bytes))
          this.written[e] = 1
        }
      }
      await this.writeRuns(runsOf(items.sort((a, b) => a.at - b.at)))
    } catch (err) {
      this.failed ??= err
    }
  }

  /**
   * Write every entry not placed yet (read from `store`, verified), make the file durable and move it to
   * `destPath`. On failure the temp file is removed and the error thrown (ERR_DISK_FULL when the disk filled up).
   */
  async finish (store: ChunkStoreView, onProgress?: (p: MaterialiseProgress) => void): Promise<number> {
    try {
      await this.prefilling
      if (this.failed !== undefined) throw this.failed
      await this.fill(store, undefined, onProgress)
      if (this.failed !== undefined) throw this.failed
      await this.writeback.settle()
      await this.fh.truncate(this.manifest.size)
      await this.fh.sync()
      await this.close()
      await rename(this.tmp, this.destPath)
      await fsyncDir(dirname(this.destPath))
    } catch (err) {
      await this.abort()
      throw diskFullOr(err, this.destPath)
    }
    return this.manifest.size
  }

  /** Give up: close and remove the temp file (`destPath` is untouched). Idempotent. */
  async abort (): Promise<void> {
    this.failed ??= new Error('aborted')
    await this.prefilling
    await this.close()
    await unlink(this.tmp).catch(() => {})
  }

  private async close (): Promise<void> {
    if (this.ended) return
    this.ended = true
    await this.writeback.idle()
    await this.fh.close()
  }

  /**
   * Write `held` (entries whose chunks the store holds: what a pull found there before it began) in the background,
   * while the rest arrives: a new version of an image held is mostly written this way. `finish` waits for it.
   */
  prefill (store: ChunkStoreView, held: readonly number[]): void {
    const mark = new Uint8Array(this.written.length)
    for (const e of held) mark[e] = 1
    const prefilling = this.prefilling ?? Promise.resolve()
    this.prefilling = prefilling.then(async () => { await this.fill(store, entries => entries.filter(e => mark[e] === 1)) })
      .catch((err: unknown) => { this.failed ??= err })
  }

  /**
   * Write unwritten entries a window at a time, the next window's chunks read while this one is written. `pick`
   * chooses which of a window's unwritten entries to write now (all by default); they count as written from then on.
   */
  private async fill (store: ChunkStoreView, pick?: (entries: number[]) => number[], onProgress?: (p: MaterialiseProgress) => void): Promise<void> {
    const { chunks } = this.manifest
    // entries count as written once taken: a `place` meanwhile leaves them alone
    const take = async (from: number): Promise<{ entries: number[], bytes: Uint8Array[] }> => {
      let entries: number[] = []
      for (let e = from; e < Math.min(from + WINDOW_ENTRIES, chunks.length); e++) if (this.written[e] === 0) entries.push(e)
      if (pick !== undefined) entries = pick(entries)
      for (const e of entries) this.written[e] = 1
      if (entries.length === 0) return { entries, bytes: [] }
      const ids = entries.map(e => chunks[e]!.id)
      return { entries, bytes: store.getMany !== undefined ? await store.getMany(ids) : await Promise.all(ids.map(async id => await store.get(id))) }
    }
    let next: Promise<{ entries: number[], bytes: Uint8Array[] }> | undefined = take(0)
    for (let from = 0; from < chunks.length && this.failed === undefined; from += WINDOW_ENTRIES) {
      const { entries, bytes } = await next!
      next = from + WINDOW_ENTRIES < chunks.length ? take(from + WINDOW_ENTRIES) : undefined
      next?.catch(() => {}) // awaited in the next round; a failure there is thrown then
      await this.writeRuns(runsOf(entries.map((e, k) => this.item(e, bytes[k]!))))
      const end = Math.min(from + WINDOW_ENTRIES, chunks.length)
      onProgress?.({ doneBytes: end < chunks.length ? this.offsets[end]! : this.manifest.size, totalBytes: this.manifest.size })
    }
    await next
  }

  /** Where entry `e`'s bytes go; throws when `bytes` is not the size the manifest gives the entry. */
  private item (e: number, bytes: Uint8Array): { at: number, bytes: Uint8Array } {
    const size = this.manifest.chunks[e]?.size
    if (bytes.length !== size) throw new Error(`a chunk of ${bytes.length} bytes offered for entry ${e} of ${this.manifest.name}@${this.manifest.version}, which has ${size ?? 'no'} bytes`)
    return { at: this.offsets[e]!, bytes }
  }

  /** Write `runs`, PLACE_CONCURRENCY at a time, telling the background writeback what was written. */
  private async writeRuns (runs: readonly Run[]): Promise<void> {
    for (let i = 0; i < runs.length; i += PLACE_CONCURRENCY) {
      const group = runs.slice(i, i + PLACE_CONCURRENCY)
      await Promise.all(group.map(async r => { await writeAt(this.fh, r.parts, r.at, r.bytes, this.tmp) }))
      this.writeback.wrote(this.fh, group.reduce((n, r) => n + r.bytes, 0))
    }
  }
}

/**
 * Write the image's bytes to `destPath`, crash-safe (see DiskFileWriter). Every chunk is verified by the store on
 * read; runs of consecutive chunks leave in one positional writev.
 */
export async function writeDisk (manifest: Manifest, store: ChunkStoreView, destPath: string, onProgress?: (p: MaterialiseProgress) => void): Promise<number> {
  const w = await DiskFileWriter.open(manifest, destPath)
  return await w.finish(store, onProgress)
}
