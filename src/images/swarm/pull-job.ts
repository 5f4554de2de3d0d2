import { randomUUID } from 'node:crypto'
import type { Manifest } from '../types.js'
import type { Transfer, TransferResult } from './transfer.js'
import { transferError, type TransferError, type TransferProgress } from './transfer-progress.js'

/** One `image pull`: resolving the manifest, then its transfer. What the API lists under /api/v1/transfers. */
export class PullJob {
  readonly id = randomUUID()
  readonly startedAt = Date.now()
  transfer?: Transfer
  manifest?: Manifest
  result?: TransferResult
  error?: TransferError
  /** Why the `out` file is not written (a resumed pull whose destination cannot be written any more). */
  outError?: TransferError
  private ended?: 'done' | 'failed' | 'cancelled'
  private finishedAt?: number
  readonly done: Promise<TransferResult>
  private settle!: { resolve: (r: TransferResult) => void, reject: (e: Error) => void }
  /** Set when the job was cancelled before its transfer existed. */
  cancelled = false

  /** `out`: the file the disk is written to as the chunks arrive (`image pull --out`). */
  constructor (readonly ref: string, readonly out?: string) {
    this.done = new Promise<TransferResult>((resolve, reject) => { this.settle = { resolve, reject } })
    this.done.catch(() => {}) // observed through progress(); callers that await get the error too
  }

  succeed (result: TransferResult): void {
    this.result = result
    this.ended = 'done'
    this.finishedAt = Date.now()
    this.settle.resolve(result)
  }

  fail (err: Error, cancelled = false): void {
    this.error = transferError(err)
    this.ended = cancelled ? 'cancelled' : 'failed'
    this.finishedAt = Date.now()
    this.settle.reject(err)
  }

  get finished (): boolean {
    return this.ended != null
  }

  progress (): TransferProgress {
    const base: TransferProgress = this.transfer?.progress() ?? {
      id: this.id, ref: this.ref, state: 'resolving', totalBytes: 0, doneBytes: 0, reusedBytes: 0, wireBytes: 0, rateBytesPerSec: 0,
      etaSeconds: null, peers: 0, chunksTotal: 0, chunksDone: 0, startedAt: this.startedAt, banned: [], perPeer: []
    }
    const out: TransferProgress = { ...base, id: this.id, ref: this.manifest != null ? `${this.manifest.name}@${this.manifest.version}` : this.ref, startedAt: this.startedAt }
    if (this.ended != null) {
      out.state = this.ended
      if (this.finishedAt != null) out.finishedAt = this.finishedAt
      out.rateBytesPerSec = this.ended === 'done' && this.finishedAt != null && this.finishedAt > this.startedAt
        ? Math.round((out.doneBytes - out.reusedBytes) / ((this.finishedAt - this.startedAt) / 1000))
        : 0
      out.etaSeconds = this.ended === 'done' ? 0 : null
    } else if (this.transfer == null) {
      out.state = 'resolving'
    } else {
      // the chunks may all be here while the job still commits the manifest or writes the file
      out.state = 'running'
    }
    if (this.out != null) out.out = this.out
    if (this.outError != null) out.outError = this.outError
    if (this.error != null) out.error = this.error
    return out
  }
}
