import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MembershipProtocolError } from './errors.js'

/**
 * Read exactly one length-prefixed frame of at most `maxBytes` from a libp2p stream, or fail with
 * ERR_FRAME_TOO_LARGE / ERR_FRAME_MISSING / ERR_TIMEOUT. The stream is aborted on any failure.
 */
export async function readFrame (stream: Stream, maxBytes: number, signal: AbortSignal): Promise<Uint8ArrayList> {
  const onAbort = (): void => { stream.abort(new MembershipProtocolError('timed out', 'ERR_TIMEOUT')) }
  if (signal.aborted) onAbort()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const frame of lp.decode(stream, { maxDataLength: maxBytes })) return frame
  } catch (err) {
    if (signal.aborted) throw new MembershipProtocolError('timed out waiting for a frame', 'ERR_TIMEOUT', { cause: err })
    const tooLarge = /length/i.test((err as Error).message) || (err as { name?: string }).name === 'InvalidDataLengthError'
    stream.abort(err as Error)
    throw new MembershipProtocolError(`bad frame: ${(err as Error).message}`, tooLarge ? 'ERR_FRAME_TOO_LARGE' : 'ERR_FRAME_INVALID', { cause: err })
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  throw new MembershipProtocolError('stream ended before a frame arrived', 'ERR_FRAME_MISSING')
}

/** Write one length-prefixed frame, respecting back-pressure. */
export async function writeFrame (stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  const framed = lp.encode.single(bytes)
  for (const chunk of framed) {
    if (!stream.send(chunk)) await stream.onDrain({ signal })
  }
}
