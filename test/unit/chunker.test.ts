import { describe, it, expect } from 'vitest'
import { createCipheriv, createHash } from 'node:crypto'
import { Chunker, chunkBytes, zeroChunkId, type Chunk } from '../../src/images/chunker/chunker.js'
import { cutConfig, findCut, findCutReference } from '../../src/images/chunker/fastcdc.js'
import { GEAR } from '../../src/images/chunker/gear-table.js'
import { masksFor, type ChunkingParams } from '../../src/images/chunker/params.js'

const SMALL: ChunkingParams = { minBytes: 2048, avgBytes: 8192, maxBytes: 32768 }

/** Deterministic pseudo-random bytes (AES-128-CTR keystream keyed by `seed`). */
function bytes (seed: string, n: number): Uint8Array {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16)
  return new Uint8Array(createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n)))
}

function ends (chunks: Chunk[]): number[] {
  return chunks.map(c => c.offset + c.size)
}

function concat (parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** Every cut point by the one-byte-per-step reference definition. */
function referenceEnds (data: Uint8Array, params: ChunkingParams): number[] {
  const c = cutConfig(params)
  const out: number[] = []
  for (let p = 0; p < data.length;) {
    p = findCutReference(data, p, data.length, c)
    out.push(p)
  }
  return out
}

describe('gear table and masks', () => {
  it('are the fixed values every node must share', () => {
    expect([GEAR[0], GEAR[1], GEAR[255]]).toEqual([596990725, -1256004771, 974274594])
    // 15 and 11 bits ending at bit 28 for avg 8 KiB (13 bits, normalisation level 2)
    expect(masksFor(8192)).toEqual({ maskS: (2 ** 15 - 1) * 2 ** 14, maskL: (2 ** 11 - 1) * 2 ** 18 })
  })
})

describe('FastCDC chunker', () => {
  it('cuts a fixed input at fixed points (vectors computed once)', () => {
    const chunks = chunkBytes(bytes('vector-1', 256 * 1024), SMALL)
    expect(ends(chunks)).toEqual([9241, 18312, 27350, 39768, 51688, 60497, 69574, 77851, 87445, 98277, 102315, 110718,
      118963, 130247, 139319, 145245, 153791, 162015, 166444, 174908, 190702, 203102, 205498, 215006, 223364, 231612,
      242440, 253927, 262144])
    expect(chunks[0]?.id).toBe('5a4cf979f0ea49053e3954ba0e478a26fe429e58b6efe352f9e2ab8c6131bea8')
    expect(chunks.at(-1)?.id).toBe('2152fb7a05bb55151a27a771160df423aa042db248ac54bde7dec04bbba31613')
  })

  it('matches the one-byte-per-step reference on random data, zero runs and mixtures', () => {
    const zeros = new Uint8Array(300_000)
    const inputs = [
      bytes('ref-a', 1_000_003),
      concat([bytes('ref-b', 50_001), zeros, bytes('ref-c', 70_000), zeros.subarray(0, 2100), bytes('ref-d', 9)]),
      concat([zeros.subarray(0, 2047), bytes('ref-e', 5), zeros.subarray(0, 40_000), bytes('ref-f', 100_000)]),
      zeros.subarray(0, 100_001),
      // views that start at every alignment inside their ArrayBuffer (the cut loop reads 32-bit words)
      bytes('ref-g', 300_003).subarray(1),
      bytes('ref-h', 300_003).subarray(2, 250_001),
      concat([bytes('ref-i', 3), zeros.subarray(0, 70_000), bytes('ref-j', 90_000)]).subarray(3)
    ]
    for (const params of [SMALL, { minBytes: 1024, avgBytes: 4096, maxBytes: 5000 }, { minBytes: 16384, avgBytes: 65536, maxBytes: 262144 }]) {
      for (const data of inputs) {
        expect(ends(chunkBytes(data, params))).toEqual(referenceEnds(data, params))
      }
    }
  })

  it('rebuilds the input by concatenation, and every chunk but the last is within [min, max]', () => {
    const data = concat([bytes('cat-a', 400_000), new Uint8Array(100_000), bytes('cat-b', 123_457)])
    const chunks = chunkBytes(data, SMALL)
    expect(Buffer.compare(concat(chunks.map(c => c.bytes)), data)).toBe(0)
    chunks.slice(0, -1).forEach(c => {
      expect(c.size).toBeGreaterThanOrEqual(SMALL.minBytes)
      expect(c.size).toBeLessThanOrEqual(SMALL.maxBytes)
    })
    expect(chunks.at(-1)?.size).toBeLessThanOrEqual(SMALL.maxBytes)
    for (const c of chunks) expect(c.id).toBe(createHash('sha256').update(c.bytes).digest('hex'))
  })

  it('gives the same chunks however the input is split into reads', () => {
    const data = concat([bytes('split-a', 300_000), new Uint8Array(80_000), bytes('split-b', 200_000)])
    const whole = chunkBytes(data, SMALL).map(c => ({ offset: c.offset, size: c.size, id: c.id, zero: c.zero }))
    const rnd = bytes('split-sizes', 4096)
    for (const maxRead of [1, 777, 4096, 40_000, 200_000]) {
      const chunker = new Chunker(SMALL)
      const got: Chunk[] = []
      let k = 0
      for (let p = 0; p < data.length;) {
        const n = maxRead === 1 ? 1 + (rnd[k++ % rnd.length]! % 50) : 1 + ((rnd[k++ % rnd.length]! * 257 + rnd[k++ % rnd.length]!) % maxRead)
        got.push(...chunker.push(data.slice(p, p + n)))
        p += n
      }
      got.push(...chunker.finish())
      expect(got.map(c => ({ offset: c.offset, size: c.size, id: c.id, zero: c.zero }))).toEqual(whole)
    }
  })

  it('is content defined: an insertion near the start moves only nearby cut points', () => {
    const data = bytes('shift', 2 * 1024 * 1024)
    const inserted = concat([data.subarray(0, 1000), bytes('inserted', 100), data.subarray(1000)])
    const before = ends(chunkBytes(data, SMALL))
    const after = ends(chunkBytes(inserted, SMALL))
    // every cut point after the first few is the old one shifted by the 100 inserted bytes
    const shifted = new Set(before.map(e => e + 100))
    const firstSame = after.findIndex(e => shifted.has(e))
    expect(firstSame).toBeGreaterThanOrEqual(0)
    expect(firstSame).toBeLessThanOrEqual(2)
    expect(after.slice(firstSame)).toEqual(before.slice(before.indexOf(after[firstSame]! - 100)).map(e => e + 100))
    // and the unchanged chunks have the same IDs: all but at most two are shared
    const oldIds = new Set(chunkBytes(data, SMALL).map(c => c.id))
    const newIds = chunkBytes(inserted, SMALL).map(c => c.id)
    expect(newIds.filter(id => !oldIds.has(id)).length).toBeLessThanOrEqual(2)
  })

  it('marks all-zero chunks, cuts zero runs at max size, and names them by the SHA-256 of the zeros', () => {
    const chunks = chunkBytes(new Uint8Array(3 * SMALL.maxBytes + 5000), SMALL)
    expect(chunks.map(c => c.size)).toEqual([SMALL.maxBytes, SMALL.maxBytes, SMALL.maxBytes, 5000])
    expect(chunks.every(c => c.zero)).toBe(true)
    expect(chunks[0]?.id).toBe(createHash('sha256').update(new Uint8Array(SMALL.maxBytes)).digest('hex'))
    expect(zeroChunkId(5000)).toBe(chunks[3]?.id)
    const mixed = chunkBytes(concat([new Uint8Array(SMALL.maxBytes - 1), Uint8Array.of(1)]), SMALL)
    expect(mixed.some(c => c.zero)).toBe(false)
  })

  it('chunks an empty input to nothing and a tiny one to one chunk', () => {
    expect(chunkBytes(new Uint8Array(0), SMALL)).toEqual([])
    const one = chunkBytes(Uint8Array.of(7, 8, 9), SMALL)
    expect(one.map(c => [c.offset, c.size])).toEqual([[0, 3]])
  })

  it('rejects bad sizes with ERR_INVALID_INPUT', () => {
    for (const p of [
      { minBytes: 2048, avgBytes: 6000, maxBytes: 32768 },
      { minBytes: 8192, avgBytes: 8192, maxBytes: 32768 },
      { minBytes: 2048, avgBytes: 8192, maxBytes: 8192 },
      { minBytes: 100, avgBytes: 8192, maxBytes: 32768 },
      { minBytes: 2048, avgBytes: 8192, maxBytes: 64 * 1024 * 1024 },
      { minBytes: 2048.5, avgBytes: 8192, maxBytes: 32768 }
    ]) {
      expect(() => new Chunker(p)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_INPUT' }))
    }
  })

  it('findCut never looks past end and returns end for a short tail', () => {
    const c = cutConfig(SMALL)
    const data = bytes('tail', 100_000)
    expect(findCut(data, 10, 10 + SMALL.minBytes, c)).toBe(10 + SMALL.minBytes)
    const cut = findCut(data, 0, 5000, c)
    expect(cut).toBeLessThanOrEqual(5000)
    expect(cut).toBe(findCutReference(data, 0, 5000, c))
  })
})
