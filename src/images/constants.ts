import type { ChunkingParams } from './chunker/params.js'

/**
 * Default FastCDC sizes for VM disks: min 4 KiB (the page and filesystem block size: no chunk is smaller than one
 * guest write), average 16 KiB, max 64 KiB (qcow2's default cluster size; bounds a swarm message and the bytes a
 * one-byte change can dirty). Measured on the 1 GiB realistic disk (benchmarks/chunking/results.md): a 16 KiB
 * average stores 0.37 of the disk where 64 KiB stores 0.53, and version 2 adds 1.33× its changed bytes (lz4) where
 * 64 KiB adds 2.37×, for ~20k stored chunks per GiB. Reasoning in protocols/chunk-format.md.
 */
export const DEFAULT_CHUNKING: ChunkingParams = { minBytes: 4 * 1024, avgBytes: 16 * 1024, maxBytes: 64 * 1024 }

/** Chunk files live under `<dataDir>/chunks/ab/cdef…` (first two hex digits of the ID, then the rest). */
export const CHUNKS_DIR = 'chunks'
/** Temporary files of chunk writes in progress; emptied when the store opens. */
export const CHUNKS_TMP_DIR = 'tmp'
/** LevelDB sublevels of the image service. */
export const CHUNK_INDEX_SUBLEVEL = 'chunks'
export const MANIFEST_SUBLEVEL = 'manifests'

/** A chunk is stored lz4-compressed only when that saves at least this fraction of its size. */
export const DEFAULT_MIN_COMPRESSION_SAVING = 1 / 16
/** Chunk files written concurrently during an import. */
export const DEFAULT_WRITE_CONCURRENCY = 16
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
