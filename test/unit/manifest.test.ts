import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { canonicalManifestBytes, decodeManifest, encodeManifest, signManifest, validateManifest, verifyManifest } from '../../src/images/manifest.js'
import type { Manifest } from '../../src/images/types.js'

const unsigned = {
  name: 'debian-12',
  version: '1',
  size: 20480,
  createdAt: 1764115200000,
  chunks: [{ id: 'a'.repeat(64), size: 16384 }, { id: 'b'.repeat(64), size: 4096, zero: true }]
}

async function signed (): Promise<{ m: Manifest, author: string }> {
  const key = await generateKeyPair('Ed25519')
  const author = peerIdFromPrivateKey(key).toString()
  return { m: await signManifest(unsigned, key, author), author }
}

describe('manifest', () => {
  it('has a fixed canonical encoding (vector computed once; layout in manifest.ts)', () => {
    const b = canonicalManifestBytes({ ...unsigned, author: '12D3KooWAuthor' })
    // 20 domain + (2+9) name + (2+1) version + 8 size + (2+14) author + 8 createdAt + 4 count + 2 × 37 chunks
    expect(b.length).toBe(144)
    expect(Buffer.from(b.subarray(0, 20)).toString()).toBe('novacron-manifest/1\n')
    expect(createHash('sha256').update(b).digest('hex')).toBe('d85b7fc385dd810dfa83511c887a2be6882dfdb8552ace39cac7cc30938889b7')
  })

  it('verifies when signed by its author, and fails on any change or a different author', async () => {
    const { m } = await signed()
    expect(await verifyManifest(m)).toBe(true)
    const other = await signed()
    const tampered: Manifest[] = [
      { ...m, name: 'debian-13' },
      { ...m, version: '2' },
      { ...m, createdAt: m.createdAt + 1 },
      { ...m, chunks: [{ ...m.chunks[0]!, id: 'c'.repeat(64) }, m.chunks[1]!] },
      { ...m, chunks: [m.chunks[0]!, { ...m.chunks[1]!, zero: false }] },
      { ...m, author: other.author },
      { ...m, signature: other.m.signature },
      { ...m, author: 'not-a-peer-id' },
      { ...m, size: 1 }
    ]
    for (const t of tampered) expect(await verifyManifest(t)).toBe(false)
  })

  it('validates and encodes a frozen (signed, decoded or received) manifest once; a plain object every time', async () => {
    const { m } = await signed()
    expect(Object.isFrozen(m) && Object.isFrozen(m.chunks) && Object.isFrozen(m.chunks[0])).toBe(true)
    expect(() => { (m.chunks as Array<{ size: number }>)[0]!.size = 1 }).toThrow(TypeError)
    expect(canonicalManifestBytes(m)).toBe(canonicalManifestBytes(m))
    const decoded = decodeManifest(encodeManifest(m))
    expect(canonicalManifestBytes(decoded)).toBe(canonicalManifestBytes(decoded))
    expect(Buffer.from(canonicalManifestBytes(decoded)).equals(Buffer.from(canonicalManifestBytes(m)))).toBe(true)
    // a plain object may change between calls: nothing is remembered for it
    const plain = { ...unsigned, chunks: unsigned.chunks.map(c => ({ ...c })), author: '12D3KooWAuthor' }
    const before = Buffer.from(canonicalManifestBytes(plain))
    plain.chunks[0]!.id = 'c'.repeat(64)
    expect(Buffer.from(canonicalManifestBytes(plain)).equals(before)).toBe(false)
    plain.chunks[0]!.id = 'not hex'
    expect(() => canonicalManifestBytes(plain)).toThrow(/bad ID/)
    // signing froze a copy, not the caller's list
    expect(Object.isFrozen(unsigned.chunks)).toBe(false)
  })

  it('round-trips through its stored form', async () => {
    const { m } = await signed()
    const back = decodeManifest(encodeManifest(m))
    expect(back).toEqual(m)
    expect(await verifyManifest(back)).toBe(true)
  })

  it('rejects malformed stored forms with ERR_MANIFEST_INVALID', async () => {
    const { m } = await signed()
    const b = encodeManifest(m)
    const bad = [
      b.subarray(0, b.length - 1),
      Buffer.concat([b, Buffer.from([0])]),
      b.subarray(0, 10),
      Buffer.concat([Buffer.from('novacron-manifest/2\n'), b.subarray(20)]),
      new Uint8Array(0)
    ]
    for (const x of bad) expect(() => decodeManifest(x)).toThrowError(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID', name: 'ManifestInvalidError' }))
  })

  it('validates fields', () => {
    const base = { ...unsigned, author: 'x' }
    const bad = [
      { ...base, size: 20481 },
      { ...base, name: '../etc' },
      { ...base, version: '' },
      { ...base, chunks: [{ id: 'A'.repeat(64), size: 20480 }] },
      { ...base, chunks: [{ id: 'a'.repeat(64), size: 0 }], size: 0 },
      { ...base, chunks: [{ id: 'a'.repeat(64), size: 64 * 1024 * 1024 }], size: 64 * 1024 * 1024 },
      { ...base, author: '' }
    ]
    for (const m of bad) expect(() => { validateManifest(m) }).toThrowError(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID' }))
  })
})
