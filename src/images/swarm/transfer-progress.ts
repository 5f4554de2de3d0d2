/** A failure as the API shows it. */
export interface TransferError { code: string, message: string }

/** `err` as the API shows it: its code (ERR_INTERNAL without one) and message. */
export function transferError (err: Error): TransferError {
  return { code: (err as { code?: string }).code ?? 'ERR_INTERNAL', message: err.message }
}

/** Live figures of one transfer, as the API and the CLI progress bar show them. */
export interface TransferProgress {
  id: string
  ref: string
  state: 'resolving' | 'running' | 'done' | 'failed' | 'cancelled'
  /** Bytes of distinct non-zero chunks this image needs (what a pull from nothing would move). */
  totalBytes: number
  /** Of those, bytes held now (verified): reused from the store plus fetched. */
  doneBytes: number
  /** Bytes that were already in the local store when the transfer began (resume, earlier versions). */
  reusedBytes: number
  /** Chunk payload bytes received, duplicates and rejected chunks included. */
  wireBytes: number
  /** Recent fetch rate, bytes per second. */
  rateBytesPerSec: number
  /** Seconds left at the recent rate; null when unknown. */
  etaSeconds: number | null
  /** Peers fetched from now. */
  peers: number
  chunksTotal: number
  chunksDone: number
  startedAt: number
  finishedAt?: number
  /** Peers dropped from this transfer and why (bad-chunk, protocol, stalled). */
  banned: Array<{ peer: string, reason: string }>
  /** Bytes received from each peer. */
  perPeer: Array<{ peer: string, bytes: number, rateBytesPerSec: number, window: number }>
  /** The file the pull writes the disk to (`image pull --out`), renamed into place once complete. */
  out?: string
  /** Why `out` is not written: a pull a restarted node resumed, whose destination cannot be written any more. */
  outError?: TransferError
  error?: TransferError
}

/** Exponentially weighted rate over ~1 s ticks. */
export class RateMeter {
  private acc = 0
  private last = performance.now()
  rate = 0

  add (bytes: number): void {
    this.acc += bytes
  }

  /** Fold what was added since the last tick into the rate. */
  tick (alpha = 0.5): number {
    const now = performance.now()
    const dt = (now - this.last) / 1000
    if (dt <= 0) return this.rate
    const inst = this.acc / dt
    this.rate = this.rate === 0 ? inst : alpha * inst + (1 - alpha) * this.rate
    this.acc = 0
    this.last = now
    return this.rate
  }
}
