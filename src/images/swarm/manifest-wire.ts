import type { Manifest } from '../types.js'
import type { WireManifest } from './pb/chunks.js'
import { BadManifestError } from './errors.js'
import { freezeManifest } from '../manifest.js'
import { packChunkList, unpackChunkList } from './packed-chunk-list.js'
import { DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_MANIFEST_CHUNKS, MAX_REF_LENGTH } from './constants.js'

const HEX = /^[0-9a-f]{64}$/

/** The manifest as sent: its chunk list in `packed` form (packed-chunk-list.ts) when `packed`, else in `chunks`. */
export function toWireManifest (m: Manifest, packed = false): WireManifest {
  return {
    name: m.name,
    version: m.version,
    size: m.size,
    chunks: packed ? [] : m.chunks.map(c => ({ id: Buffer.from(c.id, 'hex'), size: c.size, zero: c.zero === true })),
    author: m.author,
    createdAt: m.createdAt,
    signature: Uint8Array.from(m.signature),
    packed: packed ? packChunkList(m.chunks) : new Uint8Array()
  }
}

export interface ManifestLimits {
  maxChunks?: number
  maxChunkBytes?: number
}

/** Decode and check a manifest received from a peer (structure only: the signature is checked by the caller). */
export function fromWireManifest (w: WireManifest, limits: ManifestLimits = {}): Manifest {
  const { maxChunks = DEFAULT_MAX_MANIFEST_CHUNKS, maxChunkBytes = DEFAULT_MAX_CHUNK_BYTES } = limits
  const bad = (why: string): never => { throw new BadManifestError(`manifest ${w.name}@${w.version}: ${why}`) }
  if (w.name === '' || w.name.length > MAX_REF_LENGTH) bad('bad name')
  if (w.version === '' || w.version.length > MAX_REF_LENGTH) bad('bad version')
  if (w.chunks.length > maxChunks) bad(`${w.chunks.length} chunks exceed the limit of ${maxChunks}`)
  if (w.author === '' || w.author.length > 128) bad('bad author')
  if (w.signature.length === 0 || w.signature.length > 256) bad('bad signature length')
  if (w.packed.length > 0 && w.chunks.length > 0) bad('chunk list both packed and not')
  let total = 0
  const chunks = w.packed.length > 0
    ? unpackChunkList(w.packed, { maxChunks, maxChunkBytes })
    : w.chunks.map((c, i) => {
      if (c.id.length !== 32) bad(`chunk ${i} has a ${c.id.length}-byte ID`)
      if (c.size <= 0 || c.size > maxChunkBytes) bad(`chunk ${i} has size ${c.size}`)
      const id = Buffer.from(c.id.buffer, c.id.byteOffset, c.id.byteLength).toString('hex')
      return c.zero ? { id, size: c.size, zero: true } : { id, size: c.size }
    })
  for (const c of chunks) total += c.size
  if (total !== w.size) bad(`size ${w.size} is not the sum of its chunks (${total})`)
  if (!Number.isSafeInteger(w.createdAt)) bad('bad createdAt')
  // both forms carry IDs as 32 raw bytes (checked above or by unpackChunkList), written here as hex
  return freezeManifest({ name: w.name, version: w.version, size: total, chunks, author: w.author, createdAt: w.createdAt, signature: Uint8Array.from(w.signature) }, { idsFromBytes: true })
}

export function isChunkId (id: string): boolean {
  return HEX.test(id)
}
