import type { FileHandle } from 'node:fs/promises'

/**
 * Background fdatasync of a file being written: once `everyBytes` were written since the last one started, another
 * starts (not awaited, one at a time) while writing goes on. A host with much RAM holds gigabytes dirty before the
 * kernel writes them back on its own (at 10% of RAM), so without this the writer's final sync wrote them all, with
 * the disk idle until then. It changes only when bytes reach the disk, never what the final sync guarantees.
 *
 * The writer calls `idle()` before it closes the handle, and `settle()` before (or instead of) its own sync: that
 * throws, once, the error of a failed background fdatasync (Linux may mark failed pages clean, so a later sync could
 * not report it).
 */
export class Writeback {
  private unsynced = 0
  private running?: Promise<void>
  private failed?: Error

  constructor (private readonly everyBytes: number) {}

  /** `bytes` were written to `fh`. */
  wrote (fh: FileHandle, bytes: number): void {
    this.unsynced += bytes
    if (this.unsynced < this.everyBytes || this.running !== undefined) return
    this.unsynced = 0
    this.running = fh.datasync()
      .catch((err: Error) => { this.failed ??= err })
      .finally(() => { this.running = undefined })
  }

  /** Wait for a running fdatasync (its failure is kept for `settle`). */
  async idle (): Promise<void> {
    await this.running
  }

  /** Wait for a running fdatasync; throw the error of one that failed since the last `settle`. */
  async settle (): Promise<void> {
    await this.running
    const failed = this.failed
    this.failed = undefined
    if (failed !== undefined) throw failed
  }
}
