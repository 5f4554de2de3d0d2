import { unlink } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Database } from '../../storage/database.js'
import type { Logger } from '../../logging/logger.js'
import { TEMP_FILE_NAME } from '../materialise.js'

const enc = new TextEncoder()

/**
 * The temp files of `pull --out` in progress, recorded in LevelDB (sublevel `swarm-out-temps`, keyed by path), so a
 * node killed mid-pull removes them when it starts again instead of leaving a hidden file the size of the disk beside
 * the destination. Only names a DiskFileWriter gives its temp files are ever removed.
 */
export class PullTempFiles {
  private readonly db

  constructor (db: Database | undefined, private readonly log: Logger) {
    this.db = db?.sublevel<string, Uint8Array>('swarm-out-temps', { valueEncoding: 'view' })
  }

  async record (path: string, ref: string): Promise<void> {
    await this.db?.put(path, enc.encode(JSON.stringify({ ref, at: Date.now() })))
  }

  async forget (path: string): Promise<void> {
    await this.db?.del(path).catch((err: unknown) => { this.log.warn('cannot forget a pull temp file', { path, err }) })
  }

  /** Remove the temp files that pulls left behind when the node was killed (at start, before pulls resume). */
  async removeStale (): Promise<void> {
    if (this.db == null) return
    try {
      for await (const path of this.db.keys()) {
        if (TEMP_FILE_NAME.test(basename(path))) {
          await unlink(path).then(() => { this.log.info('removed the temp file of an interrupted pull --out', { path }) }, (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') this.log.warn('cannot remove the temp file of an interrupted pull --out', { path, err: err.message })
          })
        }
        await this.db.del(path)
      }
    } catch (err) {
      this.log.warn('cannot read the pull temp files', { err })
    }
  }
}
