import { open } from 'node:fs/promises'
import type { ChunkRef } from '../types.js'
import { Chunker } from '../chunker/chunker.js'
import type { ChunkingParams } from '../chunker/params.js'
import type { ChunkStore } from '../store/chunk-store.js'
import { DEFAULT_READ_BYTES, DEFAULT_WRITE_BATCH, MAX_IMAGE_BYTES } from '../constants.js'
import { ImageSourceError } from '../errors.js'

/** Write batches (of `writeBatch` chunks each) in flight at once. */
const MAX_INFLIGHT_BATCHES = 4

export interface ImportProgress {
  phase: 'convert' | 'chunk'
  doneBytes: number
  totalBytes: number
}

export interface ChunkedDisk {
  chunks: ChunkRef[]
  size: number
  /** Chunks this import wrote to the store (the rest were already there, or zero). */
  newChunks: number
  /** Bytes those new chunk files take on disk. */
  newStoredBytes: number
}

/** Read a raw disk file, cut it with FastCDC, and store every non-zero chunk. Returns the ordered chunk list. */
export async function chunkIntoStore (path: string, store: ChunkStore, params: ChunkingParams, opts: {
  onProgress?: (p: ImportProgress) => void
  readBytes?: number
  writeBatch?: number
  /** Every non-zero chunk ID is added here before it is stored (the caller pins the set against GC). */
  pinned?: Set<string>
} = {}): Promise<ChunkedDisk> {
  const { onProgress, readBytes = DEFAULT_READ_BYTES, writeBatch = DEFAULT_WRITE_BATCH } = opts
  const fh = await open(path, 'r')
  const chunker = new Chunker(params)
  const refs: ChunkRef[] = []
  let pending: Array<{ id: string, bytes: Uint8Array }> = []
  let newChunks = 0
  let newStoredBytes = 0
  const queued = opts.pinned ?? new Set<string>()
  // batches of chunk writes in flight while the next bytes are read and cut (I/O overlaps hashing)
  const inflight: Array<Promise<void>> = []
  const settleAll = async (): Promise<void> => {
    const results = await Promise.allSettled(inflight.splice(0))
    const failed = results.find(r => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    const p = store.putHashed(batch).then(r => {
      newChunks += r.written
      newStoredBytes += r.writtenBytes
    })
    p.catch(() => {}) // observed by settleAll
    inflight.push(p)
    if (inflight.length >= MAX_INFLIGHT_BATCHES) {
      try {
        await inflight.shift()
      } catch (err) {
        await settleAll().catch(() => {})
        throw err
      }
    }
  }
  const take = async (chunks: ReturnType<Chunker['push']>): Promise<void> => {
    for (const c of chunks) {
      refs.push(c.zero ? { id: c.id, size: c.size, zero: true } : { id: c.id, size: c.size })
      // a chunk already queued by this import (repeated content) is written once
      if (c.zero || queued.has(c.id)) continue
      queued.add(c.id)
      pending.push({ id: c.id, bytes: c.bytes })
      if (pending.length >= writeBatch) await flush()
    }
  }
  try {
    const totalBytes = (await fh.stat()).size
    if (totalBytes > MAX_IMAGE_BYTES) throw new ImageSourceError('file', `${path} is larger than ${MAX_IMAGE_BYTES} bytes`)
    let done = 0
    while (true) {
      // a fresh buffer per read: chunks are views into it until they are written
      const buf = Buffer.allocUnsafe(readBytes)
      const { bytesRead } = await fh.read(buf, 0, readBytes, done)
      if (bytesRead === 0) break
      done += bytesRead
      await take(chunker.push(buf.subarray(0, bytesRead)))
      onProgress?.({ phase: 'chunk', doneBytes: done, totalBytes })
    }
    await take(chunker.finish())
    await flush()
    await settleAll()
    return { chunks: refs, size: done, newChunks, newStoredBytes }
  } finally {
    await Promise.allSettled(inflight)
    await fh.close()
  }
}
