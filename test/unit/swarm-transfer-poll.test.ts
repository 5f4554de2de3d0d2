import { describe, it, expect } from 'vitest'
import { Transfer } from '../../src/images/swarm/transfer.js'
import type { PeerSession } from '../../src/images/swarm/peer-session.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import { RequestTimeoutError } from '../../src/images/swarm/errors.js'
import { ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { MemoryChunkStore, makeImage, testBytes } from '../helpers/swarm-fixtures.js'

describe('transfer have polling', () => {
  it('polls a peer again after a have poll timed out, and fetches what the next answer shows', async () => {
    const image = makeImage('alpine', '3.20', testBytes(12))
    const count = image.manifest.chunks.length
    let polls = 0
    // a peer whose first have answer times out (its responder was busy), then answers with everything
    const session = {
      peer: 'slow',
      closed: false,
      inFlight: 0,
      ended: new Promise<Error>(() => {}),
      async getHave () {
        if (++polls === 1) throw new RequestTimeoutError('slow did not answer in time')
        return { bits: Bitfield.full(count), epoch: 0, cursor: 0 }
      },
      async getChunk (id: string, onSent?: (reqId: number) => void) {
        onSent?.(Math.floor(Math.random() * 1e9))
        return { data: image.chunks.get(id)!, encoding: ChunkResponse.Encoding.RAW }
      },
      cancel () {},
      close () { this.closed = true },
      abort () { this.closed = true }
    }
    const store = new MemoryChunkStore()
    const t = new Transfer({
      manifest: image.manifest,
      store,
      connect: async () => session as unknown as PeerSession,
      discover: async () => ['slow'],
      havePollMs: 20,
      stallTimeoutMs: 3_000
    })
    const result = await t.run()
    expect(polls).toBeGreaterThanOrEqual(2)
    expect(result.fetchedBytes).toBeGreaterThan(0)
    for (const id of image.chunks.keys()) expect(await store.has(id)).toBe(true)
  })
})
