import { ENCODING_LZ4, ENCODING_RAW, HEADER_BYTES, chunkHeader, hasChunkHeader } from '../store/chunk-file.js'
import { lz4Napi, type Lz4Codec } from '../store/lz4.js'
import { ChunkResponse } from './pb/chunks.js'
import { BadChunkError } from './errors.js'
import { writeVarint } from './frame-channel.js'
import type { StoredParts } from '../types.js'

const { Encoding } = ChunkResponse

/** A chunk as it travels in a ChunkResponse: `data` in `encoding`. */
export interface WireChunk {
  data: Uint8Array
  encoding: ChunkResponse.Encoding
}

/** A chunk received, decoded and checked against its size: `encoded` is its stored form (header + payload as received). */
export interface DecodedChunk {
  bytes: Uint8Array
  encoded?: StoredParts
}

/** Largest lz4 block (size prefix included) that can hold `size` bytes: lz4's worst case for incompressible input. */
export function maxLz4Bytes (size: number): number {
  return 4 + size + Math.ceil(size / 255) + 16
}

/**
 * The wire form of a chunk in its stored form (chunk-file header + payload, from `ChunkStore.getEncoded`), without
 * decompressing it; undefined when the header is not one this version knows (the caller sends the raw bytes).
 */
export function wireFromStored (stored: Uint8Array): WireChunk | undefined {
  if (stored.length <= HEADER_BYTES || !hasChunkHeader(stored)) return undefined
  const data = stored.subarray(HEADER_BYTES)
  if (stored[3] === ENCODING_RAW) return { data, encoding: Encoding.RAW }
  if (stored[3] === ENCODING_LZ4) return { data, encoding: Encoding.LZ4 }
  return undefined
}

/** protobuf keys of ChunkResponse fields: id (1, varint), data (6, bytes), encoding (7, varint). */
const ID_KEY = (1 << 3) | 0
const DATA_KEY = (6 << 3) | 2
const ENCODING_KEY = (7 << 3) | 0
/**
 * The encoding field after `data`, by encoding (wire numbers in protocols/chunks.proto); RAW, 0, is the default and
 * not sent. Shared by every response: parts are copied into the stream write, never written to.
 */
const ENCODING_FIELD: Record<ChunkResponse.Encoding, Uint8Array | undefined> = { [Encoding.RAW]: undefined, [Encoding.LZ4]: Uint8Array.of(ENCODING_KEY, 1) }

/**
 * The ChunkResponse `{ id, status: OK, data, encoding }` as parts to send back to back: the fields before `data`,
 * `data` itself (not copied), the encoding after it. The same bytes as `ChunkResponse.encode` (fields in number
 * order, defaults left out), without its copy of every chunk a server sends.
 */
export function chunkDataResponse (id: number, chunk: WireChunk): Uint8Array[] {
  const head = Buffer.allocUnsafe(12)
  let at = 0
  if (id !== 0) {
    head[at++] = ID_KEY
    at = writeVarint(head, at, id)
  }
  if (chunk.data.byteLength > 0) {
    head[at++] = DATA_KEY
    at = writeVarint(head, at, chunk.data.byteLength)
  }
  const parts = chunk.data.byteLength > 0 ? [head.subarray(0, at), chunk.data] : [head.subarray(0, at)]
  const encoding = ENCODING_FIELD[chunk.encoding]
  if (encoding !== undefined) parts.push(encoding)
  return parts
}

/**
 * Decode a chunk that a peer sent for a piece of `size` bytes. The lz4 size prefix must equal `size` before anything
 * is decompressed, so a peer cannot make this allocate more than the manifest's chunk size. Throws BadChunkError on
 * any mismatch; the caller still checks SHA-256.
 */
export function decodeWireChunk (chunk: WireChunk, size: number, codec: Lz4Codec = lz4Napi): DecodedChunk {
  const { data, encoding } = chunk
  if (encoding === Encoding.RAW) {
    if (data.length !== size) throw new BadChunkError(`chunk of ${data.length} bytes, expected ${size}`)
    // stored raw as it came (the sender stores it raw: compressing it here again would be wasted work)
    return { bytes: data, encoded: { header: chunkHeader(ENCODING_RAW, size), payload: data } }
  }
  if (encoding !== Encoding.LZ4) throw new BadChunkError(`unknown chunk encoding ${String(encoding)}`)
  if (data.length < 4 || data.length > maxLz4Bytes(size)) throw new BadChunkError(`lz4 chunk of ${data.length} bytes cannot hold ${size}`)
  const prefix = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true)
  if (prefix !== size) throw new BadChunkError(`lz4 size prefix says ${prefix} bytes, expected ${size}`)
  let bytes: Uint8Array
  try {
    // the chunk-file payload of an lz4 chunk is this very block (size prefix included)
    bytes = codec.decompress(data)
  } catch (err) {
    throw new BadChunkError(`lz4 chunk does not decode: ${(err as Error).message}`)
  }
  if (bytes.length !== size) throw new BadChunkError(`lz4 chunk decodes to ${bytes.length} bytes, expected ${size}`)
  // stored as it came, behind its header: the two pieces are written with one writev, never joined
  return { bytes, encoded: { header: chunkHeader(ENCODING_LZ4, size), payload: data } }
}
