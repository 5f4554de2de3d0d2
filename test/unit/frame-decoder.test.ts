import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { FrameDecoder } from '../../src/images/swarm/frame-decoder.js'
import { joinFrames } from '../../src/images/swarm/frame-channel.js'

/** Every frame `bytes` decodes to when fed in pieces cut at `cuts` (offsets). */
function decodeIn (bytes: Uint8Array, cuts: number[], max = 1 << 20): Uint8Array[] {
  const d = new FrameDecoder(max)
  const out: Uint8Array[] = []
  let at = 0
  for (const c of [...cuts, bytes.length]) {
    d.decode(bytes.subarray(at, c), f => { out.push(Uint8Array.from(f)) })
    at = c
  }
  return out
}

const frames = [1, 127, 128, 300, 16_384, 70_000, 3].map(n => randomBytes(n))
const stream = joinFrames(frames)

/** Whether `got` are exactly `frames` (Buffer.equals: element-wise deep equality is slow on 70 KB frames). */
function same (got: Uint8Array[], want: Uint8Array[] = frames): boolean {
  return got.length === want.length && got.every((f, i) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).equals(want[i]!))
}

describe('FrameDecoder', () => {
  it('cuts the frames of one piece, handing them on as views of it', () => {
    const views: Uint8Array[] = []
    new FrameDecoder(1 << 20).decode(stream, f => { views.push(f) })
    expect(same(views)).toBe(true)
    for (const v of views) expect(v.buffer).toBe(stream.buffer)
  })

  it('joins frames and length prefixes cut anywhere across pieces, at every offset of a prefix and a body', () => {
    for (let cut = 1; cut < 700; cut++) expect(same(decodeIn(stream, [cut])), `cut at ${cut}`).toBe(true)
    // one byte at a time, and in many random pieces
    expect(decodeIn(stream.subarray(0, 1000), Array.from({ length: 999 }, (_, i) => i + 1)).length).toBe(4)
    const cuts = [...new Set(Array.from({ length: 200 }, () => 1 + Math.floor(Math.random() * (stream.length - 1))))].sort((a, b) => a - b)
    expect(same(decodeIn(stream, cuts))).toBe(true)
  })

  it('takes a Uint8ArrayList of pieces, and skips empty frames', () => {
    const list = new Uint8ArrayList(stream.subarray(0, 10), stream.subarray(10, 20_000), stream.subarray(20_000))
    const out: Uint8Array[] = []
    new FrameDecoder(1 << 20).decode(list, f => { out.push(f) })
    expect(same(out)).toBe(true)
    const withEmpty: Buffer[] = []
    new FrameDecoder(16).decode(joinFrames([new Uint8Array(0), Uint8Array.of(7), new Uint8Array(0)]), f => { withEmpty.push(Buffer.from(f)) })
    expect(withEmpty).toEqual([Buffer.of(7)])
  })

  it('refuses a length over the limit as soon as its prefix is read, before any of its body', () => {
    const d = new FrameDecoder(1024)
    const big = joinFrames([new Uint8Array(1025)])
    expect(() => { d.decode(big.subarray(0, 2), () => {}) }).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
    // a prefix that never ends (more than 5 continuation bytes) is too large too, also when cut across pieces
    const endless = new Uint8Array(8).fill(0x80)
    const e = new FrameDecoder(1024)
    e.decode(endless.subarray(0, 3), () => {})
    expect(() => { e.decode(endless.subarray(3), () => {}) }).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
  })

  it('emits nothing for an incomplete frame and completes it with the next pieces', () => {
    const d = new FrameDecoder(1 << 20)
    const out: Uint8Array[] = []
    const one = joinFrames([randomBytes(50_000)])
    d.decode(one.subarray(0, 1), f => { out.push(f) })
    d.decode(one.subarray(1, 30_000), f => { out.push(f) })
    expect(out).toHaveLength(0)
    d.decode(one.subarray(30_000), f => { out.push(f) })
    expect(out).toHaveLength(1)
    expect(Buffer.compare(Buffer.from(out[0]!), one.subarray(3))).toBe(0)
  })
})
