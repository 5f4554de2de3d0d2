import { createHash, randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import type { ChunkRef, ChunkStoreView, Manifest } from '../../src/images/types.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import type { ManifestSource } from '../../src/images/swarm/chunk-server.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** A chunk store in memory that verifies like the real one. Counts puts, for "fetched only once" checks. */
export class MemoryChunkStore implements ChunkStoreView {
  readonly chunks = new Map<string, Uint8Array>()
  puts = 0

  async has (id: string): Promise<boolean> {
    return this.chunks.has(id)
  }

  async get (id: string): Promise<Uint8Array> {
    const c = this.chunks.get(id)
    if (c == null) throw Object.assign(new Error(`no chunk ${id}`), { code: 'ERR_CHUNK_NOT_FOUND' })
    return c
  }

  async put (id: string, bytes: Uint8Array): Promise<void> {
    if (sha(bytes) !== id) throw Object.assign(new Error('hash mismatch'), { code: 'ERR_CHUNK_HASH_MISMATCH' })
    this.puts++
    this.chunks.set(id, Uint8Array.from(bytes))
  }
}

export interface TestImage {
  manifest: Manifest
  /** Distinct non-zero chunks by ID. */
  chunks: Map<string, Uint8Array>
  bytes: Uint8Array
}

/** Cut `bytes` into fixed-size chunks (content-defined cutting is part A's; the swarm doesn't care). */
export function makeImage (name: string, version: string, bytes: Uint8Array, chunkSize = 16 * 1024): TestImage {
  const refs: ChunkRef[] = []
  const chunks = new Map<string, Uint8Array>()
  for (let off = 0; off < bytes.length; off += chunkSize) {
    const c = bytes.subarray(off, Math.min(bytes.length, off + chunkSize))
    const id = sha(c)
    if (c.every(b => b === 0)) {
      refs.push({ id, size: c.length, zero: true })
    } else {
      refs.push({ id, size: c.length })
      chunks.set(id, Uint8Array.from(c))
    }
  }
  const manifest: Manifest = { name, version, size: bytes.length, chunks: refs, author: 'test-author', createdAt: Date.now(), signature: new Uint8Array([1, 2, 3]) }
  return { manifest, chunks, bytes }
}

/** Random data with some zero and some repeated chunks. */
export function testBytes (chunks: number, chunkSize = 16 * 1024): Uint8Array {
  const out = new Uint8Array(chunks * chunkSize)
  const repeated = randomBytes(chunkSize)
  for (let i = 0; i < chunks; i++) {
    if (i % 10 === 3) continue // zero chunk
    out.set(i % 10 === 5 ? repeated : randomBytes(chunkSize), i * chunkSize)
  }
  return out
}

export async function seedStore (store: MemoryChunkStore, image: TestImage): Promise<void> {
  for (const [id, c] of image.chunks) await store.put(id, c)
}

/** A source that knows complete images and answers have from the store's contents. */
export class MemorySource implements ManifestSource {
  readonly manifests: Manifest[] = []
  constructor (private readonly store: MemoryChunkStore) {}

  async manifest (name: string, version?: string): Promise<Manifest | undefined> {
    return this.manifests.filter(m => m.name === name && (version == null || m.version === version)).sort((a, b) => b.createdAt - a.createdAt)[0]
  }

  async have (name: string, version: string): Promise<Bitfield | undefined> {
    const m = await this.manifest(name, version)
    if (m == null) return undefined
    const b = new Bitfield(m.chunks.length)
    m.chunks.forEach((c, i) => { if (c.zero === true || this.store.chunks.has(c.id)) b.set(i) })
    return b
  }
}

/** An in-memory stream pair: [client side, server side]. */
export async function pair (): Promise<[Stream, Stream]> {
  return await streamPair({ delay: 0 })
}
