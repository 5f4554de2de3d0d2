import { open, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ChunkRef, ChunkStoreView, Manifest } from './types.js'
import { fsyncDir } from '../storage/atomic-file.js'
import { Writeback } from '../storage/writeback.js'
import { diskFullOr } from './errors.js'

/** Manifest entries read (one batched, verified store read) and written per step; the next window is read meanwhile. */
const WINDOW_ENTRIES = 512
/**
 * Disk bytes written (holes included) after which the file is fdatasync'ed in the background (storage/writeback.ts),
 * so the final fsync has little left: a 1 GiB realistic disk (700 MB of data) took 1.94–2.12 s to write without it,
 * 1.51–1.82 s with it (three runs each, one process).
 */
const WRITEBACK_BYTES = 64 * 1024 * 1024

export interface MaterialiseProgress {
  doneBytes: number
  totalBytes: number
}

/**
 * Write the image's bytes to `destPath`, crash-safe: a temp file beside it (zero chunks left as holes, so the file
 * is sparse), fsync, rename over `destPath`, fsync the directory. Every chunk is verified by the store on read.
 * Runs of consecutive chunks leave in one positional writev. On any failure the temp file is removed and
 * `destPath` is untouched.
 */
export async function writeDisk (manifest: Manifest, store: ChunkStoreView, destPath: string, onProgress?: (p: MaterialiseProgress) => void): Promise<number> {
  const dir = dirname(destPath)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(destPath)}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', 0o644)
  const writeback = new Writeback(WRITEBACK_BYTES)
  try {
    try {
      const chunks = manifest.chunks
      const read = async (from: number): Promise<Uint8Array[]> => {
        const ids = chunks.slice(from, from + WINDOW_ENTRIES).filter(c => c.zero !== true).map(c => c.id)
        return store.getMany !== undefined ? await store.getMany(ids) : await Promise.all(ids.map(async id => await store.get(id)))
      }
      let offset = 0
      let next: Promise<Uint8Array[]> | undefined = read(0)
      for (let from = 0; from < chunks.length; from += WINDOW_ENTRIES) {
        const bytes: Uint8Array[] = await next!
        next = from + WINDOW_ENTRIES < chunks.length ? read(from + WINDOW_ENTRIES) : undefined
        next?.catch(() => {}) // awaited in the next round; a failure there is thrown then
        const at = offset
        offset = await writeWindow(fh, chunks.slice(from, from + WINDOW_ENTRIES), bytes, offset)
        writeback.wrote(fh, offset - at)
        onProgress?.({ doneBytes: offset, totalBytes: manifest.size })
      }
      await writeback.settle()
      await fh.truncate(manifest.size)
      await fh.sync()
    } finally {
      await writeback.idle()
      await fh.close()
    }
    await rename(tmp, destPath)
    await fsyncDir(dir)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw diskFullOr(err, destPath)
  }
  return manifest.size
}

/** Write one window of entries starting at disk offset `offset` (zero chunks skipped); returns the offset after it. */
async function writeWindow (fh: FileHandle, entries: ChunkRef[], bytes: Uint8Array[], offset: number): Promise<number> {
  let run: Uint8Array[] = []
  let runAt = offset
  let runBytes = 0
  const flush = async (): Promise<void> => {
    if (run.length === 0) return
    const { bytesWritten } = await fh.writev(run, runAt)
    // a short write to a regular file means the file system filled up
    if (bytesWritten !== runBytes) throw Object.assign(new Error(`short write at offset ${runAt}`), { code: 'ENOSPC' })
    run = []
    runBytes = 0
  }
  let k = 0
  for (const c of entries) {
    if (c.zero === true) {
      await flush()
    } else {
      const b = bytes[k++]!
      if (b.length !== c.size) throw new Error(`chunk ${c.id} has ${b.length} bytes, manifest says ${c.size}`)
      if (run.length === 0) runAt = offset
      run.push(b)
      runBytes += b.length
    }
    offset += c.size
  }
  await flush()
  return offset
}
