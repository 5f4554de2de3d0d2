import { Socket } from 'node:net'
import type { ConnectionProtector, MessageStream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** What a TCP connection's sendData answers (@libp2p/utils' AbstractMultiaddrConnection). */
interface SendResult { sentBytes: number, canSendMore: boolean }

/** The parts of @libp2p/tcp's connection that the corked send replaces: public in its code, not in its types. */
interface SocketConnection { socket: unknown, sendData: (data: Uint8ArrayList) => SendResult }

/**
 * Hands the TCP socket all pieces of a send in one system call.
 *
 * noise sends each message as a list (2-byte length, ciphertext, 16-byte tag) and @libp2p/tcp calls `socket.write`
 * once per piece; on an idle socket each write is a syscall and, with TCP_NODELAY, a segment. A chunk pull made
 * 18,657 writes for 32 MiB (4.5 per 8 KiB chunk, three in four under 100 bytes); sent together, 575.
 *
 * On a TCP connection the pieces are written while the socket is corked, so Node hands them to one `writev` without
 * copying them (joining them first cost a seeder 0.22 s of main thread per 357 MB sent, and the garbage of a joined
 * copy of every byte). Any other connection gets one joined buffer per send. Bytes on the wire are unchanged, so
 * peers with and without it interoperate.
 *
 * It sits in libp2p's `connectionProtector` slot, the one hook that sees every raw connection before encryption.
 */
export class WriteCoalescer implements ConnectionProtector {
  async protect (connection: MessageStream): Promise<MessageStream> {
    const tcp = connection as unknown as Partial<SocketConnection>
    if (tcp.socket instanceof Socket && typeof tcp.sendData === 'function') {
      const socket = tcp.socket
      tcp.sendData = data => writeCorked(socket, data)
      return connection
    }
    const send = connection.send.bind(connection)
    // not `instanceof Uint8ArrayList`: noise brings its own copy of uint8arraylist
    connection.send = (data: Uint8Array | Uint8ArrayList): boolean =>
      send(data instanceof Uint8Array ? data : data.subarray())
    return connection
  }
}

/**
 * Write every piece of `data` to `socket` as one writev. All of it is taken (the socket buffers what the kernel does
 * not accept yet); more is welcome while the socket's buffer is under its high-water mark, else the caller waits
 * for 'drain' as after any full write.
 */
export function writeCorked (socket: Socket, data: Iterable<Uint8Array> & { byteLength: number }): SendResult {
  socket.cork()
  try {
    for (const buf of data) socket.write(buf)
  } finally {
    socket.uncork()
  }
  return { sentBytes: data.byteLength, canSendMore: socket.writableLength < socket.writableHighWaterMark }
}

export function writeCoalescer (): () => ConnectionProtector {
  return () => new WriteCoalescer()
}
