import type { ConnectionEncrypter } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { TAG_BYTES } from './noise-crypto.js'

/** The Noise spec's largest transport message (noise's constants.js, not exported). */
const NOISE_MSG_MAX_BYTES = 65535

type Bytes = Uint8Array | Uint8ArrayList

/** The fields of noise's message stream that its decrypt uses (private in its types, stable in its code). */
interface NoiseMessageStream {
  handshake: { decrypt: (ciphertext: Bytes, dst?: Uint8Array) => Bytes }
  metrics?: { decryptedPackets: { increment: () => void }, decryptErrors: { increment: () => void } }
  decrypt: (chunk: Bytes) => Uint8ArrayList
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

/** `encrypter` with decryptWithoutJoin applied to every connection it secures. */
export function withDecryptWithoutJoin (encrypter: ConnectionEncrypter): ConnectionEncrypter {
  const inbound = encrypter.secureInbound.bind(encrypter)
  const outbound = encrypter.secureOutbound.bind(encrypter)
  encrypter.secureInbound = async (...args) => {
    const secured = await inbound(...args)
    decryptWithoutJoin(secured.connection)
    return secured
  }
  encrypter.secureOutbound = async (...args) => {
    const secured = await outbound(...args)
    decryptWithoutJoin(secured.connection)
    return secured
  }
  return encrypter
}
