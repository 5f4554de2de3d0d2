import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import type { Startable } from '@libp2p/interface'
import type { ImageProvider, Manifest } from './types.js'
import type { Database } from '../storage/database.js'
import type { Identity } from '../identity/identity.js'
import type { Logger } from '../logging/logger.js'
import { silentLogger } from '../logging/logger.js'
import { InvalidInputError } from '../errors.js'
import { NAME } from '../config/fields.js'
import { DEFAULT_CHUNKING, IMAGE_VERSION, MANIFEST_CACHE_CHUNK_ENTRIES, MANIFEST_SUBLEVEL } from './constants.js'
import { ManifestCache } from './manifest-cache.js'
import { ImageExistsError, ImageNotFoundError, ManifestInvalidError } from './errors.js'
import { checkChunkingParams, type ChunkingParams } from './chunker/params.js'
import { ChunkStore, type GcResult, type IndexBatchOp } from './store/chunk-store.js'
import { decodeManifest, distinctChunkIds, encodeManifest, signManifest, validateManifest, verifyManifest } from './manifest.js'
import { openSource, type SourceFormat } from './import/source-file.js'
import { chunkIntoStore, type ImportProgress } from './import/chunk-into-store.js'
import { writeDisk, type MaterialiseProgress } from './materialise.js'

export interface ImageServiceInit {
  dataDir: string
  db: Database
  identity: Identity
  /** An already-open store; one is opened over `dataDir` and `db` if absent. */
  store?: ChunkStore
  logger?: Logger
  /** @default DEFAULT_CHUNKING */
  chunking?: ChunkingParams
  /** Called after a manifest is committed (added or pulled): the swarm announces it as a provider. */
  onManifestAdded?: (manifest: Manifest) => void | Promise<void>
  /** Called after a manifest is removed. */
  onManifestRemoved?: (manifest: Manifest) => void | Promise<void>
  /** @default 'qemu-img' */
  qemuImg?: string
}

export interface AddOptions {
  name: string
  /** @default the next integer after the highest numeric version of `name`, or "1" */
  version?: string
  /** @default detected from the file's magic */
  format?: SourceFormat
  onProgress?: (p: ImportProgress) => void
}

export interface AddResult {
  manifest: Manifest
  format: SourceFormat
  newChunks: number
  newStoredBytes: number
}

/** What `list`/`show` print about an image. */
export interface ImageSummary {
  ref: string
  name: string
  version: string
  size: number
  chunks: number
  zeroChunks: number
  uniqueChunks: number
  author: string
  createdAt: number
}


function refOf (m: { name: string, version: string }): string {
  return `${m.name}@${m.version}`
}

/** Parse `NAME[@VERSION]`. */
export function parseRef (ref: string, field = 'ref'): { name: string, version?: string } {
  const at = ref.indexOf('@')
  const name = at < 0 ? ref : ref.slice(0, at)
  const version = at < 0 ? undefined : ref.slice(at + 1)
  if (!NAME.test(name)) throw new InvalidInputError(field, `"${ref}": image name must match ${NAME.source}`)
  if (version !== undefined && !IMAGE_VERSION.test(version)) throw new InvalidInputError(field, `"${ref}": version must match ${IMAGE_VERSION.source}`)
  return version === undefined ? { name } : { name, version }
}

/**
 * The node's images: import (raw or qcow2) into the chunk store under a signed manifest, list, show, remove
 * (reference release + GC), and materialise a byte-identical disk. Manifests live in LevelDB (`manifests`
 * sublevel, key `name@version`), committed in the same batch as their chunks' reference counts.
 */
export class ImageService implements ImageProvider, Startable {
  readonly store: ChunkStore
  private readonly manifests
  private readonly decoded = new ManifestCache(MANIFEST_CACHE_CHUNK_ENTRIES)
  private readonly log: Logger
  private readonly chunking: ChunkingParams

  private constructor (private readonly init: ImageServiceInit, store: ChunkStore) {
    this.store = store
    this.manifests = init.db.sublevel<string, Uint8Array>(MANIFEST_SUBLEVEL, { valueEncoding: 'view' })
    this.log = init.logger ?? silentLogger
    this.chunking = checkChunkingParams(init.chunking ?? DEFAULT_CHUNKING)
  }

  static async open (init: ImageServiceInit): Promise<ImageService> {
    const store = init.store ?? await ChunkStore.open({ dataDir: init.dataDir, db: init.db, logger: init.logger?.child('chunks') })
    const service = new ImageService(init, store)
    await service.cleanTemp()
    return service
  }

  async start (): Promise<void> {}
  /** Closes the chunk store's pack files when this service opened the store. */
  async stop (): Promise<void> {
    if (this.init.store === undefined) await this.store.close()
  }

  /** Import a raw or qcow2 disk file as `name@version`. */
  async add (path: string, opts: AddOptions): Promise<AddResult> {
    const { name } = parseRef(opts.name, 'name')
    if (opts.version !== undefined && !IMAGE_VERSION.test(opts.version)) throw new InvalidInputError('version', `"${opts.version}" must match ${IMAGE_VERSION.source}`)
    const version = opts.version ?? await this.nextVersion(name)
    if (await this.find(name, version) !== undefined) throw new ImageExistsError(`image ${name}@${version} already exists`)
    opts.onProgress?.({ phase: 'convert', doneBytes: 0, totalBytes: 0 })
    const source = await openSource(path, { format: opts.format, tmpDir: join(this.init.dataDir, 'tmp'), qemuImg: this.init.qemuImg })
    // chunks are pinned from the moment they are stored until the manifest holds references to them
    const pinned = new Set<string>()
    const release = this.store.pinSet(pinned)
    try {
      const disk = await chunkIntoStore(source.path, this.store, this.chunking, { onProgress: opts.onProgress, pinned })
      const manifest = await signManifest({ name, version, size: disk.size, chunks: disk.chunks, createdAt: Date.now() }, this.init.identity.privateKey, this.init.identity.peerId.toString())
      await this.commit(manifest)
      this.log.info('image added', { ref: refOf(manifest), size: manifest.size, chunks: manifest.chunks.length, newChunks: disk.newChunks, format: source.format })
      return { manifest, format: source.format, newChunks: disk.newChunks, newStoredBytes: disk.newStoredBytes }
    } finally {
      release()
      await source.cleanup()
    }
  }

  /** Record an image pulled from peers: its signature must verify and every non-zero chunk must be in the store. */
  async addPulled (manifest: Manifest): Promise<void> {
    if (!await verifyManifest(manifest)) throw new ManifestInvalidError(`manifest ${refOf(manifest)} is not validly signed by ${manifest.author}`, 'ERR_MANIFEST_SIGNATURE')
    // every chunk must be stored: checked under the store lock, in the lookup the reference counts need anyway
    await this.commit(manifest, true)
  }

  /** Check a manifest's signature against its author's key. */
  async verify (manifest: Manifest): Promise<boolean> {
    return await verifyManifest(manifest)
  }

  private async commit (manifest: Manifest, chunksMustBePresent = false): Promise<void> {
    validateManifest(manifest)
    // the chunks are durable before the manifest that references them
    await this.store.sync()
    const key = refOf(manifest)
    const added = await this.store.lock.run(async () => {
      const existing = await this.manifests.get(key)
      if (existing !== undefined) {
        if (Buffer.compare(existing, encodeManifest(manifest)) === 0) return false
        throw new ImageExistsError(`image ${key} already exists with different content`)
      }
      const refs = await this.store.refOps(distinctChunkIds(manifest), 1, chunksMustBePresent ? { presentFor: key } : {})
      await this.batch(refs, [{ type: 'put', key, value: encodeManifest(manifest) }])
      return true
    })
    if (added) await this.notify(this.init.onManifestAdded, manifest)
  }

  /**
   * One LevelDB batch over the chunk index and the manifests, built as a chained batch: for the 38,000 reference
   * counts of a 1 GiB image it took 46-78 ms against 111-152 ms as an array of operations with a sublevel each.
   */
  private async batch (indexOps: IndexBatchOp[], manifestOps: IndexBatchOp[]): Promise<void> {
    const batch = this.init.db.batch()
    try {
      for (const [ops, sublevel] of [[indexOps, this.store.indexSublevel], [manifestOps, this.manifests]] as const) {
        for (const o of ops) {
          if (o.type === 'put') batch.put(o.key, o.value, { sublevel })
          else batch.del(o.key, { sublevel })
        }
      }
    } catch (err) {
      await batch.close()
      throw err
    }
    await batch.write()
  }

  private async notify (cb: ((m: Manifest) => void | Promise<void>) | undefined, m: Manifest): Promise<void> {
    if (cb == null) return
    try {
      await cb(m)
    } catch (err) {
      this.log.warn('image listener failed', { ref: refOf(m), err: (err as Error).message })
    }
  }

  /** Every image, sorted by name then creation time. */
  async list (): Promise<Manifest[]> {
    const out: Manifest[] = []
    for await (const [k, v] of this.manifests.iterator()) out.push(this.decode(k, v))
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt || a.version.localeCompare(b.version))
  }

  /** `name@version`, or the newest version of `name`; undefined if absent. */
  async find (name: string, version?: string): Promise<Manifest | undefined> {
    if (version !== undefined) {
      const key = refOf({ name, version })
      const hit = this.decoded.get(key)
      if (hit !== undefined) return hit
      const v = await this.manifests.get(key)
      return v === undefined ? undefined : this.decode(key, v)
    }
    let newest: Manifest | undefined
    for await (const [k, v] of this.manifests.iterator({ gte: `${name}@`, lt: `${name}@\xff` })) {
      const m = this.decode(k, v)
      if (newest === undefined || m.createdAt >= newest.createdAt) newest = m
    }
    return newest
  }

  /** A stored manifest, decoded once (see ManifestCache). */
  private decode (key: string, value: Uint8Array): Manifest {
    const hit = this.decoded.get(key)
    if (hit !== undefined) return hit
    const m = decodeManifest(value)
    this.decoded.set(key, m)
    return m
  }

  /** `name` or `name@version`; throws ERR_IMAGE_NOT_FOUND. */
  async resolve (ref: string): Promise<Manifest> {
    const { name, version } = parseRef(ref)
    const m = await this.find(name, version)
    if (m === undefined) throw new ImageNotFoundError(`no image ${ref} on this node`)
    return m
  }

  summary (m: Manifest): ImageSummary {
    const nonZero = m.chunks.filter(c => c.zero !== true)
    return {
      ref: refOf(m),
      name: m.name,
      version: m.version,
      size: m.size,
      chunks: m.chunks.length,
      zeroChunks: m.chunks.length - nonZero.length,
      uniqueChunks: new Set(nonZero.map(c => c.id)).size,
      author: m.author,
      createdAt: m.createdAt
    }
  }

  /** Remove `name@version` (or every version of `name` when no version is given), release its chunks, collect garbage. */
  async remove (ref: string): Promise<{ removed: Manifest[], gc: GcResult }> {
    const { name, version } = parseRef(ref)
    const removed = await this.store.lock.run(async () => {
      const victims: Manifest[] = []
      if (version !== undefined) {
        const v = await this.manifests.get(refOf({ name, version }))
        if (v !== undefined) victims.push(decodeManifest(v))
      } else {
        for await (const v of this.manifests.values({ gte: `${name}@`, lt: `${name}@\xff` })) victims.push(decodeManifest(v))
      }
      if (victims.length === 0) throw new ImageNotFoundError(`no image ${ref} on this node`)
      // one batch per manifest, so a chunk shared by two removed versions drops by two
      for (const m of victims) {
        const ops = await this.store.refOps(distinctChunkIds(m), -1)
        await this.batch(ops, [{ type: 'del', key: refOf(m) }])
        this.decoded.delete(refOf(m))
      }
      return victims
    })
    for (const m of removed) await this.notify(this.init.onManifestRemoved, m)
    const gc = await this.store.gc()
    this.log.info('image removed', { ref, versions: removed.length, ...gc })
    return { removed, gc }
  }

  /** Write the image to `destPath` byte for byte (crash-safe: temp file + fsync + rename). */
  async materialise (ref: string, destPath: string, opts: { onProgress?: (p: MaterialiseProgress) => void } = {}): Promise<{ manifest: Manifest, sizeBytes: number }> {
    const manifest = await this.resolve(ref)
    const release = this.store.pin(distinctChunkIds(manifest))
    try {
      const sizeBytes = await writeDisk(manifest, this.store, destPath, opts.onProgress)
      return { manifest, sizeBytes }
    } finally {
      release()
    }
  }

  private async nextVersion (name: string): Promise<string> {
    let max = 0
    for await (const key of this.manifests.keys({ gte: `${name}@`, lt: `${name}@\xff` })) {
      const v = key.slice(name.length + 1)
      if (/^\d{1,9}$/.test(v)) max = Math.max(max, Number(v))
    }
    return String(max + 1)
  }

  /** Remove temp files of interrupted imports. */
  async cleanTemp (): Promise<void> {
    await rm(join(this.init.dataDir, 'tmp'), { recursive: true, force: true })
  }
}
