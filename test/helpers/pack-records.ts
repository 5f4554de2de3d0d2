import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { scanPack, type ScannedRecord } from '../../src/images/store/pack-record.js'

/** Every complete record in the chunk packs of a data dir (live and dead), read from the files without the index. */
export async function packRecords (dataDir: string): Promise<Array<ScannedRecord & { path: string }>> {
  const dir = join(dataDir, 'chunks', 'packs')
  const names = (await readdir(dir).catch(() => [] as string[])).filter(n => n.endsWith('.pack')).sort()
  const out: Array<ScannedRecord & { path: string }> = []
  for (const n of names) for await (const r of scanPack(join(dir, n))) out.push({ ...r, path: join(dir, n) })
  return out
}
