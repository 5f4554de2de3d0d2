import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import * as lp from 'it-length-prefixed'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/logging/logger.js'
import { MembershipProtocolError } from '../../src/membership/errors.js'
import { ProbeAck, ProbeRequest } from '../../src/membership/pb/probe.js'
import { SyncRequest, SyncResponse, Liveness } from '../../src/membership/pb/state.js'
import { ProbeProtocol } from '../../src/membership/probe-protocol.js'
import type { ProtocolHost } from '../../src/membership/protocol-host.js'
import { StateSyncProtocol } from '../../src/membership/state-sync-protocol.js'
import type { Version } from '../../src/membership/types.js'

async function newPeer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A libp2p stand-in whose dialProtocol hands out the outbound end of a stream pair and serves the inbound end. */
function host (self: PeerId, serve: (inbound: Stream, dialled: PeerId) => void): ProtocolHost {
  return {
    peerId: self,
    handle: async () => {},
    unhandle: async () => {},
    dialProtocol: (async (peer: PeerId) => {
      const [out, inb] = await streamPair()
      serve(inb, peer)
      return out
    }) as unknown as ProtocolHost['dialProtocol']
  }
}

async function codeOf (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof MembershipProtocolError) return err.code
    throw err
  }
  return 'ok'
}

function rawFrame (bytes: Uint8Array): Uint8Array {
  return lp.encode.single(bytes).subarray()
}

describe('/novacron/probe/1.0.0', () => {
  it('a direct probe returns the responder\'s record version and counts as contact both ways', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const contacts: string[] = []
    const responder = new ProbeProtocol({ libp2p: host(b, () => {}), logger: silentLogger, timeoutMs: 500, selfVersion: () => ({ bootEpoch: 4, seq: 2 ** 31 + 5 }), onContact: p => { contacts.push(`b saw ${p.toString() === a.toString() ? 'a' : '?'}`) } })
    let seen: Version | undefined
    const prober = new ProbeProtocol({
      libp2p: host(a, inb => { void responder.handle(inb, { remotePeer: a } as never) }),
      logger: silentLogger,
      timeoutMs: 500,
      selfVersion: () => ({ bootEpoch: 1, seq: 1 }),
      onContact: (_p, v) => { seen = v }
    })
    expect(await prober.probe(b)).toEqual({ bootEpoch: 4, seq: 2 ** 31 + 5 })
    expect(seen).toEqual({ bootEpoch: 4, seq: 2 ** 31 + 5 })
    expect(contacts).toEqual(['b saw a'])
  })

  it('a peer that never answers fails the probe with ERR_TIMEOUT', async () => {
    const prober = new ProbeProtocol({ libp2p: host(await newPeer(), () => {}), logger: silentLogger, timeoutMs: 200, selfVersion: () => ({ bootEpoch: 1, seq: 1 }) })
    expect(await codeOf(prober.probe(await newPeer()))).toBe('ERR_TIMEOUT')
  })

  it('an answer over the size limit, or with the wrong nonce, fails the probe', async () => {
    const big = new ProbeProtocol({
      libp2p: host(await newPeer(), inb => { inb.send(rawFrame(new Uint8Array(4096))) }),
      logger: silentLogger, timeoutMs: 500, selfVersion: () => ({ bootEpoch: 1, seq: 1 })
    })
    expect(await codeOf(big.probe(await newPeer()))).toBe('ERR_FRAME_TOO_LARGE')
    const liar = new ProbeProtocol({
      libp2p: host(await newPeer(), inb => { inb.send(rawFrame(ProbeAck.encode({ nonce: 1, ok: true, bootEpoch: 1, seq: 1 }))) }),
      logger: silentLogger, timeoutMs: 500, selfVersion: () => ({ bootEpoch: 1, seq: 1 })
    })
    expect(await codeOf(liar.probe(await newPeer()))).toBe('ERR_PROBE_NONCE')
  })

  it('the handler refuses an oversized request and a silent requester without answering', async () => {
    const responder = new ProbeProtocol({ libp2p: host(await newPeer(), () => {}), logger: silentLogger, timeoutMs: 100, selfVersion: () => ({ bootEpoch: 1, seq: 1 }) })
    const [out, inb] = await streamPair()
    const handled = responder.handle(inb, { remotePeer: await newPeer() } as never)
    out.send(rawFrame(new Uint8Array(1024)))
    expect(await codeOf(handled)).toBe('ERR_FRAME_TOO_LARGE')
    const [, silentIn] = await streamPair()
    expect(await codeOf(responder.handle(silentIn, { remotePeer: await newPeer() } as never))).toBe('ERR_TIMEOUT')
  })

  it('an indirect probe asks the helper to probe the target and reports whether it answered', async () => {
    const [a, helperId, target, ghost] = [await newPeer(), await newPeer(), await newPeer(), await newPeer()]
    const targetSide = new ProbeProtocol({ libp2p: host(target, () => {}), logger: silentLogger, timeoutMs: 300, selfVersion: () => ({ bootEpoch: 1, seq: 9 }) })
    const helper = new ProbeProtocol({
      libp2p: host(helperId, (inb, dialled) => { if (dialled.equals(target)) void targetSide.handle(inb, { remotePeer: helperId } as never) }),
      logger: silentLogger, timeoutMs: 300, selfVersion: () => ({ bootEpoch: 1, seq: 1 })
    })
    const prober = new ProbeProtocol({
      libp2p: host(a, inb => { void helper.handle(inb, { remotePeer: a } as never) }),
      logger: silentLogger, timeoutMs: 300, selfVersion: () => ({ bootEpoch: 1, seq: 1 })
    })
    expect(await prober.probeVia(helperId, target)).toBe(true)
    expect(await prober.probeVia(helperId, ghost)).toBe(false)
    // the wire form of the request names the target
    expect(ProbeRequest.decode(ProbeRequest.encode({ nonce: 7, target: new Uint8Array([1]) as Uint8Array<ArrayBuffer> })).target).toEqual(new Uint8Array([1]))
  })
})

describe('/novacron/state-sync/1.0.0', () => {
  it('sends the request and returns the responder\'s answer', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    let got: SyncRequest | undefined
    const responder = new StateSyncProtocol({
      libp2p: host(b, () => {}), logger: silentLogger, timeoutMs: 1000,
      respond: async (peer, req) => { got = req; expect(peer.equals(a)).toBe(true); return { entries: [], yourLiveness: Liveness.DEAD } }
    })
    const requester = new StateSyncProtocol({
      libp2p: host(a, inb => { void responder.handle(inb, { remotePeer: a }) }), logger: silentLogger, timeoutMs: 1000,
      respond: async () => { throw new Error('unused') }
    })
    const res = await requester.sync(b, { digest: [{ peerId: new Uint8Array([1, 2]) as Uint8Array<ArrayBuffer>, bootEpoch: 3, seq: 4 }] })
    expect(res.yourLiveness).toBe(Liveness.DEAD)
    expect(got?.digest[0]?.seq).toBe(4)
  })

  it('the handler refuses a frame that announces more than the limit, and garbage, without calling respond', async () => {
    let called = 0
    const responder = new StateSyncProtocol({ libp2p: host(await newPeer(), () => {}), logger: silentLogger, timeoutMs: 500, respond: async () => { called++; return { entries: [], yourLiveness: Liveness.ALIVE } } })
    const [out, inb] = await streamPair()
    const handled = responder.handle(inb, { remotePeer: await newPeer() })
    // varint length prefix of 64 MiB, then a few bytes: refused before anything is buffered
    out.send(Uint8Array.from([0x80, 0x80, 0x80, 0x20, 1, 2, 3]))
    expect(await codeOf(handled)).toBe('ERR_FRAME_TOO_LARGE')
    const [out2, inb2] = await streamPair()
    const handled2 = responder.handle(inb2, { remotePeer: await newPeer() })
    out2.send(rawFrame(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])))
    expect(await codeOf(handled2)).toBe('ERR_FRAME_INVALID')
    expect(called).toBe(0)
  })

  it('a silent responder times the request out; a responder that hangs up early fails it', async () => {
    const slow = new StateSyncProtocol({ libp2p: host(await newPeer(), () => {}), logger: silentLogger, timeoutMs: 200, respond: async () => ({ entries: [], yourLiveness: Liveness.ALIVE }) })
    expect(await codeOf(slow.sync(await newPeer(), { digest: [] }))).toBe('ERR_TIMEOUT')
    const rude = new StateSyncProtocol({ libp2p: host(await newPeer(), inb => { void inb.close() }), logger: silentLogger, timeoutMs: 500, respond: async () => ({ entries: [], yourLiveness: Liveness.ALIVE }) })
    expect(await codeOf(rude.sync(await newPeer(), { digest: [] }))).not.toBe('ok')
    expect(SyncResponse.decode(SyncResponse.encode({ entries: [], yourLiveness: Liveness.SUSPECT })).yourLiveness).toBe(Liveness.SUSPECT)
  })
})
