import { ClassicLevel } from 'classic-level'
import { join } from 'node:path'
import { DATA_DIR_FILES } from '../constants.js'
import { NovacronError } from '../errors.js'

export class StorageError extends NovacronError {
  override name = 'StorageError'
}

export type Database = ClassicLevel<string, Uint8Array>

/** Open the node's LevelDB (`<dataDir>/db`). Binary values; services use their own sublevels. */
export async function openDatabase (dataDir: string): Promise<Database> {
  const db = new ClassicLevel<string, Uint8Array>(join(dataDir, DATA_DIR_FILES.db), { valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    const locked = (err as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN' && cause?.code === 'LEVEL_LOCKED'
    throw new StorageError(locked
      ? `database ${join(dataDir, DATA_DIR_FILES.db)} is locked: is another node running on this data dir?`
      : `cannot open database ${join(dataDir, DATA_DIR_FILES.db)}: ${(err as Error).message}`, locked ? 'ERR_DB_LOCKED' : 'ERR_DB_OPEN', { cause: err })
  }
  return db
}
