import { GEAR, GEAR_LS1, GEAR_LS2, GEAR_LS3 } from './gear-table.js'
import { masksFor, checkChunkingParams, type ChunkingParams } from './params.js'

/** Precomputed state for `findCut`: sizes, masks, and whether the zero-run shortcut is exact for them. */
export interface CutConfig extends ChunkingParams {
  maskS: number
  maskL: number
  /** True when the gear hash's fixed point over zero bytes matches neither mask (so zero runs never cut). */
  zeroSkip: boolean
}

/** Gear hash value after 32 or more zero bytes: h = 2h + G[0] has the fixed point -G[0] (mod 2^32). */
const ZERO_FIXED_POINT = (-GEAR[0]!) | 0
const ZEROS = new Uint8Array(64 * 1024)
/** Within a zero run, this many bytes after min are hashed normally before the shortcut (h reaches the fixed point). */
const WARM_BYTES = 32

export function cutConfig (params: ChunkingParams): CutConfig {
  checkChunkingParams(params)
  const { maskS, maskL } = masksFor(params.avgBytes)
  const zeroSkip = (ZERO_FIXED_POINT & maskS) !== 0 && (ZERO_FIXED_POINT & maskL) !== 0
  return { ...params, maskS, maskL, zeroSkip }
}

/** Index of the first non-zero byte of data[from, to), or `to`. Compares 64 KiB/4 KiB blocks natively, then bytes. */
export function zeroRunEnd (data: Uint8Array, from: number, to: number): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let i = from
  for (const step of [ZEROS.length, 4096, 64]) {
    while (i + step <= to && buf.compare(ZEROS, 0, step, i, i + step) === 0) i += step
  }
  while (i < to && buf[i] === 0) i++
  return i
}

/** True when data[from, to) is all zero bytes. */
export function isZero (data: Uint8Array, from: number, to: number): boolean {
  return zeroRunEnd(data, from, to) === to
}

/**
 * FastCDC with normalised chunking: the end (exclusive index) of the chunk that starts at `start`, looking at no
 * byte at or beyond `end`. The caller passes at least `maxBytes` of data unless `end` is the end of the input; the
 * result then depends only on the chunk's own bytes, so cut points do not depend on how the input was split.
 *
 * The gear hash restarts at start+min (bytes before min cannot end a chunk, so they are skipped: FastCDC's
 * cut-point skipping). Zero runs are crossed with a native compare when `zeroSkip` holds: after 32 zero bytes the
 * hash sits at its fixed point, which matches no mask, so no cut can fall inside the run; the result is identical
 * to hashing every byte.
 */
export function findCut (data: Uint8Array, start: number, end: number, c: CutConfig): number {
  const len = end - start
  if (len <= c.minBytes) return end
  const maxEnd = start + Math.min(len, c.maxBytes)
  const normalEnd = start + Math.min(len, c.avgBytes)
  const gear = GEAR
  let i = start + c.minBytes
  let h = 0
  if (c.zeroSkip && data[start] === 0 && data[i] === 0) {
    const z = zeroRunEnd(data, start, maxEnd)
    if (z - i > 2 * WARM_BYTES) {
      for (const warmEnd = i + WARM_BYTES; i < warmEnd; i++) {
        h = ((h << 1) + gear[data[i]!]!) | 0
        if ((h & (i < normalEnd ? c.maskS : c.maskL)) === 0) return i + 1
      }
      // h is now at the zero fixed point and stays there until the first non-zero byte at z
      if (z >= maxEnd) return maxEnd
      i = z
    }
  }
  const words = wordsOf(data)
  const r1 = scan(data, words, i, normalEnd, h, c.maskS)
  if (r1 >= 0) return r1
  const r2 = scan(data, words, normalEnd > i ? normalEnd : i, maxEnd, lastHash, c.maskL)
  return r2 >= 0 ? r2 : maxEnd
}

/** Hash state left by the last `scan` that found no cut (module-level to avoid allocating a result object). */
let lastHash = 0

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
let lastBuffer: ArrayBufferLike | undefined
let lastWords: Uint32Array | undefined

/** A 32-bit view of the whole ArrayBuffer under `data` (cached for the last buffer), or undefined on big-endian hosts. */
function wordsOf (data: Uint8Array): Uint32Array | undefined {
  if (!LITTLE_ENDIAN) return undefined
  if (data.buffer !== lastBuffer) {
    lastBuffer = data.buffer
    lastWords = new Uint32Array(data.buffer, 0, data.buffer.byteLength >>> 2)
  }
  return lastWords
}

/**
 * Roll the gear hash over d[from, to) starting from hash `h`; return the index after the first byte where
 * (h & mask) === 0, or -1 (then `lastHash` holds the hash). Four bytes per step, read as one little-endian 32-bit
 * word once the absolute position is 4-aligned: the state after byte k of a step is kept multiplied by 2^(3-k) and
 * tested against mask << (3-k), which is exact because the mask's top bit is at most MASK_TOP_BIT = 28.
 */
function scan (d: Uint8Array, words: Uint32Array | undefined, from: number, to: number, h: number, mask: number): number {
  const g0 = GEAR
  const g1 = GEAR_LS1
  const g2 = GEAR_LS2
  const g3 = GEAR_LS3
  const m3 = mask << 3
  const m2 = mask << 2
  const m1 = mask << 1
  const base = d.byteOffset
  let i = from
  if (words !== undefined) {
    for (; ((base + i) & 3) !== 0 && i < to; i++) {
      h = ((h << 1) + g0[d[i]!]!) | 0
      if ((h & mask) === 0) return i + 1
    }
    for (; i + 3 < to; i += 4) {
      const x = words[(base + i) >>> 2]!
      h = ((h << 4) + g3[x & 255]!) | 0
      if ((h & m3) === 0) return i + 1
      h = (h + g2[(x >>> 8) & 255]!) | 0
      if ((h & m2) === 0) return i + 2
      h = (h + g1[(x >>> 16) & 255]!) | 0
      if ((h & m1) === 0) return i + 3
      h = (h + g0[x >>> 24]!) | 0
      if ((h & mask) === 0) return i + 4
    }
  } else {
    for (; i + 3 < to; i += 4) {
      h = ((h << 4) + g3[d[i]!]!) | 0
      if ((h & m3) === 0) return i + 1
      h = (h + g2[d[i + 1]!]!) | 0
      if ((h & m2) === 0) return i + 2
      h = (h + g1[d[i + 2]!]!) | 0
      if ((h & m1) === 0) return i + 3
      h = (h + g0[d[i + 3]!]!) | 0
      if ((h & mask) === 0) return i + 4
    }
  }
  for (; i < to; i++) {
    h = ((h << 1) + g0[d[i]!]!) | 0
    if ((h & mask) === 0) return i + 1
  }
  lastHash = h
  return -1
}

/** Reference implementation (one byte per step, no shortcuts): the definition `findCut` must match. For tests. */
export function findCutReference (data: Uint8Array, start: number, end: number, c: CutConfig): number {
  const len = end - start
  if (len <= c.minBytes) return end
  const maxEnd = start + Math.min(len, c.maxBytes)
  const normalEnd = start + Math.min(len, c.avgBytes)
  let h = 0
  for (let i = start + c.minBytes; i < maxEnd; i++) {
    h = ((h << 1) + GEAR[data[i]!]!) | 0
    if ((h & (i < normalEnd ? c.maskS : c.maskL)) === 0) return i + 1
  }
  return maxEnd
}
