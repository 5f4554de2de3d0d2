import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { halfWindowUpdates } from '../../src/mesh/yamux-window.js'

const PROTOCOL = '/novacron-test/bulk/1.0.0'
const TOTAL = 32 * 1024 * 1024
/** yamux's frame type of a window update (frame.ts) */
const WINDOW_UPDATE = 1

describe('yamux window updates', () => {
  const nodes: MeshLibp2p[] = []

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  /**
   * Window-update frames the receiving side sent while `count` messages of `size` bytes arrived on one stream, with
   * the mesh's half-window updates (`half`) or js-yamux's own.
   */
  async function updatesWhileReceiving (half: boolean, size = 64 * 1024, count = TOTAL / size): Promise<number> {
    const secret = generateSecret()
    const make = async (): Promise<MeshLibp2p> => {
      const n = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'], halfWindowUpdates: half })
      await n.start()
      nodes.push(n)
      return n
    }
    const [receiver, sender] = [await make(), await make()]
    let updates = 0
    let received = 0
    const done = Promise.withResolvers<void>()
    const total = size * count
    await receiver.handle(PROTOCOL, async (stream: Stream) => {
      // count the frames yamux sends for this stream (its private sendFrame, wrapped on the instance)
      const s = stream as unknown as { sendFrame: (header: { type: number }, body?: unknown) => boolean }
      const send = s.sendFrame
      s.sendFrame = (header, body) => {
        if (header.type === WINDOW_UPDATE) updates++
        return send(header, body)
      }
      stream.addEventListener('message', evt => {
        received += evt.data.byteLength
        if (received >= total) done.resolve()
      })
    })
    const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0]!, PROTOCOL)
    const piece = new Uint8Array(size)
    for (let i = 0; i < count; i++) {
      if (!stream.send(piece)) await stream.onDrain()
      // small messages go one by one, as a protocol's requests do (each its own frame)
      if (size < 1024) await new Promise(resolve => setImmediate(resolve))
    }
    await done.promise
    await stream.close()
    return updates
  }

  it('of a bulk stream are sent once per half window received instead of once per frame, and every byte still arrives', async () => {
    const perFrame = await updatesWhileReceiving(false)
    const perHalfWindow = await updatesWhileReceiving(true)
    // js-yamux answers every batch of data frames it handles: 131 updates here for 32 MiB on loopback (more where
    // data trickles in over a slow link); once per half window: 4 here (the window grows to 16 MiB), at most 16
    expect(perFrame).toBeGreaterThanOrEqual(64)
    expect(perHalfWindow).toBeGreaterThan(0)
    expect(perHalfWindow).toBeLessThanOrEqual(16)
  })

  it('are not sent for a stream of small messages (every protocol of a mesh node, not only chunk streams)', async () => {
    const perFrame = await updatesWhileReceiving(false, 200, 300)
    const perHalfWindow = await updatesWhileReceiving(true, 200, 300)
    // js-yamux: about one per message; half-window: none (60 KB never uses half of a 4 MiB window)
    expect(perFrame).toBeGreaterThanOrEqual(100)
    expect(perHalfWindow).toBe(0)
  })

  it('leaves anything that is not a js-yamux stream alone', () => {
    const fake = { sendWindowUpdate: () => {} }
    expect(halfWindowUpdates(fake)).toBe(false)
  })
})
