import { LengthPrefixedDecoder } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { encodeVarint, joinFrames } from '../../src/images/swarm/frame-channel.js'

describe('joinFrames', () => {
  it('writes each frame behind its varint length, in order, in one buffer a length-prefixed decoder splits back', () => {
    const frames = [1, 127, 128, 300, 16_384, 70_000].map((n, i) => new Uint8Array(n).fill(i + 1))
    const joined = joinFrames(frames)
    expect(joined.byteLength).toBe(frames.reduce((t, f) => t + encodeVarint(f.byteLength).length + f.byteLength, 0))
    const back = [...new LengthPrefixedDecoder({ maxDataLength: 1 << 20 }).decode(joined)].map(f => f.subarray())
    expect(back.map(f => f.byteLength)).toEqual(frames.map(f => f.byteLength))
    back.forEach((f, i) => { expect(Buffer.compare(Buffer.from(f), Buffer.from(frames[i]!))).toBe(0) })
  })

  it('writes a frame given as parts as one frame of their bytes back to back', () => {
    const joined = joinFrames([Uint8Array.of(1, 2), [Uint8Array.of(3), new Uint8Array(0), new Uint8Array(200).fill(4)], Uint8Array.of(5)])
    const back = [...new LengthPrefixedDecoder({ maxDataLength: 1 << 20 }).decode(joined)].map(f => [...f.subarray()])
    expect(back).toEqual([[1, 2], [3, ...new Array<number>(200).fill(4)], [5]])
  })

  it('writes an empty frame as its zero length', () => {
    expect([...joinFrames([new Uint8Array(0), Uint8Array.of(5)])]).toEqual([0, 1, 5])
  })

  it('encodes varints as unsigned LEB128', () => {
    expect([...encodeVarint(0)]).toEqual([0])
    expect([...encodeVarint(127)]).toEqual([127])
    expect([...encodeVarint(128)]).toEqual([0x80, 1])
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02])
    expect([...encodeVarint(2 ** 32)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x10])
  })
})
