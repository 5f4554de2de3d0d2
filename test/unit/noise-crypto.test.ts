import { randomBytes } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { cachedKeyNoiseCrypto } from '../../src/mesh/noise-crypto.js'

const bytes = (x: Uint8Array | { subarray: () => Uint8Array }): Buffer => Buffer.from(x instanceof Uint8Array ? x : x.subarray())

describe('cachedKeyNoiseCrypto', () => {
  const ours = cachedKeyNoiseCrypto()
  const k = randomBytes(32)
  const nonce = randomBytes(12)
  const ad = randomBytes(32)

  it('seals exactly as noise\'s default crypto, from one buffer or a list of pieces, small or large', () => {
    for (const size of [0, 100, 1199, 1200, 8192, 65519]) {
      const plain = randomBytes(size)
      const expected = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
      expect(bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, k))).toEqual(expected)
      const list = new Uint8ArrayList(plain.subarray(0, 12), plain.subarray(12, 14), plain.subarray(14))
      expect(bytes(ours.chaCha20Poly1305Encrypt(list as never, nonce, ad, k))).toEqual(expected)
      // many pieces (joined before sealing)
      const many = new Uint8ArrayList(...Array.from({ length: 9 }, (_, i) => plain.subarray(Math.floor(i * size / 9), Math.floor((i + 1) * size / 9))))
      expect(bytes(ours.chaCha20Poly1305Encrypt(many as never, nonce, ad, k))).toEqual(expected)
      expect(bytes(ours.chaCha20Poly1305Decrypt(expected, nonce, ad, k))).toEqual(plain)
    }
  })

  it('opens a message that arrives in pieces, the tag split across them or not, as one buffer would open', () => {
    for (const size of [1200, 8192, 65519]) {
      const plain = randomBytes(size)
      const sealed = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
      const n = sealed.byteLength
      // cut points: inside the text, right at the tag, inside the tag, a one-byte last piece
      for (const cuts of [[n >> 1], [n - 16], [n - 7], [n - 1], [3, n >> 2, n - 20, n - 9]]) {
        const edges = [0, ...cuts, n]
        const list = new Uint8ArrayList(...edges.slice(1).map((end, i) => sealed.subarray(edges[i], end)))
        expect(bytes(ours.chaCha20Poly1305Decrypt(list as never, nonce, ad, k))).toEqual(plain)
        const tampered = new Uint8ArrayList(...edges.slice(1).map((end, i) => Buffer.from(sealed.subarray(edges[i], end))))
        const at = cuts.length > 1 ? 5 : n - 1 // a text byte or a tag byte
        tampered.set(at, tampered.get(at) ^ 1)
        expect(() => ours.chaCha20Poly1305Decrypt(tampered as never, nonce, ad, k)).toThrow()
      }
    }
  })

  it('refuses a tampered message or a wrong key', () => {
    const plain = randomBytes(4096)
    const sealed = bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
    const tampered = Buffer.from(sealed)
    tampered[100] = tampered[100]! ^ 1
    expect(() => ours.chaCha20Poly1305Decrypt(tampered, nonce, ad, k)).toThrow()
    expect(() => ours.chaCha20Poly1305Decrypt(sealed, nonce, ad, randomBytes(32))).toThrow()
  })

  it('follows a key changed in place (never seals under a stale cached key)', () => {
    const key = Buffer.from(k)
    const plain = randomBytes(2048)
    ours.chaCha20Poly1305Encrypt(plain, nonce, ad, key)
    key[0] = key[0]! ^ 0xff
    const expected = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, key))
    expect(bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, key))).toEqual(expected)
  })
})
