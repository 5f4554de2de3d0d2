import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Manifest } from '../../src/images/types.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import { ChunkRequest, ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { toWireManifest } from '../../src/images/swarm/manifest-wire.js'
import { lz4Napi } from '../../src/images/store/lz4.js'

const { Encoding } = ChunkResponse

export type Misbehaviour = 'wrong-bytes' | 'stall' | 'huge-frame' | 'garbage-frame' | 'unsolicited' | 'lying-have'
  | 'lz4-wrong-bytes' | 'lz4-lying-size' | 'lz4-truncated' | 'lz4-garbage' | 'unknown-encoding'

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
          const base = { id: req.id, status: ChunkResponse.Status.OK, have: new Uint8Array(), count: 0, data: new Uint8Array(), encoding: Encoding.RAW }
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
              case 'lz4-wrong-bytes':
                // a well-formed lz4 block of the right size, of other bytes
                await lp.write(ChunkResponse.encode({ ...base, encoding: Encoding.LZ4, data: Uint8Array.from(lz4Napi.compress(new Uint8Array(size).fill(7))) }))
                break
              case 'lz4-lying-size': {
                // the size prefix claims 1 GiB: a receiver that trusted it would allocate that much
                const block = Uint8Array.from(lz4Napi.compress(new Uint8Array(size).fill(7)))
                new DataView(block.buffer).setUint32(0, 1 << 30, true)
                await lp.write(ChunkResponse.encode({ ...base, encoding: Encoding.LZ4, data: block }))
                break
              }
              case 'lz4-truncated': {
                const block = Uint8Array.from(lz4Napi.compress(randomBytes(size)))
                await lp.write(ChunkResponse.encode({ ...base, encoding: Encoding.LZ4, data: block.subarray(0, block.length >> 1) }))
                break
              }
              case 'lz4-garbage': {
                // the right size prefix, then bytes that are no lz4 block
                const block = randomBytes(size >> 1)
                new DataView(block.buffer, block.byteOffset).setUint32(0, size, true)
                await lp.write(ChunkResponse.encode({ ...base, encoding: Encoding.LZ4, data: Uint8Array.from(block) }))
                break
              }
              case 'unknown-encoding': {
                // field 7 (encoding) = 7, which no version defines (protons will not encode it: append it by hand)
                const res = ChunkResponse.encode({ ...base, data: randomBytes(size) })
                await lp.write(Uint8Array.from([...res, 0x38, 0x07]))
                break
              }
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
