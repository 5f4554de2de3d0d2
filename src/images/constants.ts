import type { ChunkingParams } from './chunker/params.js'

/**
 * Default FastCDC sizes for VM disks: min 2 KiB, average 8 KiB, max 32 KiB (bounds the bytes a one-byte change can
 * dirty and a swarm message). Measured on the realistic disk (benchmarks/chunking/results.md,
 * protocols/chunk-format.md): a second version with 5% changed costs 1.15× its changed bytes as stored (lz4) where
 * 4/8/32 costs 1.17× and 4/16/64 1.33×, for ~38k stored chunks per GiB of that disk (twice 4/16/64's). Pack files
 * and batched index writes keep the per-chunk cost of the store small.
 */
export const DEFAULT_CHUNKING: ChunkingParams = { minBytes: 2 * 1024, avgBytes: 8 * 1024, maxBytes: 32 * 1024 }

/** Chunks live in append-only pack files under `<dataDir>/chunks/packs/` (protocols/chunk-format.md). */
export const CHUNKS_DIR = 'chunks'
export const PACKS_DIR = 'packs'
/** A pack takes appends until it holds this many bytes. */
export const DEFAULT_MAX_PACK_BYTES = 256 * 1024 * 1024
/** GC rewrites the live records of a full pack whose live bytes fell below this fraction, then deletes it. */
export const DEFAULT_COMPACT_BELOW = 0.5
/** LevelDB sublevels of the image service. */
export const CHUNK_INDEX_SUBLEVEL = 'chunks'
export const MANIFEST_SUBLEVEL = 'manifests'

/** A chunk is stored lz4-compressed only when that saves at least this fraction of its size. */
export const DEFAULT_MIN_COMPRESSION_SAVING = 1 / 16
/** Chunks an import writes together (one pack append and one index batch). */
export const DEFAULT_WRITE_BATCH = 256
/** Reads from the source file during an import. */
export const DEFAULT_READ_BYTES = 4 * 1024 * 1024

/** Image names and versions. */
export const IMAGE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/
/** Version given to an image added without `--version`. */
export const DEFAULT_IMAGE_VERSION = 'latest'
/** Largest image accepted (also bounds the manifest: ~1M chunks at the default average). */
export const MAX_IMAGE_BYTES = 16 * 1024 ** 4
/** Most chunks a manifest may list. */
export const MAX_MANIFEST_CHUNKS = 4_000_000
/** Chunk entries of the decoded manifests an image service keeps in memory (manifest-cache.ts). */
export const MANIFEST_CACHE_CHUNK_ENTRIES = 300_000
/** Chunk locations a store keeps in memory for serving (location-cache.ts): ~10 MB, ~512 MiB of 8 KiB chunks. */
export const LOCATION_CACHE_ENTRIES = 65_536
/** Index values of chunks just written a store keeps for the next commit's counts (written-entries.ts): ≤ ~17 MB. */
export const WRITTEN_ENTRIES_MAX = 131_072
/** Keys per index lookup when a store prefetches locations (chunk-store.ts prefetchLocations): ~3 ms of CPU each. */
export const LOCATION_PREFETCH_SLICE = 1024
