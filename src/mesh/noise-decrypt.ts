import type { ConnectionEncrypter } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { TAG_BYTES } from './noise-crypto.js'

/** The Noise spec's largest transport message (noise's constants.js, not exported). */
const NOISE_MSG_MAX_BYTES = 65535

type Bytes = Uint8Array | Uint8ArrayList

/** The fields of noise's message stream that its receive path uses (private in its types, stable in its code). */
interface NoiseMessageStream {
  handshake: { decrypt: (ciphertext: Bytes, dst?: Uint8Array) => Bytes }
  metrics?: { decryptedPackets: { increment: () => void }, decryptErrors: { increment: () => void } }
  decrypt: (chunk: Bytes) => Uint8ArrayList
  /** @libp2p/utils' LengthPrefixedDecoder, reading noise's 2-byte length prefixes. */
  decoder?: { lengthDecoder?: (data: Bytes) => number }
}

/**
 * Make a noise connection open its received messages without first copying each one that spans socket reads.
 *
 * noise's decrypt joins such a message into a new buffer as the output of an in-place decryption (`dst`), which
 * the node:crypto cipher (noise-crypto.ts) never uses: it opens the pieces where they lie. That copy was 180 ms of
 * a receiver's main thread per 357 MB pulled. This is noise's loop (a message of at most 65,535 bytes at a time,
 * each at least a tag long, the same counters) without `dst`. Returns false (and changes nothing) for a connection
 * that is not shaped like noise's message stream.
 */
export function decryptWithoutJoin (connection: unknown): boolean {
  const s = connection as Partial<NoiseMessageStream> | undefined
  if (typeof s?.decrypt !== 'function' || typeof s.handshake?.decrypt !== 'function') return false
  const { handshake } = s as NoiseMessageStream
  s.decrypt = (chunk: Bytes): Uint8ArrayList => {
    const output = new Uint8ArrayList()
    for (let i = 0; i < chunk.byteLength; i += NOISE_MSG_MAX_BYTES) {
      const end = Math.min(i + NOISE_MSG_MAX_BYTES, chunk.byteLength)
      if (end - TAG_BYTES < i) throw new Error('Invalid chunk')
      const encrypted = chunk instanceof Uint8Array ? chunk.subarray(i, end) : chunk.sublist(i, end)
      try {
        output.append(handshake.decrypt(encrypted))
        s.metrics?.decryptedPackets.increment()
      } catch (err) {
        s.metrics?.decryptErrors.increment()
        throw err
      }
    }
    return output
  }
  return true
}

/**
 * "Not enough bytes for a length prefix yet": LengthPrefixedDecoder asks for the next prefix after every message it
 * took from a read, and stops at a RangeError (`instanceof` is all it checks). One shared instance is thrown.
 */
const NEED_MORE_BYTES = new RangeError('Could not decode int16BE')

/** A noise message's 2-byte big-endian length prefix, as noise's uint16BEDecode reads it. */
export function noiseLengthPrefix (data: Bytes): number {
  if (data.byteLength < 2) throw NEED_MORE_BYTES
  return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : (data.get(0) << 8) | data.get(1)
}

/**
 * Make a noise connection read its length prefixes without building an error per socket read. noise's reader throws
 * a new RangeError whenever a read ends where a message ends (the buffer then holds no prefix), and capturing its
 * stack cost ~7 µs: 730 ms of a fan-out receiver's main thread, whose reads carry a few TCP segments each through a
 * 100 Mbit/s link. Returns false (and changes nothing) for a connection without noise's length reader.
 */
export function lengthPrefixWithoutStack (connection: unknown): boolean {
  const decoder = (connection as Partial<NoiseMessageStream> | undefined)?.decoder
  if (typeof decoder?.lengthDecoder !== 'function') return false
  decoder.lengthDecoder = noiseLengthPrefix
  return true
}

/** `encrypter` with decryptWithoutJoin and lengthPrefixWithoutStack applied to every connection it secures. */
export function withLeanNoiseReceive (encrypter: ConnectionEncrypter): ConnectionEncrypter {
  const inbound = encrypter.secureInbound.bind(encrypter)
  const outbound = encrypter.secureOutbound.bind(encrypter)
  const lean = <T extends { connection: unknown }>(secured: T): T => {
    decryptWithoutJoin(secured.connection)
    lengthPrefixWithoutStack(secured.connection)
    return secured
  }
  encrypter.secureInbound = async (...args) => lean(await inbound(...args))
  encrypter.secureOutbound = async (...args) => lean(await outbound(...args))
  return encrypter
}
