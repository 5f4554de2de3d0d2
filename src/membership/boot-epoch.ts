import type { Database } from '../storage/database.js'

const KEY = 'boot-epoch'

/**
 * Increment and return the persisted boot epoch (sublevel 'membership'). Each start gets a higher epoch than
 * any before it, so the first record of a restarted node beats every record of its previous life, even though
 * `seq` starts again at 1.
 */
export async function nextBootEpoch (db: Database): Promise<number> {
  const sub = db.sublevel<string, Uint8Array>('membership', { valueEncoding: 'view' })
  const old = await sub.get(KEY)
  const prev = old != null && old.byteLength === 8 ? Number(new DataView(old.buffer, old.byteOffset, 8).getBigUint64(0)) : 0
  const next = prev + 1
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(next))
  // sync: the epoch must be on disk before any record carrying it leaves this node
  await sub.put(KEY, bytes, { sync: true } as object)
  return next
}
