import { describe, it, expect, afterEach } from 'vitest'
import type { Stream } from '@libp2p/interface'
import { ChunkServer } from '../../src/images/swarm/chunk-server.js'
import { PeerSession } from '../../src/images/swarm/peer-session.js'
import { Transfer, type TransferInit } from '../../src/images/swarm/transfer.js'
import { EncodedMemoryChunkStore, MemoryChunkStore, MemorySource, compressibleBytes, makeImage, pair, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'
import { rogueChunkPeer, type Misbehaviour } from '../helpers/rogue-chunk-peer.js'
import type { VerifiedChunk } from '../../src/images/types.js'

type Handler = (stream: Stream) => void | Promise<void>

/** A little swarm in memory: named peers, each a handler for inbound streams. */
class Net {
  readonly handlers = new Map<string, Handler>()
  readonly streams: Stream[] = []

  seeder (name: string, image: TestImage, store = new MemoryChunkStore()): { store: MemoryChunkStore, server: ChunkServer } {
    const source = new MemorySource(store)
    source.manifests.push(image.manifest)
    const server = new ChunkServer({ store, source })
    this.handlers.set(name, async s => { await server.handle(s, name) })
    return { store, server }
  }

  async connect (peer: string, requestTimeoutMs = 5_000): Promise<PeerSession> {
    const h = this.handlers.get(peer)
    if (h == null) throw new Error(`no peer ${peer}`)
    const [client, server] = await pair()
    this.streams.push(client, server)
    void h(server)
    return new PeerSession(client, peer, { requestTimeoutMs })
  }

  transfer (image: TestImage, store: MemoryChunkStore, extra: Partial<TransferInit> = {}, requestTimeoutMs = 5_000): Transfer {
    return new Transfer({
      manifest: image.manifest,
      store,
      connect: async peer => await this.connect(peer, requestTimeoutMs),
      discover: async () => [...this.handlers.keys()],
      stallTimeoutMs: 20_000,
      ...extra
    })
  }

  close (): void {
    for (const s of this.streams) s.abort(new Error('test over'))
  }
}

/** A seeder of `image` on `net` named 'slow' whose every chunk read waits `delayMs` (a pull that lasts a while). */
async function slowSeeder (net: Net, image: TestImage, delayMs: number): Promise<void> {
  const { store } = net.seeder('slow', image)
  await seedStore(store, image)
  const get = store.get.bind(store)
  store.get = async id => { await new Promise(resolve => setTimeout(resolve, delayMs)); return await get(id) }
}

/** A putVerified of a store slower than the network: `chunks` reach `store` after `delayMs`. */
async function slowWrite (store: MemoryChunkStore, chunks: VerifiedChunk[], delayMs: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, delayMs))
  for (const c of chunks) await store.put(c.id, c.bytes)
}

function expectComplete (store: MemoryChunkStore, image: TestImage): void {
  expect(store.chunks.size).toBe(image.chunks.size)
  for (const [id, bytes] of image.chunks) expect(Buffer.compare(Buffer.from(store.chunks.get(id) ?? []), Buffer.from(bytes))).toBe(0)
}

describe('chunk swarm transfer (in-memory streams)', () => {
  let net: Net
  afterEach(() => { net?.close() })

  it('fetches every distinct non-zero chunk once from several seeders, each verified', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(200))
    for (const name of ['s1', 's2', 's3']) await seedStore(net.seeder(name, image).store, image)
    const store = new MemoryChunkStore()
    const t = net.transfer(image, store)
    const result = await t.run()
    expectComplete(store, image)
    expect(store.puts).toBe(image.chunks.size)
    expect(result.fetchedBytes).toBe([...image.chunks.values()].reduce((a, c) => a + c.length, 0))
    expect(result.banned).toEqual([])
    // zero chunks are never requested: only non-zero distinct bytes came over the wire (endgame duplicates aside)
    expect(result.wireBytes).toBeGreaterThanOrEqual(result.fetchedBytes)
    expect(result.peers.length).toBeGreaterThan(1)
    const p = t.progress()
    expect(p.state).toBe('done')
    expect(p.doneBytes).toBe(p.totalBytes)
    expect(t.have.isFull()).toBe(true)
  })

  it('resumes: chunks already in the store are not fetched again', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(120))
    await seedStore(net.seeder('s1', image).store, image)
    const store = new MemoryChunkStore()
    const ids = [...image.chunks.keys()]
    const half = ids.slice(0, Math.floor(ids.length / 2))
    for (const id of half) await store.put(id, image.chunks.get(id) ?? new Uint8Array())
    store.puts = 0
    const result = await net.transfer(image, store).run()
    expectComplete(store, image)
    expect(store.puts).toBe(ids.length - half.length)
    expect(result.reusedBytes).toBe(half.reduce((a, id) => a + (image.chunks.get(id)?.length ?? 0), 0))
  })

  it('moves an lz4-compressible image in its stored form: fewer bytes on the wire than its size, not compressed again', async () => {
    net = new Net()
    const image = makeImage('logs', '1', compressibleBytes(120))
    const seed = net.seeder('s1', image, new EncodedMemoryChunkStore())
    await seedStore(seed.store, image)
    const store = new EncodedMemoryChunkStore()
    const result = await net.transfer(image, store, { putVerified: async chunks => { await store.putHashed(chunks) } }).run()
    expectComplete(store, image)
    expect(result.banned).toEqual([])
    expect(result.fetchedBytes).toBe(image.manifest.size)
    expect(result.wireBytes).toBeLessThan(result.fetchedBytes / 2)
    // every chunk reached the store with the encoded form it came in
    expect(store.keptEncoded).toBe(image.chunks.size)
    // the seeder read queued requests in batches
    expect((seed.store as EncodedMemoryChunkStore).encodedManyCalls).toBeGreaterThan(0)
    expect((seed.store as EncodedMemoryChunkStore).encodedManyCalls).toBeLessThan(image.chunks.size)
  })

  it('a seeder without encoded chunks still serves a requester that accepts them (raw)', async () => {
    net = new Net()
    const image = makeImage('logs', '1', compressibleBytes(40))
    await seedStore(net.seeder('s1', image).store, image)
    const store = new EncodedMemoryChunkStore()
    const result = await net.transfer(image, store, { putVerified: async chunks => { await store.putHashed(chunks) } }).run()
    expectComplete(store, image)
    expect(result.wireBytes).toBe(result.fetchedBytes)
    // raw arrivals are stored as they came: whether to compress is the seeder's decision (a node stores incompressible chunks raw)
    expect(store.keptEncoded).toBe(image.chunks.size)
  })

  it('writes to a store slower than the network one batch at a time, each taking every chunk verified meanwhile', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(600))
    await seedStore(net.seeder('s1', image).store, image)
    const store = new MemoryChunkStore()
    let writing = 0
    let mostAtOnce = 0
    const batches: number[] = []
    const result = await net.transfer(image, store, {
      putVerified: async chunks => {
        mostAtOnce = Math.max(mostAtOnce, ++writing)
        batches.push(chunks.length)
        await slowWrite(store, chunks, 40)
        writing--
      }
    }).run()
    expectComplete(store, image)
    expect(result.banned).toEqual([])
    expect(mostAtOnce).toBe(1)
    // writes after the first took what arrived while it ran, more than the 128 that start a write
    expect(Math.max(...batches)).toBeGreaterThan(128)
    expect(batches.reduce((a, n) => a + n, 0)).toBe(image.chunks.size)
  })

  it('fails with the store\'s error when a write fails, and writes nothing after it', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(600))
    await seedStore(net.seeder('s1', image).store, image)
    const store = new MemoryChunkStore()
    let writes = 0
    const t = net.transfer(image, store, {
      putVerified: async chunks => {
        if (++writes === 2) throw Object.assign(new Error('no space left on the chunk store'), { code: 'ERR_DISK_FULL' })
        await slowWrite(store, chunks, 10)
      }
    })
    await expect(t.run()).rejects.toMatchObject({ code: 'ERR_DISK_FULL' })
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(writes).toBe(2)
    expect(t.progress().state).toBe('failed')
    expect(t.progress().error?.code).toBe('ERR_DISK_FULL')
  })

  it('sends no request while verified chunks waiting for the store exceed the limit', async () => {
    net = new Net()
    const chunkSize = 16 * 1024
    const image = makeImage('debian', '1', testBytes(600, chunkSize), chunkSize)
    await seedStore(net.seeder('s1', image).store, image)
    const store = new MemoryChunkStore()
    const limit = 16 * chunkSize
    const window = 8
    let backlog = 0
    // received but not yet stored (one seeder: no endgame duplicates, so every received byte gets stored)
    const sample = (): void => {
      const p = t.progress()
      backlog = Math.max(backlog, p.wireBytes - p.doneBytes)
    }
    const t = net.transfer(image, store, {
      maxUnstoredBytes: limit,
      initialWindow: window,
      maxWindow: window,
      putVerified: async chunks => {
        sample()
        await slowWrite(store, chunks, 20)
      }
    })
    const sampler = setInterval(sample, 2)
    try {
      await t.run()
    } finally {
      clearInterval(sampler)
    }
    expectComplete(store, image)
    // what it asked for before the limit was reached still arrives: at most one window more (and the chunk that crossed it)
    expect(backlog).toBeGreaterThan(0)
    expect(backlog).toBeLessThanOrEqual(limit + (window + 1) * chunkSize)
  })

  const cases: Array<[Misbehaviour, string]> = [
    ['wrong-bytes', 'bad-chunk'],
    ['lz4-wrong-bytes', 'bad-chunk'],
    ['lz4-lying-size', 'bad-chunk'],
    ['lz4-truncated', 'bad-chunk'],
    ['lz4-garbage', 'bad-chunk'],
    ['unknown-encoding', 'protocol'],
    ['huge-frame', 'protocol'],
    ['garbage-frame', 'protocol'],
    ['unsolicited', 'protocol']
  ]
  for (const [how, reason] of cases) {
    it(`drops a peer that misbehaves (${how}) and fetches its chunks elsewhere`, async () => {
      net = new Net()
      const image = makeImage('debian', '1', testBytes(80))
      await seedStore(net.seeder('honest', image).store, image)
      net.handlers.set('rogue', rogueChunkPeer(image.manifest, how))
      const store = new MemoryChunkStore()
      const t = net.transfer(image, store, { maxPeerTimeouts: 2 }, 400)
      const result = await t.run()
      expectComplete(store, image)
      expect(result.banned).toEqual([{ peer: 'rogue', reason }])
      expect(result.peers.map(p => p.peer)).toEqual(['honest'])
    })
  }

  it('drops a peer that stalls (its requests time out) and fetches from one found later', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(40))
    net.handlers.set('rogue', rogueChunkPeer(image.manifest, 'stall'))
    const honest = new MemoryChunkStore()
    await seedStore(honest, image)
    const store = new MemoryChunkStore()
    const t = net.transfer(image, store, {
      maxPeerTimeouts: 2,
      providerRefreshMs: 300,
      // the honest seeder only shows up once the staller has been dropped
      discover: async () => {
        if (t.progress().banned.length > 0) net.seeder('honest', image, honest)
        return [...net.handlers.keys()]
      }
    }, 400)
    const result = await t.run()
    expectComplete(store, image)
    expect(result.banned).toEqual([{ peer: 'rogue', reason: 'stalled' }])
    expect(result.peers.map(p => p.peer)).toEqual(['honest'])
  })

  it('looks providers up less and less often while the lookups find nobody new', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(40))
    // a seeder slow enough that the pull lasts over a second
    await slowSeeder(net, image, 150)
    const lookups: number[] = []
    const t0 = Date.now()
    const t = net.transfer(image, new MemoryChunkStore(), {
      providerRefreshMs: 50,
      discover: async () => { lookups.push(Date.now() - t0); return ['slow'] }
    })
    await t.run()
    const took = Date.now() - t0
    expect(took).toBeGreaterThan(1_000)
    // at a fixed 50 ms that is 20+ lookups; waits of 50, 100, 200, 400, 800 ms make at most 6 (timers only run late)
    expect(lookups.length).toBeLessThanOrEqual(6)
    expect(lookups.length).toBeGreaterThanOrEqual(2)
  })

  it('with initial peers (found by the manifest\'s lookup) looks providers up again only after a refresh period', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(40))
    await slowSeeder(net, image, 100)
    const lookups = (extra: Partial<TransferInit>): { at: number[], t: Transfer } => {
      const at: number[] = []
      const t0 = Date.now()
      return { at, t: net.transfer(image, new MemoryChunkStore(), { providerRefreshMs: 400, discover: async () => { at.push(Date.now() - t0); return ['slow'] }, ...extra }) }
    }
    const withPeers = lookups({ initialPeers: ['slow'] })
    const without = lookups({})
    await Promise.all([withPeers.t.run(), without.t.run()])
    expect(without.at[0]).toBeLessThan(100)
    expect(withPeers.at.length).toBeGreaterThanOrEqual(1)
    expect(withPeers.at[0]).toBeGreaterThanOrEqual(390)
  })

  it('a peer that says it lacks a chunk it advertised is skipped for that chunk, not banned', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(40))
    await seedStore(net.seeder('honest', image).store, image)
    net.handlers.set('liar', rogueChunkPeer(image.manifest, 'lying-have'))
    const store = new MemoryChunkStore()
    const result = await net.transfer(image, store).run()
    expectComplete(store, image)
    expect(result.banned).toEqual([])
  })

  it('a seeder that vanishes mid-way costs only its in-flight requests', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(200))
    await seedStore(net.seeder('stays', image).store, image)
    const { store: goneStore, server } = net.seeder('leaves', image)
    await seedStore(goneStore, image)
    let served = 0
    let leaving: Stream | undefined
    net.handlers.set('leaves', async s => {
      leaving = s
      await server.handle(s, 'leaves')
    })
    const origGet = goneStore.get.bind(goneStore)
    goneStore.get = async id => {
      if (++served === 30) leaving?.abort(new Error('seeder killed'))
      return await origGet(id)
    }
    const store = new MemoryChunkStore()
    const t = net.transfer(image, store)
    const result = await t.run()
    expectComplete(store, image)
    expect(served).toBeGreaterThanOrEqual(30)
    expect(result.banned).toEqual([])
    // nothing was stored twice: the chunks it had in flight were re-requested, the rest never duplicated
    expect(store.puts).toBe(image.chunks.size)
  })

  it('fails with a stable code when no peer has the chunks', async () => {
    net = new Net()
    const image = makeImage('debian', '1', testBytes(20))
    const store = new MemoryChunkStore()
    const t = net.transfer(image, store, { stallTimeoutMs: 1_500 })
    await expect(t.run()).rejects.toMatchObject({ code: 'ERR_TRANSFER_STALLED' })
    expect(t.progress().state).toBe('failed')
    expect(store.chunks.size).toBe(0)
  })
})
