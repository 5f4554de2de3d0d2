import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import { chunkDataResponse, decodeWireChunk, maxLz4Bytes, wireFromStored } from '../../src/images/swarm/chunk-encoding.js'
import { ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { decodeChunkFile } from '../../src/images/store/chunk-file.js'
import { lz4Napi, type Lz4Codec } from '../../src/images/store/lz4.js'
import { storedForm } from '../helpers/swarm-fixtures.js'

const { Encoding } = ChunkResponse

/** lz4Napi, counting decompress calls (a lying size prefix must be refused before any). */
function countingCodec (): Lz4Codec & { calls: number } {
  const c = { calls: 0, compress: lz4Napi.compress, decompress: (p: Uint8Array) => { c.calls++; return lz4Napi.decompress(p) } }
  return c
}

describe('chunk wire encoding', () => {
  const text = Buffer.from('novacron chunk swarm '.repeat(800))

  it('writes a chunk response as parts whose bytes are exactly ChunkResponse.encode, the chunk bytes not copied', () => {
    for (const id of [0, 1, 127, 128, 300_000, 2 ** 32 - 1]) {
      for (const size of [0, 1, 127, 128, 40_000, 4 * 1024 * 1024]) {
        for (const encoding of [Encoding.RAW, Encoding.LZ4]) {
          const data = randomBytes(size)
          const parts = chunkDataResponse(id, { data, encoding })
          const expected = ChunkResponse.encode({ id, status: ChunkResponse.Status.OK, data, encoding })
          expect(Buffer.concat(parts).equals(Buffer.from(expected))).toBe(true)
          if (size > 0) expect(parts[1]).toBe(data)
        }
      }
    }
  })

  it('sends the stored form as is and rebuilds the same stored form on the receiving side', () => {
    const stored = storedForm(text)
    const wire = wireFromStored(stored)
    expect(wire?.encoding).toBe(Encoding.LZ4)
    const decoded = decodeWireChunk(wire!, text.length)
    expect(Buffer.from(decoded.bytes).equals(text)).toBe(true)
    // the stored form in two pieces: the payload is the received bytes themselves, not a copy
    const joined = Buffer.concat([decoded.encoded!.header, decoded.encoded!.payload])
    expect(joined.equals(Buffer.from(stored))).toBe(true)
    expect(decoded.encoded!.payload).toBe(wire!.data)
    expect(Buffer.from(decodeChunkFile(joined, lz4Napi)).equals(text)).toBe(true)
  })

  it('passes raw stored chunks through raw, and refuses a header it does not know', () => {
    const raw = randomBytes(4096)
    const wire = wireFromStored(storedForm(raw))
    expect(wire?.encoding).toBe(Encoding.RAW)
    // kept in the stored form it came in (raw): the receiver does not compress again what the sender stored raw
    const decoded = decodeWireChunk(wire!, raw.length)
    expect(Buffer.compare(Buffer.concat([decoded.encoded!.header, decoded.encoded!.payload]), storedForm(raw))).toBe(0)
    const alien = storedForm(raw)
    alien[2] = 9
    expect(wireFromStored(alien)).toBeUndefined()
  })

  it('refuses a size prefix that differs from the piece size without decompressing', () => {
    const codec = countingCodec()
    const block = Uint8Array.from(lz4Napi.compress(text))
    new DataView(block.buffer).setUint32(0, 1 << 30, true)
    expect(() => decodeWireChunk({ data: block, encoding: Encoding.LZ4 }, text.length, codec)).toThrow(expect.objectContaining({ code: 'ERR_BAD_CHUNK' }))
    expect(codec.calls).toBe(0)
  })

  it('refuses blocks larger than lz4 could need, truncated blocks, garbage and raw chunks of the wrong size', () => {
    const codec = countingCodec()
    const big = new Uint8Array(maxLz4Bytes(text.length) + 1)
    new DataView(big.buffer).setUint32(0, text.length, true)
    expect(() => decodeWireChunk({ data: big, encoding: Encoding.LZ4 }, text.length, codec)).toThrow(expect.objectContaining({ code: 'ERR_BAD_CHUNK' }))
    expect(codec.calls).toBe(0)
    const block = Uint8Array.from(lz4Napi.compress(randomBytes(8192)))
    expect(() => decodeWireChunk({ data: block.subarray(0, 4000), encoding: Encoding.LZ4 }, 8192)).toThrow(expect.objectContaining({ code: 'ERR_BAD_CHUNK' }))
    const garbage = randomBytes(100)
    garbage.writeUInt32LE(8192, 0)
    expect(() => decodeWireChunk({ data: garbage, encoding: Encoding.LZ4 }, 8192)).toThrow(expect.objectContaining({ code: 'ERR_BAD_CHUNK' }))
    expect(() => decodeWireChunk({ data: new Uint8Array(10), encoding: Encoding.RAW }, 11)).toThrow(expect.objectContaining({ code: 'ERR_BAD_CHUNK' }))
  })
})
