import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolViolationError } from './errors.js'
import { FrameDecoder } from './frame-decoder.js'

/** Bytes of the unsigned LEB128 varint of `n`. */
function varintBytes (n: number): number {
  let bytes = 1
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) bytes++
  return bytes
}

/** Write the unsigned LEB128 varint of `n` at `at`; returns the offset after it. */
export function writeVarint (out: Uint8Array, at: number, n: number): number {
  let v = n
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80
    v = Math.floor(v / 128)
  }
  out[at++] = v
  return at
}

/** The unsigned LEB128 varint of `n` (a frame length, or a protobuf length prefix). */
export function encodeVarint (n: number): Uint8Array {
  const out = new Uint8Array(varintBytes(n))
  writeVarint(out, 0, n)
  return out
}

/** A frame: one buffer, or parts sent back to back (a response header and the chunk bytes it carries, uncopied). */
export type Frame = Uint8Array | Uint8Array[]

function frameBytes (f: Frame): number {
  if (f instanceof Uint8Array) return f.byteLength
  let n = 0
  for (const part of f) n += part.byteLength
  return n
}

/**
 * Frames, each behind its length as an unsigned LEB128 varint, in one buffer: one piece per write for yamux and
 * noise (which seal and send every piece of a list separately), for the price of one copy.
 */
export function joinFrames (frames: Frame[]): Uint8Array {
  let total = 0
  for (const f of frames) {
    const n = frameBytes(f)
    total += varintBytes(n) + n
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const f of frames) {
    at = writeVarint(out, at, frameBytes(f))
    for (const part of f instanceof Uint8Array ? [f] : f) {
      out.set(part, at)
      at += part.byteLength
    }
  }
  return out
}

export interface FrameChannelInit {
  /** Largest frame accepted from the remote; a larger one aborts the stream (ERR_MESSAGE_TOO_LARGE). */
  maxFrameBytes: number
  /** Called synchronously for every complete frame, in order. Throwing aborts the stream with that error. */
  onFrame: (frame: Uint8Array) => void
  /** Called once when the stream ends: without an error when the remote closed its side, else with the cause. */
  onEnd: (err?: Error) => void
}

/**
 * Length-prefixed frames over a libp2p stream without a promise per read: incoming bytes are cut into frames as
 * they arrive (many per network read), and frames sent before the next check phase leave in one `stream.send`
 * (so one yamux frame and one noise message carry many small requests). Sending waits for `drain` when the stream's
 * buffer is full.
 */
export class FrameChannel {
  private readonly decoder: FrameDecoder
  private readonly outbox: Frame[] = []
  private flushing = false
  private ended = false

  constructor (readonly stream: Stream, private readonly init: FrameChannelInit) {
    this.decoder = new FrameDecoder(init.maxFrameBytes)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('remoteCloseWrite', this.onRemoteClose)
    stream.addEventListener('close', this.onClose)
    if (stream.status !== 'open') queueMicrotask(() => { this.end(new ProtocolViolationError(`stream is ${stream.status}`, 'ERR_STREAM_CLOSED')) })
  }

  private readonly onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
    if (this.ended) return
    try {
      this.decoder.decode(evt.data, this.onDecoded)
    } catch (err) {
      this.abort(err instanceof ProtocolViolationError ? err : new ProtocolViolationError(`bad frame: ${(err as Error).message}`, 'ERR_BAD_FRAME'))
    }
  }

  private readonly onDecoded = (frame: Uint8Array): void => {
    // frames the same piece completed after the stream ended are dropped
    if (!this.ended) this.init.onFrame(frame)
  }

  private readonly onRemoteClose = (): void => { this.end() }

  private readonly onClose = (evt: Event): void => {
    const err = (evt as Event & { error?: Error }).error
    this.end(err ?? undefined)
  }

  private end (err?: Error): void {
    if (this.ended) return
    this.ended = true
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteClose)
    this.stream.removeEventListener('close', this.onClose)
    this.init.onEnd(err)
  }

  get closed (): boolean {
    return this.ended
  }

  /**
   * Queue a frame; frames queued before the event loop's next check phase are written together (one yamux frame
   * and one noise message for, say, every request a burst of answers freed up, instead of one each).
   */
  send (frame: Frame): void {
    if (this.ended) return
    this.outbox.push(frame)
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => { void this.flush() })
    }
  }

  private async flush (): Promise<void> {
    try {
      while (this.outbox.length > 0 && !this.ended && this.stream.status === 'open') {
        if (!this.stream.send(joinFrames(this.outbox.splice(0)))) await this.stream.onDrain()
      }
    } catch (err) {
      this.abort(err as Error)
    } finally {
      this.flushing = false
    }
  }

  /** Close our side once everything queued is written. */
  async close (): Promise<void> {
    while (this.flushing) await new Promise(resolve => setImmediate(resolve))
    try {
      await this.stream.close({ signal: AbortSignal.timeout(5_000) })
    } catch (err) {
      this.stream.abort(err as Error)
    }
  }

  abort (err: Error): void {
    this.stream.abort(err)
    this.end(err)
  }
}
