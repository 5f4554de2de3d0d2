import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'

const CHACHA20_POLY1305 = 'chacha20-poly1305'
/** ChaCha20-Poly1305's tag, at the end of every noise message. */
export const TAG_BYTES = 16
/** Pieces of a message sealed one by one; a message of more is joined first (see chaCha20Poly1305Encrypt). */
const MAX_SEALED_PIECES = 4

/**
 * noise's default ChaCha20-Poly1305 from `node:crypto` with the session key turned into a `KeyObject` once, not
 * for every message. `createCipheriv` with a raw 32-byte key builds a new secret key object on each call: measured
 * here 20 µs per 64-byte message against 4 µs with a `KeyObject`, 98 against 49 µs at 64 KiB. noise seals every
 * message (each yamux frame, a whole 64 KiB or a 12-byte window update) under one key per direction, so that was
 * most of its cost. A message of a few pieces is sealed piece by piece and its ciphertext handed on as a list; one of
 * many pieces is joined first. A received message that arrives in pieces is opened piece by piece, its plaintext
 * handed on as a list. Bytes on the wire are unchanged. Everything else (and messages of < 1200 bytes, where the
 * default uses its WASM cipher) is noise's `defaultCrypto`.
 */
export function cachedKeyNoiseCrypto (): ICryptoInterface {
  // a session's key is one Uint8Array for the life of its cipher state; compared on every use anyway, so a key
  // changed in place could never be used through a stale KeyObject
  const keys = new WeakMap<Uint8Array, { bytes: Buffer, key: KeyObject }>()
  const keyOf = (k: Uint8Array): KeyObject => {
    const hit = keys.get(k)
    if (hit != null && hit.bytes.equals(k)) return hit.key
    const entry = { bytes: Buffer.from(k), key: createSecretKey(k) }
    keys.set(k, entry)
    return entry.key
  }
  return {
    ...defaultCrypto,
    chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
      if (plaintext.byteLength < 1200) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
      const cipher = createCipheriv(CHACHA20_POLY1305, keyOf(k), nonce, { authTagLength: TAG_BYTES })
      cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
      const pieces = plaintext instanceof Uint8Array ? [plaintext] : [...plaintext]
      if (pieces.length > MAX_SEALED_PIECES) {
        // many small pieces (length prefixes and bodies): one update over a joined copy; an update per piece cost
        // 2.5x the whole message's time (370 against 150 ms for 136 MB)
        return Buffer.concat([cipher.update(contiguous(plaintext)), cipher.final(), cipher.getAuthTag()])
      }
      // a yamux frame's header and body, or a part of a body: each piece's ciphertext and the tag are handed on as
      // a list, which the transport joins once anyway (write-coalescer.ts), instead of joined here first
      const sealed = new Uint8ArrayList()
      for (const piece of pieces) sealed.append(cipher.update(piece))
      const final = cipher.final()
      if (final.byteLength > 0) sealed.append(final)
      sealed.append(cipher.getAuthTag())
      return plaintext instanceof Uint8Array ? sealed.subarray() : sealed as unknown as ReturnType<ICryptoInterface['chaCha20Poly1305Encrypt']>
    },
    chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
      if (ciphertext.byteLength < 1200) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
      const textBytes = ciphertext.byteLength - TAG_BYTES
      const decipher = createDecipheriv(CHACHA20_POLY1305, keyOf(k), nonce, { authTagLength: TAG_BYTES })
      decipher.setAAD(ad, { plaintextLength: textBytes })
      decipher.setAuthTag(ciphertext.subarray(textBytes))
      if (ciphertext instanceof Uint8Array) return joined(decipher.update(ciphertext.subarray(0, textBytes)), decipher.final())
      // a message that spans socket reads arrives as a list: each piece is opened where it lies and the plaintext
      // handed on as a list, instead of joining a copy of the whole message first (0.4 s of a receiver's main
      // thread per 357 MB pulled, most of noise's cost after the cipher itself)
      const opened = new Uint8ArrayList()
      let left = textBytes
      for (const piece of ciphertext) {
        if (left === 0) break
        const part = piece.byteLength <= left ? piece : piece.subarray(0, left)
        left -= part.byteLength
        opened.append(decipher.update(part))
      }
      const final = decipher.final()
      if (final.byteLength > 0) opened.append(final)
      return opened as unknown as ReturnType<ICryptoInterface['chaCha20Poly1305Decrypt']>
    }
  }
}

function joined (out: Buffer, final: Buffer): Buffer {
  return final.byteLength > 0 ? Buffer.concat([out, final]) : out
}

/** noise's own copy of uint8arraylist may differ from ours: its list type, taken from the interface */
type NoiseBytes = Parameters<ICryptoInterface['chaCha20Poly1305Decrypt']>[0]

function contiguous (data: NoiseBytes): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}
