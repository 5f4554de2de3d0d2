import type { Logger } from '../../logging/logger.js'
import type { Mutex } from './mutex.js'
import type { PackFiles } from './pack-files.js'
import { absentEntry, decodeEntry, encodeEntry, type IndexEntry } from './chunk-index.js'
import { RECORD_PREFIX_BYTES, recordPrefix } from './pack-record.js'

/** Live records copied per append while a pack is compacted. */
const COPY_BATCH_BYTES = 8 * 1024 * 1024

interface IndexSublevel {
  iterator(): AsyncIterable<[string, Uint8Array]>
  batch(ops: Array<{ type: 'put', key: string, value: Uint8Array }>): Promise<void>
}

export interface CompactInit {
  packs: PackFiles
  index: IndexSublevel
  /** The store's index lock: held while records move, so no reference count or location changes meanwhile. */
  lock: Mutex
  /** Live bytes (records of present, referenced or pinned chunks) per pack, from the GC's index scan. */
  live: Map<number, number>
  /**
   * Each pack's size when the GC scanned the index (under the lock). A pack that grew since holds records the scan
   * did not see (a write between the scan and now), so it is left for the next GC.
   */
  scannedSizes: Map<number, number>
  /** Packs whose live bytes are below this fraction of their size are compacted. */
  compactBelow: number
  /** Whether a stored chunk decodes to bytes that hash to `id` (a bad one is dropped, not copied). */
  verify: (id: string, stored: Uint8Array) => boolean
  log: Logger
}

/**
 * Give pack space back: delete packs with no live record; copy the live records of packs that are mostly dead into
 * the current pack (a fresh one when the current pack is itself a candidate), sync the copies, then delete the old
 * packs. A crash before the index batch leaves the old locations valid (the copies are dead bytes); after it, the
 * old pack is dead bytes until the next GC.
 */
export async function compactPacks (init: CompactInit): Promise<{ packsRemoved: number, reclaimedBytes: number }> {
  const { packs, live, compactBelow, scannedSizes } = init
  const empty: Array<{ pack: number, bytes: number }> = []
  const sparse: Array<{ pack: number, bytes: number }> = []
  let reclaimedBytes = 0
  // under the lock, as writes append under it: a pack with no live record when scanned may have taken a chunk since
  // (a pull storing while an image was removed), and deleting it then lost that chunk
  await init.lock.run(async () => {
    for (const p of packs.list()) {
      if (scannedSizes.get(p.pack) !== p.bytes) continue
      const l = live.get(p.pack) ?? 0
      if (l === 0) empty.push(p)
      else if (l < p.bytes * compactBelow) sparse.push(p)
    }
    for (const p of empty) {
      await packs.remove(p.pack)
      reclaimedBytes += p.bytes
    }
  })
  if (sparse.length === 0) return { packsRemoved: empty.length, reclaimedBytes }
  const copied = await init.lock.run(async () => {
    if (sparse.some(p => p.pack === packs.activePack)) await packs.seal()
    const wanted = new Set(sparse.map(p => p.pack))
    const records: Array<{ id: string, e: IndexEntry }> = []
    for await (const [id, v] of init.index.iterator()) {
      const e = decodeEntry(v)
      if (e.present && wanted.has(e.pack)) records.push({ id, e })
    }
    records.sort((a, b) => a.e.pack - b.e.pack || a.e.offset - b.e.offset)
    let bytes = 0
    for (let i = 0; i < records.length;) {
      const batch: typeof records = []
      let size = 0
      while (i < records.length && (batch.length === 0 || size < COPY_BATCH_BYTES)) {
        batch.push(records[i]!)
        size += records[i++]!.e.stored
      }
      bytes += await copyBatch(init, batch)
    }
    return bytes
  })
  for (const p of sparse) {
    await packs.remove(p.pack)
    reclaimedBytes += p.bytes
  }
  reclaimedBytes -= copied
  init.log.info('chunk packs compacted', { packs: sparse.length, copiedBytes: copied })
  return { packsRemoved: empty.length + sparse.length, reclaimedBytes }
}

/** Copy one batch of records to the current pack and point the index at the copies. Returns the bytes appended. */
async function copyBatch (init: CompactInit, batch: Array<{ id: string, e: IndexEntry }>): Promise<number> {
  const parts: Uint8Array[] = []
  const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
  const moved: Array<{ id: string, e: IndexEntry }> = []
  for (const r of batch) {
    const stored = await init.packs.read(r.e.pack, r.e.offset, r.e.stored).catch(() => undefined)
    if (stored === undefined || !safeVerify(init, r.id, stored)) {
      init.log.warn('dropping corrupt chunk during compaction', { id: r.id, pack: r.e.pack })
      ops.push({ type: 'put', key: r.id, value: encodeEntry(absentEntry(r.e.refs)) })
      continue
    }
    parts.push(recordPrefix(r.id, stored.length), stored)
    moved.push(r)
  }
  let appended = 0
  if (parts.length > 0) {
    const at = await init.packs.append(parts)
    let offset = at.offset
    for (const r of moved) {
      offset += RECORD_PREFIX_BYTES
      ops.push({ type: 'put', key: r.id, value: encodeEntry({ ...r.e, pack: at.pack, offset }) })
      offset += r.e.stored
    }
    appended = offset - at.offset
    // the copies are durable before the index points at them (the old pack goes only after this)
    await init.packs.sync()
  }
  await init.index.batch(ops)
  return appended
}

function safeVerify (init: CompactInit, id: string, stored: Uint8Array): boolean {
  try {
    return init.verify(id, stored)
  } catch {
    return false
  }
}
