import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { applyManifestDelta, encodeManifestDelta } from '../../src/images/swarm/manifest-delta.js'
import { toWireManifest } from '../../src/images/swarm/manifest-wire.js'
import { ManifestDelta, WireManifest } from '../../src/images/swarm/pb/chunks.js'
import { signManifest, verifyManifest } from '../../src/images/manifest.js'
import type { ChunkRef, Manifest } from '../../src/images/types.js'

const CHUNK = 16 * 1024
const ref = (n: number): ChunkRef => ({ id: createHash('sha256').update(`chunk ${n}`).digest('hex'), size: CHUNK })
const zero: ChunkRef = { id: createHash('sha256').update(new Uint8Array(CHUNK)).digest('hex'), size: CHUNK, zero: true }

async function signed (version: string, chunks: ChunkRef[]): Promise<Manifest> {
  const key = await generateKeyPair('Ed25519')
  return await signManifest({ name: 'disk', version, size: chunks.length * CHUNK, chunks, createdAt: 1_764_000_000_000 }, key, peerIdFromPrivateKey(key).toString())
}

/** Version 1: 2000 chunks with zero runs; version 2: 5% rewritten in place, 10 inserted, 10 removed. */
async function versions (): Promise<{ v1: Manifest, v2: Manifest }> {
  const c1 = Array.from({ length: 2000 }, (_, i) => i % 50 < 10 ? zero : ref(i))
  const c2 = c1.map((c, i) => i % 20 === 7 ? ref(100_000 + i) : c)
  c2.splice(500, 10)
  c2.splice(1200, 0, ...Array.from({ length: 10 }, (_, i) => ref(200_000 + i)))
  return { v1: await signed('1', c1), v2: await signed('2', c2) }
}

describe('manifest delta', () => {
  it('rebuilds the same manifest, signature intact, from far fewer bytes than the whole one', async () => {
    const { v1, v2 } = await versions()
    const delta = encodeManifestDelta(v2, v1)
    expect(delta).toBeDefined()
    const rebuilt = applyManifestDelta(ManifestDelta.decode(ManifestDelta.encode(delta!)), v1)
    expect(rebuilt).toEqual(v2)
    expect(await verifyManifest(rebuilt)).toBe(true)
    const whole = WireManifest.encode(toWireManifest(v2)).length
    const sent = ManifestDelta.encode(delta!).length
    // 110 new entries of 2000: the delta is the new refs plus a few bytes per run
    expect(sent).toBeLessThan(whole / 5)
  })

  it('is not used when it would not be smaller than the whole manifest', async () => {
    const { v1 } = await versions()
    const other = await signed('9', Array.from({ length: 100 }, (_, i) => ref(300_000 + i)))
    expect(encodeManifestDelta(other, v1)).toBeUndefined()
  })

  it('refuses copies out of range, empty or mixed ops, a wrong base and too many ops or entries', async () => {
    const { v1, v2 } = await versions()
    const good = encodeManifestDelta(v2, v1)!
    const tamper = (f: (d: ManifestDelta) => void): ManifestDelta => {
      const d = ManifestDelta.decode(ManifestDelta.encode(good))
      f(d)
      return d
    }
    const cases: ManifestDelta[] = [
      tamper(d => { d.ops.push({ start: 1995, count: 10 }) }),
      tamper(d => { d.ops.push({ start: 0xffffffff, count: 0xffffffff }) }),
      tamper(d => { d.ops.push({ start: 3, count: 0 }) }),
      tamper(d => { d.ops.push({ start: 3, count: 1, ref: toWireManifest(v1).chunks[0] }) }),
      tamper(d => { d.base = '0' })
    ]
    for (const d of cases) expect(() => applyManifestDelta(d, v1)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
    expect(() => applyManifestDelta(good, v1, { maxChunks: good.ops.length - 1 })).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
    // few ops, but rebuilding more entries than a manifest may hold: refused before anything is built
    const huge = tamper(d => { d.ops = Array.from({ length: 300 }, () => ({ start: 0, count: 2000 })) })
    expect(() => applyManifestDelta(huge, v1, { maxChunks: 500_000 })).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
  })

  it('a rebuilt list whose sizes do not add up is refused; one that does but differs fails the signature', async () => {
    const { v1, v2 } = await versions()
    const good = encodeManifestDelta(v2, v1)!
    const shortened = ManifestDelta.decode(ManifestDelta.encode(good))
    shortened.ops.pop()
    expect(() => applyManifestDelta(shortened, v1)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MANIFEST' }))
    // swap one copied run for another of the same length: structurally fine, not what was signed
    const forged = ManifestDelta.decode(ManifestDelta.encode(good))
    const copy = forged.ops.find(o => o.ref == null && o.count > 1 && o.start > 0)!
    copy.start -= 1
    const rebuilt = applyManifestDelta(forged, v1)
    expect(rebuilt.chunks).not.toEqual(v2.chunks)
    expect(await verifyManifest(rebuilt)).toBe(false)
  })
})
