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
