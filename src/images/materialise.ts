import { open, rename, unlink, mkdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ChunkStoreView, Manifest } from './types.js'
import { fsyncDir } from '../storage/atomic-file.js'
import { diskFullOr } from './errors.js'

/** Chunks read from the store at once while a disk is written. */
const READ_AHEAD = 8

export interface MaterialiseProgress {
  doneBytes: number
  totalBytes: number
}

/**
 * Write the image's bytes to `destPath`, crash-safe: a temp file beside it (zero chunks left as holes, so the file
 * is sparse), fsync, rename over `destPath`, fsync the directory. Every chunk is verified by the store's `get`.
 * On any failure the temp file is removed and `destPath` is untouched.
 */
export async function writeDisk (manifest: Manifest, store: ChunkStoreView, destPath: string, onProgress?: (p: MaterialiseProgress) => void): Promise<number> {
  const dir = dirname(destPath)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(destPath)}.${randomBytes(6).toString('hex')}.tmp`)
  const offsets: number[] = []
  let off = 0
  for (const c of manifest.chunks) { offsets.push(off); off += c.size }
  const fh = await open(tmp, 'wx', 0o644)
  try {
    try {
      let done = 0
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < manifest.chunks.length) {
          const i = next++
          const c = manifest.chunks[i]!
          if (c.zero !== true) {
            const bytes = await store.get(c.id)
            if (bytes.length !== c.size) throw new Error(`chunk ${c.id} has ${bytes.length} bytes, manifest says ${c.size}`)
            const { bytesWritten } = await fh.write(bytes, 0, bytes.length, offsets[i])
            // a short write to a regular file means the file system filled up
            if (bytesWritten !== bytes.length) throw Object.assign(new Error(`short write at offset ${offsets[i]}`), { code: 'ENOSPC' })
          }
          done += c.size
          onProgress?.({ doneBytes: done, totalBytes: manifest.size })
        }
      }
      // every worker stops at its next chunk once one fails; wait for all of them before closing the file
      const results = await Promise.allSettled(Array.from({ length: READ_AHEAD }, async () => {
        try {
          await worker()
        } catch (err) {
          next = manifest.chunks.length
          throw err
        }
      }))
      const failed = results.find(r => r.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      await fh.truncate(manifest.size)
      await fh.sync()
    } finally {
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
