import { describe, it, expect } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { ChunkServer, chunkResponse } from '../../src/images/swarm/chunk-server.js'
import { PeerSession } from '../../src/images/swarm/peer-session.js'
import { ChunkRequest, ChunkResponse } from '../../src/images/swarm/pb/chunks.js'
import { SwarmRoster, samplePeers } from '../../src/images/swarm/swarm-roster.js'
import { encodePeerIds } from '../../src/images/swarm/peer-exchange.js'
import { MAX_PEX_PEERS } from '../../src/images/swarm/constants.js'
import { MemoryChunkStore, MemorySource, makeImage, pair, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'

/** A source that keeps its pullers in a roster, as the swarm service does. */
class RosterSource extends MemorySource {
  readonly roster = new SwarmRoster()
  joined (name: string, version: string, peer: string): void { this.roster.join(`${name}@${version}`, peer) }
  left (name: string, version: string, peer: string): void { this.roster.leave(`${name}@${version}`, peer) }
  swarmPeers (name: string, version: string, requester: string, max: number): string[] {
    return samplePeers(this.roster.peers(`${name}@${version}`), new Set([requester]), max)
  }
}

async function peerIds (n: number): Promise<string[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
}

/** A stream whose responder answers the first request with `fields`. */
async function answering (fields: Partial<ChunkResponse>): Promise<Stream> {
  const [client, inbound] = await pair()
  const lp = lpStream(inbound)
  void (async () => {
    const req = ChunkRequest.decode(await lp.read())
    await lp.write(ChunkResponse.encode(chunkResponse(req.id, ChunkResponse.Status.OK, fields)))
  })()
  return client
}

/** A server holding a `chunks`-chunk image `alpine@3.20`, whose source keeps a roster. */
async function rosterServer (chunks: number): Promise<{ server: ChunkServer, source: RosterSource, image: TestImage }> {
  const store = new MemoryChunkStore()
  const image = makeImage('alpine', '3.20', testBytes(chunks))
  await seedStore(store, image)
  const source = new RosterSource(store)
  source.manifests.push(image.manifest)
  return { server: new ChunkServer({ store, source }), source, image }
}

/** A session to `server` on a stream it serves as coming from `remote`. */
async function open (server: ChunkServer, remote: string): Promise<PeerSession> {
  const [client, inbound] = await pair()
  void server.handle(inbound, remote)
  return new PeerSession(client, 'server')
}

describe('peer exchange (GET_HAVE wantPeers)', () => {
  it('names the version\'s other pullers to a requester that asks, while their streams are open', async () => {
    const { server, image } = await rosterServer(10)
    const [a, b, c] = await peerIds(3)
    const count = image.manifest.chunks.length
    const sa = await open(server, a!)
    const sb = await open(server, b!)
    const sc = await open(server, c!)
    // a and b pull; a's own question does not name a to itself
    expect((await sa.getHave('alpine', '3.20', count, undefined, true)).peers).toEqual([])
    await sb.getHave('alpine', '3.20', count)
    expect((await sa.getHave('alpine', '3.20', count, undefined, true)).peers).toEqual([b])
    // not asked: no peers
    expect((await sc.getHave('alpine', '3.20', count)).peers).toEqual([])
    expect((await sc.getHave('alpine', '3.20', count, undefined, true)).peers.sort()).toEqual([a, b].sort())
    // b's stream ends: it is no longer named
    sb.close()
    await new Promise(resolve => setTimeout(resolve, 50))
    expect((await sc.getHave('alpine', '3.20', count, undefined, true)).peers).toEqual([a])
    // a version the server does not hold: NOT_FOUND, whatever was asked
    await expect(sc.getHave('alpine', '9', count, undefined, true)).rejects.toMatchObject({ code: 'ERR_REMOTE_NOT_FOUND' })
    sa.close()
    sc.close()
  })

  it('names at most MAX_PEX_PEERS of a larger swarm', async () => {
    const { server, source, image } = await rosterServer(4)
    const pullers = await peerIds(MAX_PEX_PEERS + 8)
    for (const p of pullers) source.joined('alpine', '3.20', p)
    const session = await open(server, 'asker')
    const { peers } = await session.getHave('alpine', '3.20', image.manifest.chunks.length, undefined, true)
    expect(peers.length).toBe(MAX_PEX_PEERS)
    expect(new Set(peers).size).toBe(MAX_PEX_PEERS)
    for (const p of peers) expect(pullers).toContain(p)
    session.close()
  })

  it('refuses peers it did not ask for, too many peers, and entries that are not peer IDs', async () => {
    const count = 8
    const full = Uint8Array.of(0xff)
    const valid = encodePeerIds(await peerIds(MAX_PEX_PEERS + 1))
    const cases: Array<{ fields: Partial<ChunkResponse>, wantPeers: boolean, code: string }> = [
      { fields: { count, have: full, peers: valid.slice(0, 1) }, wantPeers: false, code: 'ERR_BAD_PEERS' },
      { fields: { count, have: full, peers: valid }, wantPeers: true, code: 'ERR_BAD_FRAME' },
      { fields: { count, have: full, peers: [Uint8Array.of(1, 2, 3)] }, wantPeers: true, code: 'ERR_BAD_PEERS' },
      { fields: { count, have: full, peers: [new Uint8Array(200)] }, wantPeers: true, code: 'ERR_BAD_PEERS' }
    ]
    for (const { fields, wantPeers, code } of cases) {
      const session = new PeerSession(await answering(fields), 'liar')
      await expect(session.getHave('x', '1', count, undefined, wantPeers)).rejects.toMatchObject({ code })
      session.abort(new Error('done'))
    }
    // the same answer with a valid list it asked for is taken
    const session = new PeerSession(await answering({ count, have: full, peers: valid.slice(0, 2) }), 'honest')
    expect((await session.getHave('x', '1', count, undefined, true)).peers.length).toBe(2)
    session.close()
  })
})
