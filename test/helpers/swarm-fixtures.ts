import { createHash, randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import type { ChunkRef, ChunkStoreView, Manifest } from '../../src/images/types.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import type { ManifestSource } from '../../src/images/swarm/chunk-server.js'
import type { VerifiedChunk } from '../../src/images/types.js'
import { decodeChunkFile } from '../../src/images/store/chunk-file.js'
import { lz4Napi } from '../../src/images/store/lz4.js'

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
    this.chunks.set(id, new Uint8Array(bytes))
  }

  /**
   * Call `stop` (a node shutting down mid-pull) once `n` chunks are stored. The returned function waits for that
   * stop and puts the store back as it was.
   */
  stopAfterPuts (n: number, stop: () => Promise<void>): () => Promise<void> {
    const put = this.put.bind(this)
    let stopping: Promise<void> | undefined
    this.put = async (id, bytes) => {
      await put(id, bytes)
      if (this.puts >= n && stopping == null) stopping = stop()
    }
    return async () => {
      await stopping
      this.put = put
    }
  }
}

/** The stored form of a chunk as the chunk store writes it: "NC", 1, encoding, u32 LE size, payload (lz4 when it saves 1/16). */
export function storedForm (raw: Uint8Array): Uint8Array {
  const packed = lz4Napi.compress(raw)
  const lz4 = packed.length <= raw.length * 15 / 16
  const payload = lz4 ? packed : raw
  const out = new Uint8Array(8 + payload.length)
  out.set([0x4e, 0x43, 1, lz4 ? 1 : 0])
  new DataView(out.buffer).setUint32(4, raw.length, true)
  out.set(payload, 8)
  return out
}

/**
 * A memory store that also keeps each chunk's stored (lz4) form, serves it through `getEncoded` like the real
 * store, and takes verified batches through `putHashed` (what a node passes as putVerified), counting the chunks
 * that arrived with their encoded form.
 */
export class EncodedMemoryChunkStore extends MemoryChunkStore {
  readonly encoded = new Map<string, Uint8Array>()
  /** Chunks stored from an `encoded` form given by the transfer (not compressed again). */
  keptEncoded = 0
  encodedManyCalls = 0

  async getEncoded (id: string): Promise<Uint8Array> {
    const e = this.encoded.get(id)
    if (e == null) throw Object.assign(new Error(`no chunk ${id}`), { code: 'ERR_CHUNK_NOT_FOUND' })
    return e
  }

  /** Many at once, like the real store (undefined where absent); the chunk server reads its queued requests so. */
  async getEncodedMany (ids: string[]): Promise<Array<Uint8Array | undefined>> {
    this.encodedManyCalls++
    return ids.map(id => this.encoded.get(id))
  }

  override async put (id: string, bytes: Uint8Array): Promise<void> {
    await super.put(id, bytes)
    this.encoded.set(id, storedForm(bytes))
  }

  async putHashed (chunks: VerifiedChunk[]): Promise<void> {
    for (const c of chunks) {
      if (c.encoded != null) {
        // what the real store may rely on: the stored form decodes to the verified bytes
        const stored = Buffer.concat([c.encoded.header, c.encoded.payload])
        if (Buffer.compare(decodeChunkFile(stored, lz4Napi), c.bytes) !== 0) throw new Error(`encoded form of ${c.id} does not decode to its bytes`)
        await super.put(c.id, c.bytes)
        this.encoded.set(c.id, stored)
        this.keptEncoded++
      } else {
        await this.put(c.id, c.bytes)
      }
    }
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

/** Text-like data that lz4 compresses to well under half (no zero chunks). */
export function compressibleBytes (chunks: number, chunkSize = 16 * 1024): Uint8Array {
  const words = ['disk', 'image', 'chunk', 'swarm', 'node', 'peer', 'libp2p', 'manifest', 'kernel', 'page']
  const out = new Uint8Array(chunks * chunkSize)
  let off = 0
  let n = 1
  while (off < out.length) {
    n = (n * 1103515245 + 12345) >>> 0
    const w = Buffer.from(`${words[n % words.length] ?? ''} ${n % 1000} `)
    out.set(w.subarray(0, Math.min(w.length, out.length - off)), off)
    off += w.length
  }
  return out
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
