import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { WireManifest } from '../../src/images/swarm/pb/chunks.js'
import { fromWireManifest, toWireManifest } from '../../src/images/swarm/manifest-wire.js'
import { packChunkList, unpackChunkList } from '../../src/images/swarm/packed-chunk-list.js'
import type { ChunkRef, Manifest } from '../../src/images/types.js'

const idOf = (n: number): string => createHash('sha256').update(String(n)).digest('hex')
const limits = { maxChunks: 100_000, maxChunkBytes: 32 * 1024 }

/** A disk-like list: mostly distinct chunks, a block repeated every 10th entry, zero runs. */
function diskList (entries: number): ChunkRef[] {
  return Array.from({ length: entries }, (_, i) => {
    if (i % 10 === 0) return { id: idOf(-1), size: 8192 }
    if (i % 7 === 0) return { id: idOf(-2), size: 32768, zero: true }
    return { id: idOf(i), size: 2048 + (i * 97) % 30000 }
  })
}

describe('packed chunk list', () => {
  it('round-trips a list exactly, repeated chunks sent once and decoded as one object', () => {
    const chunks = diskList(5000)
    const back = unpackChunkList(packChunkList(chunks), limits)
    expect(back).toEqual(chunks)
    const repeats = back.filter(c => c.id === idOf(-1))
    expect(repeats.length).toBe(500)
    expect(new Set(repeats).size).toBe(1)
  })

  it('keeps entries apart that share an ID but not size or zero flag (any list round-trips)', () => {
    const chunks = [{ id: idOf(1), size: 10 }, { id: idOf(1), size: 11 }, { id: idOf(1), size: 10, zero: true }, { id: idOf(1), size: 10 }]
    expect(unpackChunkList(packChunkList(chunks), limits)).toEqual(chunks)
  })

  it('is smaller than one WireChunkRef per entry, and travels in a WireManifest for a requester that asked for it', () => {
    const chunks = diskList(5000)
    const m: Manifest = { name: 'disk', version: '1', size: chunks.reduce((a, c) => a + c.size, 0), chunks, author: '12D3KooWtest', createdAt: 1, signature: new Uint8Array(64).fill(7) }
    const refs = WireManifest.encode(toWireManifest(m))
    const packed = WireManifest.encode(toWireManifest(m, true))
    expect(packed.length).toBeLessThan(refs.length * 0.75)
    expect(fromWireManifest(WireManifest.decode(packed), limits).chunks).toEqual(chunks)
    expect(fromWireManifest(WireManifest.decode(refs), limits).chunks).toEqual(chunks)
    const both = { ...toWireManifest(m), packed: packChunkList(chunks) }
    expect(() => fromWireManifest(both, limits)).toThrow(/both packed and not/)
  })

  it('refuses a malformed or oversized list with BadManifestError, before building anything for it', () => {
    const good = packChunkList([{ id: idOf(1), size: 100 }, { id: idOf(2), size: 200 }, { id: idOf(1), size: 100 }])
    const refused = (b: Uint8Array, l = limits): void => {
      expect(() => unpackChunkList(b, l)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }) as Error)
    }
    refused(good.subarray(0, good.length - 1)) // truncated
    refused(Buffer.concat([good, Uint8Array.of(0)])) // trailing bytes
    refused(Uint8Array.from([...good.subarray(0, good.length - 1), 2])) // an entry naming distinct chunk 2 of 2
    const flags = Uint8Array.from(good)
    flags[1 + 32 + 1] = 4 // the first distinct chunk's flags: after the count, its ID and its size (one byte each)
    refused(flags)
    refused(good, { maxChunks: 2, maxChunkBytes: 1000 }) // three entries
    refused(good, { maxChunks: 10, maxChunkBytes: 150 }) // a chunk of 200 bytes
    refused(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)) // a varint of six bytes
    refused(Uint8Array.of(0x90, 0x4e)) // 10,000 distinct chunks claimed in two bytes
  })
})
