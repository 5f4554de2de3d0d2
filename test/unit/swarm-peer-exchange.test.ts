import { describe, it, expect } from 'vitest'
import { Transfer, type TransferOptions } from '../../src/images/swarm/transfer.js'
import type { PeerSession } from '../../src/images/swarm/peer-session.js'
import { Bitfield } from '../../src/images/swarm/bitfield.js'
import { ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { SwarmRoster, samplePeers } from '../../src/images/swarm/swarm-roster.js'
import { MemoryChunkStore, makeImage, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'

/** A fake session to a peer that holds `bits` of `image` and names `named` when asked for peers. */
function fakePeer (peer: string, image: TestImage, bits: Bitfield, named: string[], delayMs = 0): PeerSession & { wantPeersAt: number[], chunksSent: number } {
  const session = {
    peer,
    closed: false,
    inFlight: 0,
    wantPeersAt: [] as number[],
    chunksSent: 0,
    ended: new Promise<Error>(() => {}),
    async getHave (_n: string, _v: string, _c: number, _since: unknown, wantPeers = false) {
      if (wantPeers) session.wantPeersAt.push(performance.now())
      return { bits, epoch: 0, cursor: 0, peers: wantPeers ? named : [] }
    },
    async getChunk (id: string, onSent?: (reqId: number) => void) {
      onSent?.(Math.floor(Math.random() * 1e9))
      await new Promise(resolve => setTimeout(resolve, delayMs))
      session.chunksSent++
      return { data: image.chunks.get(id)!, encoding: ChunkResponse.Encoding.RAW }
    },
    cancel () {},
    close () { session.closed = true },
    abort () { session.closed = true }
  }
  return session as unknown as PeerSession & { wantPeersAt: number[], chunksSent: number }
}

/** A transfer of `image` from `seed` alone (no lookups), with `opts`. */
function fromSeed (image: TestImage, seed: PeerSession, opts: TransferOptions): Transfer {
  return new Transfer({ manifest: image.manifest, store: new MemoryChunkStore(), initialPeers: ['seed'], connect: async () => seed, discover: async () => [], ...opts })
}

describe('peer exchange in a transfer', () => {
  it('adds the peers a peer names (not itself, not an unreachable one) and fetches from them', async () => {
    const image = makeImage('alpine', '3.20', testBytes(60))
    const full = Bitfield.full(image.manifest.chunks.length)
    const other = fakePeer('other', image, full, [])
    const seed = fakePeer('seed', image, full, ['self', 'other', 'far'], 2)
    const dialed: string[] = []
    const sessions = new Map([['seed', seed], ['other', other]])
    const t = new Transfer({
      manifest: image.manifest,
      store: new MemoryChunkStore(),
      self: 'self',
      initialPeers: ['seed'],
      connect: async peer => {
        dialed.push(peer)
        const s = sessions.get(peer)
        if (s == null) throw new Error(`no route to ${peer}`)
        return s
      },
      discover: async () => [],
      reachable: peer => peer !== 'far',
      providerRefreshMs: 60_000,
      stallTimeoutMs: 5_000
    })
    const result = await t.run()
    expect(dialed.sort()).toEqual(['other', 'seed'])
    expect(seed.wantPeersAt.length).toBeGreaterThanOrEqual(1)
    expect(other.chunksSent).toBeGreaterThan(0)
    expect(result.peers.map(p => p.peer).sort()).toEqual(['other', 'seed'])
  })

  it('asks a seed for peers again every peerExchangeMs, not more often, and never with peerExchangeMs 0', async () => {
    const image = makeImage('alpine', '3.20', testBytes(40))
    const full = Bitfield.full(image.manifest.chunks.length)
    for (const peerExchangeMs of [100, 0]) {
      const seed = fakePeer('seed', image, full, [], 20)
      // one chunk at a time, 20 ms each: the transfer runs ~0.8 s
      const t = fromSeed(image, seed, { providerRefreshMs: 60_000, peerExchangeMs, maxWindow: 1, initialWindow: 1, minWindow: 1 })
      const started = performance.now()
      await t.run()
      const ran = performance.now() - started
      if (peerExchangeMs === 0) {
        expect(seed.wantPeersAt).toEqual([])
        continue
      }
      expect(ran).toBeGreaterThan(500)
      const gaps = seed.wantPeersAt.slice(1).map((at, i) => at - seed.wantPeersAt[i]!)
      expect(seed.wantPeersAt.length).toBeGreaterThanOrEqual(3)
      expect(seed.wantPeersAt.length).toBeLessThanOrEqual(Math.ceil(ran / peerExchangeMs) + 1)
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(peerExchangeMs - 5)
    }
  })

  it('does not ask for peers while at its peer limit', async () => {
    const image = makeImage('alpine', '3.20', testBytes(20))
    const full = Bitfield.full(image.manifest.chunks.length)
    const seed = fakePeer('seed', image, full, ['other'], 5)
    const t = fromSeed(image, seed, { maxPeers: 1, peerExchangeMs: 20 })
    await t.run()
    expect(seed.wantPeersAt).toEqual([])
  })
})

describe('swarm roster', () => {
  it('keeps a peer while any of its streams is open, per image version', () => {
    const r = new SwarmRoster()
    r.join('a@1', 'p1')
    r.join('a@1', 'p1')
    r.join('a@1', 'p2')
    r.join('b@1', 'p3')
    expect(r.peers('a@1').sort()).toEqual(['p1', 'p2'])
    r.leave('a@1', 'p1')
    expect(r.peers('a@1').sort()).toEqual(['p1', 'p2'])
    r.leave('a@1', 'p1')
    r.leave('a@1', 'p9') // never joined: nothing changes
    expect(r.peers('a@1')).toEqual(['p2'])
    expect(r.peers('b@1')).toEqual(['p3'])
    r.leave('a@1', 'p2')
    expect(r.peers('a@1')).toEqual([])
  })

  it('is bounded: the longest-present peer and the least recently joined version go first', () => {
    const r = new SwarmRoster(2, 3)
    for (const p of ['p1', 'p2', 'p3', 'p4']) r.join('a@1', p)
    expect(r.peers('a@1').sort()).toEqual(['p2', 'p3', 'p4'])
    r.join('b@1', 'q')
    r.join('a@1', 'p5') // a@1 joined most recently
    r.join('c@1', 'q')
    expect(r.peers('b@1')).toEqual([])
    expect(r.peers('a@1').sort()).toEqual(['p3', 'p4', 'p5'])
    expect(r.peers('c@1')).toEqual(['q'])
  })

  it('samples each candidate once, without the excluded ones, at most max', () => {
    const candidates = ['a', 'b', 'c', 'd', 'e', 'a', 'b']
    for (let i = 0; i < 20; i++) {
      const s = samplePeers(candidates, new Set(['c']), 3)
      expect(s.length).toBe(3)
      expect(new Set(s).size).toBe(3)
      expect(s).not.toContain('c')
    }
    expect(samplePeers(candidates, new Set(['a', 'b']), 10).sort()).toEqual(['c', 'd', 'e'])
    // every candidate shows up over many draws (a large roster is shared fairly)
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) for (const p of samplePeers(candidates, new Set(), 1)) seen.add(p)
    expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
})
