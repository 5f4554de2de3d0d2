import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Manifest } from '../../src/images/types.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import { ChunkRequest, ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { toWireManifest } from '../../src/images/swarm/manifest-wire.js'

export type Misbehaviour = 'wrong-bytes' | 'stall' | 'huge-frame' | 'garbage-frame' | 'unsolicited' | 'lying-have'

/**
 * A peer that speaks the chunk protocol badly: it claims to hold every chunk of `manifest`, answers
 * manifest and have requests correctly, and misbehaves on chunk requests as told.
 */
export function rogueChunkPeer (manifest: Manifest, how: Misbehaviour): (stream: Stream) => void {
  return (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: 1024 })
    void (async () => {
      try {
        while (true) {
          const req = ChunkRequest.decode(await lp.read())
          const base = { id: req.id, status: ChunkResponse.Status.OK, have: new Uint8Array(), count: 0, data: new Uint8Array() }
          if (req.type === ChunkRequest.Type.GET_MANIFEST) {
            await lp.write(ChunkResponse.encode({ ...base, manifest: toWireManifest(manifest) }))
          } else if (req.type === ChunkRequest.Type.GET_HAVE) {
            const bits = Bitfield.full(manifest.chunks.length)
            await lp.write(ChunkResponse.encode({ ...base, have: bits.bytes as Uint8Array<ArrayBuffer>, count: bits.count }))
          } else if (req.type === ChunkRequest.Type.GET_CHUNK) {
            const ref = manifest.chunks.find(c => c.id === Buffer.from(req.chunk).toString('hex'))
            const size = ref?.size ?? 1024
            switch (how) {
              case 'wrong-bytes':
                await lp.write(ChunkResponse.encode({ ...base, data: randomBytes(size) }))
                break
              case 'stall':
                break
              case 'huge-frame':
                // announce a 64 MiB frame and start sending it
                stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x20]))
                stream.send(randomBytes(64 * 1024))
                break
              case 'garbage-frame':
                await lp.write(Uint8Array.from([0x0f, 0xff, 0xff, 0xff, 0x07, 0x01]))
                break
              case 'unsolicited':
                await lp.write(ChunkResponse.encode({ ...base, id: 1_000_000, data: randomBytes(size) }))
                break
              case 'lying-have':
                await lp.write(ChunkResponse.encode({ ...base, status: ChunkResponse.Status.NOT_FOUND }))
                break
            }
          }
        }
      } catch {
        stream.abort(new Error('rogue peer done'))
      }
    })()
  }
}
