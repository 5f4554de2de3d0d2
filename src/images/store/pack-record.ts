import { open } from 'node:fs/promises'

/**
 * One record of a pack file (spec: protocols/chunk-format.md, "Pack files"):
 *   0..3    "NCPK" magic
 *   4..35   the chunk ID (SHA-256 of the uncompressed bytes)
 *   36..39  u32 LE length of the stored chunk that follows
 *   40..    the stored chunk: chunk-file.ts form (8-byte header, then raw or lz4 payload)
 * The index points at the stored chunk (offset 40 of its record). The prefix lets a scan of a pack find every
 * record without the index (recovery, tests).
 */
export const RECORD_PREFIX_BYTES = 40
const MAGIC = [0x4e, 0x43, 0x50, 0x4b]

export function recordPrefix (id: string, storedLength: number): Uint8Array {
  // a Buffer from the pool, written in place (see encodeEntry in chunk-index.ts)
  const out = Buffer.allocUnsafe(RECORD_PREFIX_BYTES)
  out.set(MAGIC, 0)
  if (out.write(id, 4, 'hex') !== 32) throw new Error(`not a chunk ID: ${id}`)
  out.writeUInt32LE(storedLength, 36)
  return out
}

/** Pack files are `<n>.pack`, n zero-padded decimal from 1; a new pack takes the number after the highest present. */
export function packFileName (n: number): string {
  return `${n.toString().padStart(8, '0')}.pack`
}

export function parsePackFileName (name: string): number | undefined {
  const m = /^(\d{8})\.pack$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

export interface ScannedRecord {
  id: string
  /** Offset of the stored chunk (after the record prefix). */
  offset: number
  length: number
}

/**
 * Every well-formed record of a pack file, in order; stops at the first malformed or truncated one (the tail a
 * crash left mid-write).
 */
export async function * scanPack (path: string): AsyncGenerator<ScannedRecord> {
  const fh = await open(path, 'r')
  try {
    const size = (await fh.stat()).size
    const prefix = Buffer.alloc(RECORD_PREFIX_BYTES)
    let pos = 0
    while (pos + RECORD_PREFIX_BYTES <= size) {
      const { bytesRead } = await fh.read(prefix, 0, RECORD_PREFIX_BYTES, pos)
      if (bytesRead !== RECORD_PREFIX_BYTES || MAGIC.some((b, i) => prefix[i] !== b)) return
      const length = prefix.readUInt32LE(36)
      if (pos + RECORD_PREFIX_BYTES + length > size) return
      yield { id: prefix.subarray(4, 36).toString('hex'), offset: pos + RECORD_PREFIX_BYTES, length }
      pos += RECORD_PREFIX_BYTES + length
    }
  } finally {
    await fh.close()
  }
}
