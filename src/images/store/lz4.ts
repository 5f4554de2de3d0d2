import { compressSync, uncompressSync } from 'lz4-napi'

/**
 * The lz4 block codec of chunk files: lz4-napi (N-API, loads on Node 24 with a prebuilt binary; lz4_flex block
 * format with the uncompressed size prepended, the same bytes lz4-wasm produces). Chosen on the measurements in
 * benchmarks/chunking/ (both bindings, compress and decompress, on the realistic disk's chunks).
 */
export interface Lz4Codec {
  compress(raw: Uint8Array): Uint8Array
  /** Throws on malformed input. */
  decompress(packed: Uint8Array): Uint8Array
}

function asBuffer (b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

export const lz4Napi: Lz4Codec = {
  compress: raw => compressSync(asBuffer(raw)),
  decompress: packed => uncompressSync(asBuffer(packed))
}
