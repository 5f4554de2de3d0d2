import { describe, expect, it } from 'vitest'
import { WireManifest } from '../../src/images/swarm/pb/chunks.js'
import { fromWireManifest, toWireManifest } from '../../src/images/swarm/manifest-wire.js'
import type { Manifest } from '../../src/images/types.js'

const GiB = 1024 ** 3

/** A manifest of `size` bytes made of 64 KiB chunks (zero chunks, so the chunk list stays cheap to build). */
function manifestOf (size: number): Manifest {
  const chunk = 64 * 1024
  const chunks = Array.from({ length: size / chunk }, (_, i) => ({ id: i.toString(16).padStart(64, '0'), size: chunk, zero: true }))
  return { name: 'disk', version: '1', size, chunks, author: '12D3KooWtest', createdAt: 1_764_195_000_000, signature: new Uint8Array(64).fill(7) }
}

describe('manifest wire codec', () => {
  // protons-runtime 7 mis-encodes bigint uint64 values between 2^31 and 2^32: sizes travel as JS numbers
  it.each([1 * GiB, 2 * GiB + 64 * 1024, 3 * GiB, 5 * GiB])('round-trips a %i-byte image exactly', size => {
    const m = manifestOf(size)
    const back = fromWireManifest(WireManifest.decode(WireManifest.encode(toWireManifest(m))), { maxChunks: 200_000 })
    expect(back.size).toBe(size)
    expect(back.createdAt).toBe(m.createdAt)
    expect(back.chunks).toHaveLength(m.chunks.length)
  })
})
