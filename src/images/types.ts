/**
 * Contracts between the image services: the chunk store (local, content-addressed), the chunk swarm
 * (moves chunks between nodes) and the users of images (VMs). Chunk IDs are lowercase hex SHA-256.
 */

/** One entry of a manifest's ordered chunk list. */
export interface ChunkRef {
  /** SHA-256 of the uncompressed chunk bytes, lowercase hex. */
  id: string
  /** Uncompressed length in bytes. */
  size: number
  /** An all-zero chunk: never stored nor sent; the reader writes zeros. */
  zero?: boolean
}

/** An image version: its ordered chunks rebuild the disk byte for byte. Signed by the node that added it. */
export interface Manifest {
  name: string
  version: string
  /** Total size of the disk in bytes (sum of chunk sizes). */
  size: number
  chunks: ChunkRef[]
  /** Peer ID of the signer. */
  author: string
  /** Unix ms. */
  createdAt: number
  /** Signature over the canonical encoding, by `author`'s key. */
  signature: Uint8Array
}

/**
 * A chunk's stored form (chunk-file.ts) in its two pieces, the 8-byte header and the payload, which the store writes
 * with one writev: a chunk received lz4-encoded (or raw) is stored as it came without joining them first.
 */
export interface StoredParts {
  header: Uint8Array
  payload: Uint8Array
}

/** A chunk whose bytes hash to its ID; `encoded`, when given, is its stored form that decodes to `bytes`. */
export interface VerifiedChunk {
  id: string
  bytes: Uint8Array
  encoded?: StoredParts
}

/** What the swarm needs of the local chunk store. */
export interface ChunkStoreView {
  has(id: string): Promise<boolean>
  /** Verified, uncompressed bytes; throws a NotFound-coded error if absent. */
  get(id: string): Promise<Uint8Array>
  /** The chunk as stored (chunk-file header + raw or lz4 payload), unverified; throws a NotFound-coded error if absent. */
  getEncoded?(id: string): Promise<Uint8Array>
  /** Verified bytes of many chunks in the order of `ids` (one index lookup); stores without it are read one by one. */
  getMany?(ids: string[]): Promise<Uint8Array[]>
  /** Stored forms of many chunks, unverified, undefined where absent or unreadable (one index lookup). */
  getEncodedMany?(ids: string[]): Promise<Array<Uint8Array | undefined>>
  /** Presence of many chunks (one index lookup). */
  hasMany?(ids: string[]): Promise<boolean[]>
  /**
   * Look up where these chunks lie ahead of requests for them (a server that just told a peer about an image):
   * later `getEncodedMany` calls then skip the index. Best effort, never throws.
   */
  prefetchLocations?(ids: string[]): Promise<void>
  /** Verifies sha256(bytes) === id before storing; throws on mismatch. Idempotent. */
  put(id: string, bytes: Uint8Array): Promise<void>
}

/** What VM creation needs of images: a disk file materialised from a stored image. */
export interface ImageProvider {
  /** `name` or `name@version`; throws a NOT_FOUND-coded error for an unknown image. */
  resolve(ref: string): Promise<Manifest>
  /** Write the image's bytes to `destPath` (crash-safe: temp file + rename). */
  materialise(ref: string, destPath: string): Promise<{ manifest: Manifest, sizeBytes: number }>
}
