import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

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
