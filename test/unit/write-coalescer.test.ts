import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { WriteCoalescer } from '../../src/mesh/write-coalescer.js'

describe('WriteCoalescer', () => {
  it('passes a list of pieces to the connection as one buffer of the same bytes, and a buffer as it is', async () => {
    const sent: Array<Uint8Array | Uint8ArrayList> = []
    const conn = { send: (data: Uint8Array | Uint8ArrayList) => { sent.push(data); return true } } as unknown as MessageStream
    const out = await new WriteCoalescer().protect(conn)
    expect(out).toBe(conn)
    const list = new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(1, 2, 3), Uint8Array.of(9))
    expect(out.send(list)).toBe(true)
    const one = Uint8Array.of(7, 7)
    out.send(one)
    expect(sent[0]).toBeInstanceOf(Uint8Array)
    expect([...(sent[0] as Uint8Array)]).toEqual([0, 3, 1, 2, 3, 9])
    expect(sent[1]).toBe(one)
  })

  it('returns what the connection returns (backpressure is kept)', async () => {
    const conn = { send: () => false } as unknown as MessageStream
    const out = await new WriteCoalescer().protect(conn)
    expect(out.send(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)))).toBe(false)
  })
})
