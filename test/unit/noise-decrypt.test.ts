import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddrConnectionPair } from '@libp2p/utils'
import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { cachedKeyNoiseCrypto } from '../../src/mesh/noise-crypto.js'
import { decryptWithoutJoin, lengthPrefixWithoutStack, noiseLengthPrefix, withLeanNoiseReceive } from '../../src/mesh/noise-decrypt.js'

async function securedPair (): Promise<[MessageStream, MessageStream]> {
  const [keyA, keyB] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
  const encrypter = (privateKey: typeof keyA): ReturnType<typeof withLeanNoiseReceive> =>
    withLeanNoiseReceive(noise({ crypto: cachedKeyNoiseCrypto() })({ privateKey, logger: defaultLogger() } as never))
  const [a, b] = multiaddrConnectionPair()
  const opts = { skipStreamMuxerNegotiation: true }
  const [out, inb] = await Promise.all([
    encrypter(keyA).secureOutbound(a, { ...opts, remotePeer: peerIdFromPrivateKey(keyB) }),
    encrypter(keyB).secureInbound(b, opts)
  ])
  return [out.connection, inb.connection]
}

describe('noise receive path: decrypt without a joined copy, length prefixes without an error per read', () => {
  it('replaces the decrypt of both ends of a real noise connection, and bytes arrive unchanged, split or whole', async () => {
    const [a, b] = await securedPair()
    expect(Object.hasOwn(a, 'decrypt')).toBe(true)
    expect(Object.hasOwn(b, 'decrypt')).toBe(true)
    for (const end of [a, b]) expect((end as unknown as { decoder: { lengthDecoder: unknown } }).decoder.lengthDecoder).toBe(noiseLengthPrefix)
    const received: Uint8Array[] = []
    b.addEventListener('message', evt => { const d = (evt as unknown as { data: Uint8Array | Uint8ArrayList }).data; received.push(d instanceof Uint8Array ? d : d.subarray()) })
    const sent = [randomBytes(300), randomBytes(200_000), randomBytes(65_519), randomBytes(5)]
    for (const s of sent) a.send(s)
    const total = sent.reduce((n, s) => n + s.byteLength, 0)
    for (let i = 0; i < 200 && received.reduce((n, r) => n + r.byteLength, 0) < total; i++) await new Promise(resolve => setTimeout(resolve, 5))
    expect(Buffer.concat(received).equals(Buffer.concat(sent))).toBe(true)
  })

  it('opens messages cut anywhere as noise does, and refuses a short or tampered one', () => {
    const k = randomBytes(32)
    const crypto = cachedKeyNoiseCrypto()
    let n = 0
    const nonce = (): Uint8Array => { const b = Buffer.alloc(12); b.writeUInt32LE(n++, 4); return b }
    const handshake = {
      decrypt: (c: Uint8Array | Uint8ArrayList) => crypto.chaCha20Poly1305Decrypt(c as never, nonce(), new Uint8Array(0), k)
    }
    const counted = { ok: 0, bad: 0 }
    const stream = {
      handshake,
      metrics: { decryptedPackets: { increment: () => { counted.ok++ } }, decryptErrors: { increment: () => { counted.bad++ } } },
      decrypt: (_chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList => { throw new Error('not replaced') }
    }
    expect(decryptWithoutJoin(stream)).toBe(true)
    const plain = randomBytes(70_000)
    // two noise messages: 65,519 + 4,481 bytes of text, each sealed under the next nonce
    const sealed1 = Buffer.from(crypto.chaCha20Poly1305Encrypt(plain.subarray(0, 65_519), Buffer.alloc(12), new Uint8Array(0), k) as Uint8Array)
    const n1 = Buffer.alloc(12); n1.writeUInt32LE(1, 4)
    const sealed2 = Buffer.from(crypto.chaCha20Poly1305Encrypt(plain.subarray(65_519), n1, new Uint8Array(0), k) as Uint8Array)
    const all = Buffer.concat([sealed1, sealed2])
    const list = new Uint8ArrayList(all.subarray(0, 1000), all.subarray(1000, 65_530), all.subarray(65_530))
    expect(Buffer.from(stream.decrypt(list).subarray()).equals(plain)).toBe(true)
    expect(counted).toEqual({ ok: 2, bad: 0 })
    expect(() => stream.decrypt(new Uint8Array(10))).toThrow(/Invalid chunk/)
    n = 0
    const tampered = Buffer.from(all)
    tampered[70] = tampered[70]! ^ 1
    expect(() => stream.decrypt(tampered)).toThrow()
    expect(counted.bad).toBe(1)
  })

  it('reads 2-byte big-endian length prefixes, whole or split across pieces, and asks for more with one shared RangeError', () => {
    for (const v of [0, 1, 255, 256, 4660, 65_519, 65_535]) {
      const b = Buffer.alloc(3)
      b.writeUInt16BE(v, 0)
      expect(noiseLengthPrefix(b)).toBe(v)
      const split = new Uint8ArrayList(b.subarray(0, 1), b.subarray(1, 2))
      expect(noiseLengthPrefix(split)).toBe(v)
      expect(noiseLengthPrefix(new Uint8ArrayList(b.subarray(0, 2), b.subarray(2)))).toBe(v)
    }
    const thrown: unknown[] = []
    for (const short of [new Uint8Array(0), new Uint8Array(1), new Uint8ArrayList(), new Uint8ArrayList(new Uint8Array(1))]) {
      try {
        noiseLengthPrefix(short)
      } catch (err) {
        thrown.push(err)
      }
    }
    expect(thrown).toHaveLength(4)
    expect(thrown[0]).toBeInstanceOf(RangeError)
    expect(new Set(thrown).size).toBe(1)
  })

  it('leaves alone what is not shaped like noise\'s message stream', () => {
    expect(decryptWithoutJoin({})).toBe(false)
    expect(decryptWithoutJoin(undefined)).toBe(false)
    expect(decryptWithoutJoin({ decrypt: () => {}, handshake: {} })).toBe(false)
    expect(lengthPrefixWithoutStack({})).toBe(false)
    expect(lengthPrefixWithoutStack({ decoder: {} })).toBe(false)
    const shaped = { decoder: { lengthDecoder: (b: Uint8Array) => b.byteLength } }
    expect(lengthPrefixWithoutStack(shaped)).toBe(true)
    expect(shaped.decoder.lengthDecoder).toBe(noiseLengthPrefix)
  })
})
