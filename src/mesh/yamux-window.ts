import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { StreamMuxerFactory } from '@libp2p/interface'

/** The fields of a YamuxStream that its window updates use (private in its types, stable in its code). */
interface WindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: () => void
}

/**
 * Make a yamux stream announce receive-window credit only once half of its window is used, as Go's and Rust's yamux
 * do. js-yamux sends a window update after every data frame it receives: for a bulk stream that is one more frame,
 * noise message and socket write on the receiver, and one more decrypt and frame on the sender, per 64 KiB or less
 * received. With the 4 MiB stream window (YAMUX_STREAM_WINDOW_BYTES) the sender still has 2 MiB of credit when the
 * update leaves — 160 ms of a 100 Mbit/s link, far more than a round trip. SYN/ACK flags and a paused stream take
 * js-yamux's own path. Returns false (and changes nothing) for a stream that is not a js-yamux stream.
 */
export function halfWindowUpdates (stream: unknown): boolean {
  if (!(stream instanceof YamuxStream)) return false
  const s = stream as unknown as WindowState
  const update = s.sendWindowUpdate.bind(stream)
  s.sendWindowUpdate = () => {
    if (s.state === StreamState.Established && s.recvWindowCapacity * 2 > s.recvWindow) return
    update()
  }
  return true
}

/** The muxer method that builds every stream, inbound and outbound (private in its types, stable in its code). */
interface MuxerInternals { _newStream: (...args: unknown[]) => unknown }

/**
 * `factory` (js-yamux's) with halfWindowUpdates applied to every stream its muxers create, whatever the protocol.
 * Not only bulk streams gain: on an idle node every gossip, DHT and membership message received was answered with a
 * window-update frame (one more noise message and socket write each), 10% of an idle node's main-thread time.
 * A muxer without the expected method is left as it is.
 */
export function withHalfWindowUpdates (factory: StreamMuxerFactory): StreamMuxerFactory {
  const create = factory.createStreamMuxer.bind(factory)
  factory.createStreamMuxer = maConn => {
    const muxer = create(maConn)
    const m = muxer as unknown as Partial<MuxerInternals>
    if (typeof m._newStream === 'function') {
      const newStream = m._newStream.bind(muxer)
      m._newStream = (...args: unknown[]) => {
        const stream = newStream(...args)
        halfWindowUpdates(stream)
        return stream
      }
    }
    return muxer
  }
  return factory
}
