import type { Lz4Codec } from './lz4.js'
import { MAX_CHUNK_BYTES } from '../chunker/params.js'

/**
 * Stored form of one chunk (what a pack record holds after its prefix, and what the swarm sends): an 8-byte
 * header, then the payload.
 *   0..1  "NC" magic
 *   2     format version (1)
 *   3     encoding: 0 = raw, 1 = lz4 block (size-prepended)
 *   4..7  uncompressed size, u32 little-endian
 */
export const HEADER_BYTES = 8
export const ENCODING_RAW = 0
export const ENCODING_LZ4 = 1

/** Chunks over 2 × SAMPLE_BYTES are probed first: their first and last SAMPLE_BYTES are compressed, and if neither saves anything the chunk is stored raw without compressing the rest. */
export const SAMPLE_BYTES = 4096

/**
 * Encode a chunk for storage: lz4 when that saves at least `minSaving` of the size, raw otherwise. Incompressible
 * data (random, encrypted, already compressed: most of a VM disk's unique bytes) is detected from 4 KiB samples at both ends
 * (an "early abort", as ZFS does), so it costs a fraction of a full compression.
 */
export function encodeChunkFile (raw: Uint8Array, codec: Lz4Codec, minSaving: number): { file: Uint8Array, compressed: boolean } {
  const { header, payload, compressed } = encodeChunkParts(raw, codec, minSaving)
  const file = new Uint8Array(HEADER_BYTES + payload.length)
  file.set(header, 0)
  file.set(payload, HEADER_BYTES)
  return { file, compressed }
}

/** The same as `encodeChunkFile`, as header and payload (written with one writev, no copy of the payload). */
export function encodeChunkParts (raw: Uint8Array, codec: Lz4Codec, minSaving: number): { header: Uint8Array, payload: Uint8Array, compressed: boolean } {
  let payload = raw
  let encoding = ENCODING_RAW
  const saves = (part: Uint8Array): boolean => codec.compress(part).length < part.length * (1 - minSaving / 2)
  const probe = raw.length <= 2 * SAMPLE_BYTES || saves(raw.subarray(0, SAMPLE_BYTES)) || saves(raw.subarray(raw.length - SAMPLE_BYTES))
  const packed = probe ? codec.compress(raw) : undefined
  if (packed !== undefined && packed.length <= raw.length * (1 - minSaving)) {
    payload = packed
    encoding = ENCODING_LZ4
  }
  return { header: chunkHeader(encoding, raw.length), payload, compressed: encoding === ENCODING_LZ4 }
}

/** The 8-byte header of a stored chunk whose payload is in `encoding` and decodes to `size` bytes. */
export function chunkHeader (encoding: number, size: number): Uint8Array {
  // a Buffer from the pool, written in place (see encodeEntry in chunk-index.ts)
  const header = Buffer.allocUnsafe(HEADER_BYTES)
  header[0] = 0x4e
  header[1] = 0x43
  header[2] = 1
  header[3] = encoding
  header.writeUInt32LE(size, 4)
  return header
}

/** Whether `b` starts with a stored-chunk header of the format version this code reads (any encoding). */
export function hasChunkHeader (b: Uint8Array): boolean {
  return b.length >= HEADER_BYTES && b[0] === 0x4e && b[1] === 0x43 && b[2] === 1
}

/** Decode a chunk file; throws a plain Error on any malformation (the store turns it into ERR_CHUNK_CORRUPT). */
export function decodeChunkFile (file: Uint8Array, codec: Lz4Codec): Uint8Array {
  if (!hasChunkHeader(file)) throw new Error('bad chunk file header')
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const size = view.getUint32(4, true)
  if (size === 0 || size > MAX_CHUNK_BYTES) throw new Error(`chunk file claims ${size} bytes`)
  const payload = file.subarray(HEADER_BYTES)
  let raw: Uint8Array
  if (file[3] === ENCODING_RAW) raw = payload
  else if (file[3] === ENCODING_LZ4) {
    // the lz4 block's own size prefix decides what the decoder allocates: it must match the (bounded) header
    if (payload.length < 4 || view.getUint32(HEADER_BYTES, true) !== size) throw new Error('lz4 size prefix does not match the header')
    raw = codec.decompress(payload)
  }
  else throw new Error(`unknown chunk encoding ${file[3]}`)
  if (raw.length !== size) throw new Error(`chunk file holds ${raw.length} bytes, header says ${size}`)
  return raw
}
