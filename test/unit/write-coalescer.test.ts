import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it, vi } from 'vitest'
import { WriteCoalescer } from '../../src/mesh/write-coalescer.js'

describe('WriteCoalescer on any other connection', () => {
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

describe('WriteCoalescer on a TCP connection', () => {
  it('writes the pieces of a send with one writev, bytes and order unchanged, and keeps backpressure', async () => {
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const accepted = new Promise<Socket>(resolve => server.once('connection', resolve))
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    await new Promise(resolve => socket.once('connect', resolve))
    const remote = await accepted
    const received: Buffer[] = []
    remote.on('data', (b: Buffer) => received.push(b))
    try {
      const writev = vi.spyOn(socket as unknown as { _writev: (...a: unknown[]) => void }, '_writev')
      const write = vi.spyOn(socket as unknown as { _write: (...a: unknown[]) => void }, '_write')
      const conn = { socket, sendData: () => { throw new Error('replaced') }, send: () => true } as unknown as MessageStream
      const out = await new WriteCoalescer().protect(conn) as unknown as { sendData: (d: Uint8ArrayList) => { sentBytes: number, canSendMore: boolean } }
      const big = Buffer.alloc(256 * 1024, 5)
      const list = new Uint8ArrayList(Uint8Array.of(0, 3), big, Uint8Array.of(9))
      const result = out.sendData(list)
      expect(result.sentBytes).toBe(list.byteLength)
      expect(writev).toHaveBeenCalledTimes(1)
      expect(write).not.toHaveBeenCalled()
      // what the kernel did not take stays in the socket's buffer: the caller is told to wait for 'drain'
      expect(result.canSendMore).toBe(socket.writableLength < socket.writableHighWaterMark)
      if (!result.canSendMore) await new Promise(resolve => socket.once('drain', resolve))
      const expected = Buffer.concat([Uint8Array.of(0, 3), big, Uint8Array.of(9)])
      for (let i = 0; i < 100 && Buffer.concat(received).length < expected.length; i++) await new Promise(resolve => setTimeout(resolve, 10))
      expect(Buffer.concat(received).equals(expected)).toBe(true)
    } finally {
      socket.destroy()
      remote.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
