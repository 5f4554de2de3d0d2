import { loadIdentity } from '../../src/identity/identity.js'
import { openDatabase } from '../../src/storage/database.js'
import { ImageService } from '../../src/images/image-service.js'
import type { Manifest } from '../../src/images/types.js'

/** Add a disk file to a (stopped) node's data dir with the real ImageService, as `novacron image add` would. */
export async function seedImage (dataDir: string, file: string, name: string, version: string): Promise<Manifest> {
  const db = await openDatabase(dataDir)
  try {
    const identity = await loadIdentity(dataDir)
    const images = await ImageService.open({ dataDir, db, identity })
    try {
      return (await images.add(file, { name, version })).manifest
    } finally {
      await images.stop()
    }
  } finally {
    await db.close()
  }
}

/** Bytes of the distinct non-zero chunks of `b` that `a` lacks. */
export function newChunkBytes (a: Manifest, b: Manifest): number {
  const held = new Set(a.chunks.map(c => c.id))
  const seen = new Set<string>()
  let n = 0
  for (const c of b.chunks) {
    if (c.zero === true || held.has(c.id) || seen.has(c.id)) continue
    seen.add(c.id)
    n += c.size
  }
  return n
}
