import { createHash } from 'node:crypto'

/**
 * The gear table of the FastCDC rolling hash: 256 pseudo-random 32-bit values, one per byte value.
 * Derived from SHA-256 so that every node computes the same table (cut points, hence chunk IDs, depend on it):
 * GEAR[b] = first 4 bytes (big-endian) of SHA-256("novacron-gear-v1:" + b). Changing it changes every chunk ID.
 * Held as Int32Array so the hot loop stays in 32-bit integer arithmetic.
 */
export const GEAR: Int32Array = (() => {
  const table = new Int32Array(256)
  for (let b = 0; b < 256; b++) {
    table[b] = createHash('sha256').update(`novacron-gear-v1:${b}`).digest().readInt32BE(0)
  }
  return table
})()

/** GEAR[b] << k for k = 1..3: the loop that rolls four bytes per iteration (FastCDC 2020's "rolling two bytes", widened). */
export const GEAR_LS1: Int32Array = GEAR.map(v => v << 1)
export const GEAR_LS2: Int32Array = GEAR.map(v => v << 2)
export const GEAR_LS3: Int32Array = GEAR.map(v => v << 3)
