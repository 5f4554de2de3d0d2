import { InvalidInputError } from '../../errors.js'

/** Min/avg/max chunk sizes in bytes. `avg` is also the normal size where FastCDC switches masks. */
export interface ChunkingParams {
  minBytes: number
  avgBytes: number
  maxBytes: number
}

/** Smallest and largest sizes a node accepts (the swarm's message limit is sized from MAX_CHUNK_BYTES). */
export const MIN_CHUNK_BYTES = 1024
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024

/** Check sizes: powers of two for avg, min < avg < max, within [MIN_CHUNK_BYTES, MAX_CHUNK_BYTES]. */
export function checkChunkingParams (p: ChunkingParams, field = 'chunking'): ChunkingParams {
  const { minBytes, avgBytes, maxBytes } = p
  for (const [k, v] of Object.entries(p)) {
    if (!Number.isSafeInteger(v) || v < MIN_CHUNK_BYTES || v > MAX_CHUNK_BYTES) {
      throw new InvalidInputError(`${field}.${k}`, `must be an integer between ${MIN_CHUNK_BYTES} and ${MAX_CHUNK_BYTES}`)
    }
  }
  if ((avgBytes & (avgBytes - 1)) !== 0) throw new InvalidInputError(`${field}.avgBytes`, 'must be a power of two')
  if (!(minBytes < avgBytes && avgBytes < maxBytes)) throw new InvalidInputError(field, 'sizes must satisfy minBytes < avgBytes < maxBytes')
  return p
}

/** Highest hash bit a mask uses. Bits 29–31 stay free so the 4-bytes-per-step loop can test mask << 3 exactly. */
export const MASK_TOP_BIT = 28

/**
 * Cut masks for normalised chunking (FastCDC "NC level 2"): between min and avg a cut needs bits+2 zero bits
 * (harder), after avg it needs bits-2 (easier), so sizes cluster around avg. The mask bits sit high in the
 * 32-bit hash: bit k of the gear hash depends on the last k+1 bytes, so bit 28 sees a window of 29 bytes.
 */
export function masksFor (avgBytes: number, level = 2): { maskS: number, maskL: number } {
  const bits = Math.round(Math.log2(avgBytes))
  const high = (n: number): number => ((2 ** n - 1) * 2 ** (MASK_TOP_BIT + 1 - n)) | 0
  return { maskS: high(bits + level), maskL: high(bits - level) }
}
