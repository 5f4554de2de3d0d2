import { readSync } from 'node:fs'
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDir } from '../../storage/atomic-file.js'
import { Writeback } from '../../storage/writeback.js'
import { writeAt } from '../../storage/write-at.js'
import { packFileName, parsePackFileName, scanPack } from './pack-record.js'
import { Mutex } from './mutex.js'

/** A read of a pack that compaction has removed meanwhile: the caller looks the chunk up again. */
export class PackGoneError extends Error {
  readonly code = 'ERR_PACK_GONE'
  constructor (pack: number) { super(`pack ${pack} was removed`) }
}

/**
 * Appended bytes after which the active pack is fdatasync'ed in the background (storage/writeback.ts): without it
 * the sync before a manifest commit wrote a whole pulled image, ~200 ms of a 1 GiB pull's commit (40 ms with it).
 * `sync()` still fdatasyncs every pack written since the last one.
 */
const WRITEBACK_BYTES = 32 * 1024 * 1024

/** Records of one pack at most this far apart are read with one pread ... */
const COALESCE_GAP_BYTES = 64 * 1024
/** ... of at most this many bytes. */
const COALESCE_MAX_BYTES = 4 * 1024 * 1024

interface ReadHandle {
  fh: Promise<FileHandle>
  /** The handle once open (for readManyOpenSync). */
  opened?: FileHandle
  users: number
  lastUsed: number
  /** Out of the cache: closed by the last read still using it. */
  retired?: boolean
}

type Range = { pack: number, offset: number, length: number }

/** Indexes of `ranges` in groups read with one pread each: same pack, at most COALESCE_* apart and long. */
function coalesce (ranges: Range[]): number[][] {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.pack - ranges[b]!.pack || ranges[a]!.offset - ranges[b]!.offset)
  const groups: number[][] = []
  for (const i of order) {
    const g = groups.at(-1)
    const r = ranges[i]!
    const first = g === undefined ? undefined : ranges[g[0]!]!
    const last = g === undefined ? undefined : ranges[g.at(-1)!]!
    if (g !== undefined && first!.pack === r.pack && r.offset >= last!.offset && r.offset - (last!.offset + last!.length) <= COALESCE_GAP_BYTES && r.offset + r.length - first!.offset <= COALESCE_MAX_BYTES) g.push(i)
    else groups.push([i])
  }
  return groups
}

/** The one range a group of `coalesce` is read as. */
function span (ranges: Range[], group: number[]): Range {
  const first = ranges[group[0]!]!
  return { pack: first.pack, offset: first.offset, length: Math.max(...group.map(i => ranges[i]!.offset + ranges[i]!.length)) - first.offset }
}

/** The records of `group` out of `buf`, the bytes of its span, into `out`. */
function sliceGroup (ranges: Range[], group: number[], buf: Buffer, out: Array<Buffer | undefined>): void {
  const start = ranges[group[0]!]!.offset
  for (const i of group) out[i] = buf.subarray(ranges[i]!.offset - start, ranges[i]!.offset - start + ranges[i]!.length)
}

/** Close a read handle now, or when its last read ends. */
function retire (h: ReadHandle): void {
  h.retired = true
  if (h.users === 0) void h.fh.then(async fh => { await fh.close() }, () => {})
}

export interface PackFilesInit {
  dir: string
  /** A pack is closed for appends once it reaches this size. */
  maxPackBytes: number
  /** fdatasync after every append (durability 'file'). */
  syncEachAppend: boolean
  /** Read handles kept open (idle ones beyond this are closed). @default 64 */
  maxOpenReaders?: number
}

/**
 * The append-only pack files of a chunk store (`<dir>/<n>.pack`): one writer appends whole batches of records
 * with one positional writev, readers pread through cached handles. Appends run one at a time; a failed append
 * truncates what it wrote, so the next one starts where it started.
 */
export class PackFiles {
  private readonly sizes = new Map<number, number>()
  private readonly readers = new Map<number, ReadHandle>()
  private readonly appendLock = new Mutex()
  private active?: { n: number, fh: FileHandle }
  private nextNumber = 1
  private readonly dirty = new Set<number>()
  private created = false
  /** The first append after open continues the newest pack when it has room; later ones never reopen a pack. */
  private resumeNewest = true
  /** Background fdatasync of the active pack; a failure of it makes the next `sync()` fail. */
  private readonly writeback = new Writeback(WRITEBACK_BYTES)

  private constructor (private readonly init: PackFilesInit) {}

  static async open (init: PackFilesInit): Promise<PackFiles> {
    const packs = new PackFiles(init)
    await mkdir(init.dir, { recursive: true })
    for (const name of await readdir(init.dir)) {
      const n = parsePackFileName(name)
      if (n === undefined) continue
      packs.sizes.set(n, (await stat(join(init.dir, name))).size)
      packs.nextNumber = Math.max(packs.nextNumber, n + 1)
    }
    return packs
  }

  /** Every pack and its size in bytes (dead records included). */
  list (): Array<{ pack: number, bytes: number }> {
    return [...this.sizes].map(([pack, bytes]) => ({ pack, bytes })).sort((a, b) => a.pack - b.pack)
  }

  /** The pack appends go to now (undefined before the first append after open or after it was removed). */
  get activePack (): number | undefined {
    return this.active?.n
  }

  path (n: number): string {
    return join(this.init.dir, packFileName(n))
  }

  /**
   * Append `parts` (whole records) as one write; returns the pack and the offset of the first byte. Continues the
   * newest pack after a restart when it ends with a whole record (else a new pack: a torn tail left by a crash stays
   * dead bytes, never indexed), starts a new one when the current one is full.
   */
  async append (parts: Uint8Array[]): Promise<{ pack: number, offset: number }> {
    const length = parts.reduce((n, p) => n + p.length, 0)
    return await this.appendLock.run(async () => {
      const w = await this.writer(length)
      const offset = this.sizes.get(w.n) ?? 0
      try {
        await writeAt(w.fh, parts, offset, length, `pack ${w.n}`)
        if (this.init.syncEachAppend) await w.fh.datasync()
      } catch (err) {
        await w.fh.truncate(offset).catch(() => {})
        throw err
      }
      this.sizes.set(w.n, offset + length)
      if (!this.init.syncEachAppend) {
        this.dirty.add(w.n)
        this.writeback.wrote(w.fh, length)
      }
      return { pack: w.n, offset }
    })
  }

  /** Close the active pack (after a background fdatasync of it ends). Under the append lock. */
  private async closeActive (): Promise<void> {
    await this.writeback.idle()
    await this.active?.fh.close()
    this.active = undefined
  }

  private async writer (length: number): Promise<{ n: number, fh: FileHandle }> {
    if (this.active !== undefined && (this.sizes.get(this.active.n) ?? 0) + length > this.init.maxPackBytes && (this.sizes.get(this.active.n) ?? 0) > 0) {
      await this.closeActive()
    }
    if (this.active === undefined) {
      const newest = Math.max(0, ...this.sizes.keys())
      const resume = this.resumeNewest
      this.resumeNewest = false
      // a record torn by a crash must not run into what is appended next: a pack whose end is not a whole record is
      // left as it is (its tail is dead bytes for compaction; cutting it could cut indexed records behind a damaged one)
      if (resume && newest > 0 && (this.sizes.get(newest) ?? 0) + length <= this.init.maxPackBytes &&
        await endOfWholeRecords(this.path(newest)) === this.sizes.get(newest)) {
        this.active = { n: newest, fh: await open(this.path(newest), 'r+') }
      } else {
        const n = this.nextNumber++
        this.active = { n, fh: await open(this.path(n), 'wx', 0o644) }
        this.sizes.set(n, 0)
        this.created = true
      }
    }
    return this.active
  }

  /** Close the current pack for appends: the next append starts a new pack. */
  async seal (): Promise<void> {
    await this.appendLock.run(async () => {
      this.resumeNewest = false
      if (this.active === undefined) return
      if (this.dirty.has(this.active.n)) {
        await this.active.fh.datasync()
        this.dirty.delete(this.active.n)
      }
      await this.closeActive()
    })
  }

  /** Read `length` bytes at `offset` of pack `n`. PackGoneError when the pack no longer exists. */
  async read (n: number, offset: number, length: number): Promise<Buffer> {
    const size = this.sizes.get(n)
    if (size === undefined) throw new PackGoneError(n)
    if (offset + length > size) throw new Error(`record at ${offset}+${length} lies beyond the end of pack ${n} (${size} bytes)`)
    let h = this.readers.get(n)
    if (h === undefined) {
      const handle: ReadHandle = { fh: open(this.path(n), 'r'), users: 0, lastUsed: 0 }
      handle.fh.then(fh => { handle.opened = fh }, () => {})
      this.readers.set(n, handle)
      h = handle
    }
    h.users++
    h.lastUsed = Date.now()
    this.evictIdle()
    try {
      const buf = Buffer.allocUnsafe(length)
      const { bytesRead } = await (await h.fh).read(buf, 0, length, offset)
      if (bytesRead !== length) throw new Error(`pack ${n} ends before ${offset + length}`)
      return buf
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT' || !this.sizes.has(n)) throw new PackGoneError(n)
      throw err
    } finally {
      if (--h.users === 0 && h.retired === true) retire(h)
    }
  }

  /**
   * Read many ranges; ranges of one pack that lie close together are read with one pread and sliced. An entry is
   * undefined where its read failed (the caller decides what that means).
   */
  async readMany (ranges: Range[]): Promise<Array<Buffer | undefined>> {
    const out: Array<Buffer | undefined> = new Array(ranges.length)
    await Promise.all(coalesce(ranges).map(async g => {
      const all = span(ranges, g)
      const buf = await this.read(all.pack, all.offset, all.length).catch(() => undefined)
      if (buf !== undefined) {
        sliceGroup(ranges, g, buf, out)
        return
      }
      // a group that failed as a whole (one record beyond a cut-off end, say) is read record by record
      for (const i of g) {
        const r = ranges[i]!
        out[i] = await this.read(r.pack, r.offset, r.length).catch(() => undefined)
      }
    }))
    return out
  }

  /**
   * Like readMany, but synchronously, and only through read handles already open: for records written moments ago,
   * which the page cache holds. An async read costs the event loop ~21 µs per 8 KiB record (a request to the thread
   * pool and back), a synchronous one 4.5 µs. Undefined where the handle is not open or the read fails: the caller
   * reads those the async way.
   */
  readManyOpenSync (ranges: Range[]): Array<Buffer | undefined> {
    const out: Array<Buffer | undefined> = new Array(ranges.length)
    for (const g of coalesce(ranges)) {
      const all = span(ranges, g)
      const buf = this.readOpenSync(all.pack, all.offset, all.length)
      if (buf !== undefined) sliceGroup(ranges, g, buf, out)
    }
    return out
  }

  private readOpenSync (n: number, offset: number, length: number): Buffer | undefined {
    const size = this.sizes.get(n)
    const h = this.readers.get(n)
    if (size === undefined || offset + length > size || h?.opened === undefined || h.retired === true) return undefined
    h.lastUsed = Date.now()
    try {
      const buf = Buffer.allocUnsafe(length)
      return readSync(h.opened.fd, buf, 0, length, offset) === length ? buf : undefined
    } catch {
      return undefined
    }
  }

  private evictIdle (): void {
    const max = this.init.maxOpenReaders ?? 64
    if (this.readers.size <= max) return
    const idle = [...this.readers].filter(([, h]) => h.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed)
    for (const [n, h] of idle.slice(0, this.readers.size - max)) {
      this.readers.delete(n)
      retire(h)
    }
  }

  /** Make every append so far durable: fdatasync of each pack written since the last sync, and of the directory. */
  async sync (): Promise<void> {
    await this.appendLock.run(async () => {
      await this.writeback.settle()
      for (const n of [...this.dirty]) {
        if (this.active?.n === n) await this.active.fh.datasync()
        else if (this.sizes.has(n)) {
          const fh = await open(this.path(n), 'r+')
          try { await fh.datasync() } finally { await fh.close() }
        }
        this.dirty.delete(n)
      }
      if (this.created) {
        this.created = false
        await fsyncDir(this.init.dir)
      }
    })
  }

  /** Delete pack `n` (after its live records were copied elsewhere and that copy was synced). */
  async remove (n: number): Promise<void> {
    await this.appendLock.run(async () => {
      if (this.active?.n === n) await this.closeActive()
      this.sizes.delete(n)
      this.dirty.delete(n)
      const h = this.readers.get(n)
      this.readers.delete(n)
      await unlink(this.path(n)).catch(err => { if ((err as { code?: string }).code !== 'ENOENT') throw err })
      // readers in flight keep their descriptor (the inode lives until it is closed)
      if (h !== undefined) retire(h)
      await fsyncDir(this.init.dir)
    })
  }

  async close (): Promise<void> {
    await this.appendLock.run(async () => {
      await this.closeActive()
      for (const h of this.readers.values()) await h.fh.then(async fh => { await fh.close() }, () => {})
      this.readers.clear()
    })
  }
}

/** Offset just past the last complete record of a pack (0 when it has none). */
async function endOfWholeRecords (path: string): Promise<number> {
  let end = 0
  for await (const r of scanPack(path)) end = r.offset + r.length
  return end
}
