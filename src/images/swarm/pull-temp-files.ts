import { unlink } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Database } from '../../storage/database.js'
import type { Logger } from '../../logging/logger.js'
import { TEMP_FILE_NAME } from '../materialise.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** A `pull --out` that a node killed or stopped mid-pull did not finish: the image and the file it was writing. */
export interface InterruptedOut {
  ref: string
  out: string
}

/**
 * The temp files of `pull --out` in progress, recorded in LevelDB (sublevel `swarm-out-temps`, keyed by path, with
 * the pull's image and destination), so a node killed (or stopped) mid-pull removes them when it starts again instead
 * of leaving a hidden file the size of the disk beside the destination, and writes the file again from the start.
 * Only names a DiskFileWriter gives its temp files are ever removed.
 */
export class PullTempFiles {
  private readonly db

  constructor (db: Database | undefined, private readonly log: Logger) {
    this.db = db?.sublevel<string, Uint8Array>('swarm-out-temps', { valueEncoding: 'view' })
  }

  /** `tmp` is written for the pull of `ref` that renames it to `out` once complete. */
  async record (tmp: string, ref: string, out: string): Promise<void> {
    await this.db?.put(tmp, enc.encode(JSON.stringify({ ref, out, at: Date.now() })))
  }

  async forget (tmp: string): Promise<void> {
    await this.db?.del(tmp).catch((err: unknown) => { this.log.warn('cannot forget a pull temp file', { path: tmp, err }) })
  }

  /**
   * Remove the temp files that pulls left behind when the node was killed or stopped (at start, before pulls
   * resume), forget them, and return those pulls: each is started again, writing its file anew (what the temp file
   * held is unknown after a kill: its writes were not synced).
   */
  async removeStale (): Promise<InterruptedOut[]> {
    if (this.db == null) return []
    const interrupted: InterruptedOut[] = []
    try {
      for await (const [tmp, value] of this.db.iterator()) {
        if (TEMP_FILE_NAME.test(basename(tmp))) {
          await unlink(tmp).then(() => { this.log.info('removed the temp file of an interrupted pull --out', { path: tmp }) }, (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') this.log.warn('cannot remove the temp file of an interrupted pull --out', { path: tmp, err: err.message })
          })
          const pull = interruptedOut(value)
          if (pull != null) interrupted.push(pull)
        }
        await this.db.del(tmp)
      }
    } catch (err) {
      this.log.warn('cannot read the pull temp files', { err })
    }
    return interrupted
  }
}

/** The pull a record names; undefined for a record that does not parse (written by this node, so not expected). */
function interruptedOut (value: Uint8Array): InterruptedOut | undefined {
  try {
    const { ref, out } = JSON.parse(dec.decode(value)) as Partial<InterruptedOut>
    return typeof ref === 'string' && typeof out === 'string' ? { ref, out } : undefined
  } catch {
    return undefined
  }
}
