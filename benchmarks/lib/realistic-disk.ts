/**
 * A deterministic "realistic VM disk" for benchmarks and tests.
 *
 * Composition (by bytes, exact to within one extent): 30% zeros (unallocated space), 40% repeated 4 KiB blocks
 * (duplicated files: runs of 8–64 consecutive blocks taken from a 1 MiB pool of 256 distinct blocks, so the same
 * multi-block content appears many times at 4 KiB-aligned but otherwise arbitrary offsets), 30% random bytes
 * (compressed or encrypted data). Extents are 64 KiB–4 MiB long, 4 KiB aligned, kinds interleaved.
 *
 * Version 2 is version 1 with ~5% of the bytes overwritten in scattered places (4–128 KiB runs, 4 KiB aligned,
 * in place, the way a block device changes: nothing shifts).
 *
 * Everything derives from `seed`: random bytes come from AES-128-CTR keystreams addressed by byte offset, so any
 * segment can be generated on its own and the output is identical however it is split.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

export interface RealisticDiskOptions {
  /** Disk size in bytes; a multiple of 4096. @default 1 GiB */
  sizeBytes?: number
  /** @default 1 */
  seed?: number
  /** 1 = base image; 2 = base with ~5% changed in scattered places. @default 1 */
  version?: 1 | 2
  /** Size of the buffers yielded by `realisticDiskSegments`. @default 4 MiB */
  segmentBytes?: number
}

export type ExtentKind = 'zero' | 'repeat' | 'random'

export interface Extent {
  offset: number
  length: number
  kind: ExtentKind
}

export interface ByteRange {
  offset: number
  length: number
}

export const BLOCK = 4096
export const DEFAULT_DISK_BYTES = 1024 * 1024 * 1024
const POOL_BLOCKS = 256
const SHARES: Record<ExtentKind, number> = { zero: 0.3, repeat: 0.4, random: 0.3 }
const CHANGED_FRACTION = 0.05

/** mulberry32: a small seeded PRNG for layout decisions (not for bulk bytes). */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randInt (rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1))
}

function keyFor (seed: number, purpose: string): Buffer {
  return createHash('sha256').update(`realistic-disk:${seed}:${purpose}`).digest().subarray(0, 16)
}

/** `length` keystream bytes of AES-128-CTR(key) starting at byte `offset` of the stream. */
function keystream (key: Buffer, offset: number, length: number): Buffer {
  const block = Math.floor(offset / 16)
  const skip = offset - block * 16
  const iv = Buffer.alloc(16)
  iv.writeBigUInt64BE(BigInt(block), 8)
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  const out = cipher.update(Buffer.alloc(length + skip))
  return skip === 0 ? out : out.subarray(skip)
}

function checkSize (sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % BLOCK !== 0) {
    throw new RangeError(`sizeBytes must be a positive multiple of ${BLOCK}`)
  }
}

/** The extent layout of the disk (same for both versions). */
export function planExtents (sizeBytes = DEFAULT_DISK_BYTES, seed = 1): Extent[] {
  checkSize(sizeBytes)
  const rnd = prng(seed ^ 0x1a7e)
  const left: Record<ExtentKind, number> = {
    zero: Math.round(sizeBytes * SHARES.zero / BLOCK) * BLOCK,
    repeat: Math.round(sizeBytes * SHARES.repeat / BLOCK) * BLOCK,
    random: 0
  }
  left.random = sizeBytes - left.zero - left.repeat
  const extents: Extent[] = []
  let offset = 0
  while (offset < sizeBytes) {
    const total = left.zero + left.repeat + left.random
    // Pick a kind weighted by the bytes each kind still needs: converges to the exact shares.
    let pick = rnd() * total
    let kind: ExtentKind = 'random'
    for (const k of ['zero', 'repeat', 'random'] as const) {
      if (pick < left[k]) { kind = k; break }
      pick -= left[k]
    }
    const length = Math.min(randInt(rnd, 16, 1024) * BLOCK, left[kind])
    const last = extents.at(-1)
    if (last?.kind === kind) last.length += length
    else extents.push({ offset, length, kind })
    left[kind] -= length
    offset += length
  }
  return extents
}

/** The byte ranges that differ between version 1 and version 2 (sorted, non-overlapping). */
export function changedRanges (sizeBytes = DEFAULT_DISK_BYTES, seed = 1): ByteRange[] {
  checkSize(sizeBytes)
  const rnd = prng(seed ^ 0xc4a26e)
  const blocks = sizeBytes / BLOCK
  const target = Math.max(BLOCK, Math.round(sizeBytes * CHANGED_FRACTION / BLOCK) * BLOCK)
  const marked = new Uint8Array(blocks)
  let changed = 0
  for (let i = 0; changed < target && i < blocks; i++) {
    const run = Math.min(randInt(rnd, 1, 32), (target - changed) / BLOCK)
    const start = randInt(rnd, 0, blocks - 1)
    for (let b = start; b < Math.min(blocks, start + run); b++) {
      if (marked[b] === 0) { marked[b] = 1; changed += BLOCK }
    }
  }
  const ranges: ByteRange[] = []
  for (let b = 0; b < blocks; b++) {
    if (marked[b] === 0) continue
    const last = ranges.at(-1)
    if (last !== undefined && last.offset + last.length === b * BLOCK) last.length += BLOCK
    else ranges.push({ offset: b * BLOCK, length: BLOCK })
  }
  return ranges
}

/** Fill `out` (disk bytes [offset, offset + out.length)) with its overlap with one extent. `keys.pool` is the 1 MiB pool. */
function fillExtent (out: Buffer, offset: number, e: Extent, seed: number, keys: { random: Buffer, pool: Buffer }): void {
  const from = Math.max(offset, e.offset)
  const to = Math.min(offset + out.length, e.offset + e.length)
  if (from >= to) return
  if (e.kind === 'zero') {
    out.fill(0, from - offset, to - offset)
  } else if (e.kind === 'random') {
    keystream(keys.random, from, to - from).copy(out, from - offset)
  } else {
    // Runs of consecutive pool blocks; the run layout depends only on the extent (seeded by its offset).
    const rnd = prng(seed ^ (e.offset / BLOCK) * 2654435761)
    let pos = e.offset
    while (pos < to) {
      const start = randInt(rnd, 0, POOL_BLOCKS - 1)
      const run = randInt(rnd, 8, 64)
      for (let i = 0; i < run && pos < e.offset + e.length; i++, pos += BLOCK) {
        if (pos + BLOCK <= from || pos >= to) continue
        const base = ((start + i) % POOL_BLOCKS) * BLOCK
        const s = Math.max(pos, from)
        const t = Math.min(pos + BLOCK, to)
        keys.pool.copy(out, s - offset, base + s - pos, base + t - pos)
      }
    }
  }
}

/** Yield the disk as consecutive buffers of `segmentBytes` (the last may be shorter). */
export function * realisticDiskSegments (opts: RealisticDiskOptions = {}): Generator<Buffer> {
  const { sizeBytes = DEFAULT_DISK_BYTES, seed = 1, version = 1, segmentBytes = 4 * 1024 * 1024 } = opts
  const extents = planExtents(sizeBytes, seed)
  const changes = version === 2 ? changedRanges(sizeBytes, seed) : []
  const keys = { random: keyFor(seed, 'random'), pool: keystream(keyFor(seed, 'pool'), 0, POOL_BLOCKS * BLOCK) }
  const changeKey = keyFor(seed, 'v2')
  let ei = 0
  let ci = 0
  for (let offset = 0; offset < sizeBytes; offset += segmentBytes) {
    const out = Buffer.allocUnsafe(Math.min(segmentBytes, sizeBytes - offset))
    const end = offset + out.length
    while (ei < extents.length && extents[ei]!.offset + extents[ei]!.length <= offset) ei++
    for (let j = ei; j < extents.length && extents[j]!.offset < end; j++) fillExtent(out, offset, extents[j]!, seed, keys)
    while (ci < changes.length && changes[ci]!.offset + changes[ci]!.length <= offset) ci++
    for (let j = ci; j < changes.length && changes[j]!.offset < end; j++) {
      const c = changes[j]!
      const from = Math.max(offset, c.offset)
      const to = Math.min(end, c.offset + c.length)
      keystream(changeKey, from, to - from).copy(out, from - offset)
    }
    yield out
  }
}

export interface WrittenDisk {
  path: string
  sizeBytes: number
  /** SHA-256 of the whole disk, hex. */
  sha256: string
  /** Bytes that differ from version 1 (0 for version 1). */
  changedBytes: number
}

/** Write the disk to `path` (overwriting it). */
export async function writeRealisticDisk (path: string, opts: RealisticDiskOptions = {}): Promise<WrittenDisk> {
  const { sizeBytes = DEFAULT_DISK_BYTES, seed = 1, version = 1 } = opts
  const hash = createHash('sha256')
  const fh = await open(path, 'w')
  try {
    for (const seg of realisticDiskSegments({ ...opts, sizeBytes, seed, version })) {
      hash.update(seg)
      await fh.write(seg)
    }
    await fh.sync()
  } finally {
    await fh.close()
  }
  const changedBytes = version === 2 ? changedRanges(sizeBytes, seed).reduce((n, r) => n + r.length, 0) : 0
  return { path, sizeBytes, sha256: hash.digest('hex'), changedBytes }
}
