import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Mesh } from '../../src/mesh/mesh.js'
import { generateSecret, meshNode } from '../helpers/mesh-nodes.js'

const SINK = '/novacron/test-sink/1.0.0'
const GiB = 1024 * 1024 * 1024

/** Deterministic pseudo-random block so the receiver can check every byte by hash. */
function block (i: number, size: number): Uint8Array {
  const out = Buffer.allocUnsafe(size)
  let seed = createHash('sha256').update(`block-${i}`).digest()
  for (let off = 0; off < size; off += 32) {
    seed.copy(out, off)
    seed = createHash('sha256').update(seed).digest()
  }
  return out
}

describe('closed membership (cluster secret)', () => {
  const started: Array<Mesh | Libp2p> = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async n => { await n.stop() }))
  })

  it('carries 1 GiB through one protected connection, byte for byte', async () => {
    const secret = generateSecret()
    const a = await meshNode({ secret, connector: false })
    const b = await meshNode({ secret, connector: false })
    started.push(a, b)

    const received = Promise.withResolvers<{ bytes: number, digest: string }>()
    await b.libp2p.handle(SINK, async (stream: Stream) => {
      const h = createHash('sha256')
      let bytes = 0
      for await (const chunk of stream) {
        const buf = chunk.subarray()
        h.update(buf)
        bytes += buf.byteLength
      }
      received.resolve({ bytes, digest: h.digest('hex') })
      await stream.close()
    })

    const stream = await a.libp2p.dialProtocol(b.libp2p.getMultiaddrs()[0]!, SINK)
    expect(a.libp2p.getConnections(b.peerId)).toHaveLength(1)
    const blockSize = 1024 * 1024
    const sent = createHash('sha256')
    const pieces = [block(1, blockSize), block(2, blockSize), block(3, blockSize)]
    for (let i = 0; i < GiB / blockSize; i++) {
      const piece = pieces[i % 3]!
      sent.update(piece)
      if (!stream.send(piece)) await stream.onDrain()
    }
    await stream.close()
    const got = await received.promise
    expect(got.bytes).toBe(GiB)
    expect(got.digest).toBe(sent.digest('hex'))
    // still the one connection: nothing was torn down on the way (the pnet bug aborts after ~50 MiB)
    expect(a.libp2p.getConnections(b.peerId)).toHaveLength(1)
  }, 240_000)

  it('refuses a node holding another secret at the handshake: no connection, no peer entry', async () => {
    const a = await meshNode({ secret: generateSecret(), connector: false })
    const intruder = await meshNode({ secret: generateSecret(), connector: false })
    started.push(a, intruder)
    await expect(intruder.libp2p.dial(a.libp2p.getMultiaddrs()[0]!)).rejects.toThrow()
    // the inbound handshake failed before a learnt who was calling
    expect(await a.libp2p.peerStore.has(intruder.peerId)).toBe(false)
    await expect(a.libp2p.dial(intruder.libp2p.getMultiaddrs()[0]!)).rejects.toThrow()
    expect(a.connectionCount()).toBe(0)
    expect(intruder.connectionCount()).toBe(0)
    // a dialled the intruder's address (so its store has the address) but it never became a member
    expect(await a.peers()).toEqual([])
  })

  it('refuses a plain libp2p node with no secret at all', async () => {
    const a = await meshNode({ secret: generateSecret(), connector: false })
    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    started.push(a, plain)
    await expect(plain.dial(a.libp2p.getMultiaddrs()[0]!)).rejects.toThrow()
    expect(a.connectionCount()).toBe(0)
    expect(await a.peers()).toEqual([])
  })
})
