import { describe, it, expect, afterEach } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import client from 'prom-client'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { SwarmTestNode } from '../helpers/swarm-node.js'
import { MemoryChunkStore, makeImage, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'
import { waitFor } from '../helpers/wait-for.js'
import { CHUNKS_PROTOCOL } from '../../src/images/swarm/constants.js'
import { writeDisk } from '../../src/images/materialise.js'

const CHUNK = 16 * 1024

async function seeder (secret: Uint8Array, ...images: TestImage[]): Promise<SwarmTestNode> {
  const n = await SwarmTestNode.create(secret)
  for (const img of images) {
    await seedStore(n.store, img)
    n.images.manifests.push(img.manifest)
  }
  return n
}

async function mesh (nodes: SwarmTestNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await nodes[i]?.dial(nodes[j] as SwarmTestNode)
}

function expectHolds (store: MemoryChunkStore, image: TestImage): void {
  for (const [id, bytes] of image.chunks) expect(Buffer.from(store.chunks.get(id) ?? []).equals(Buffer.from(bytes))).toBe(true)
}

describe('chunk swarm between real libp2p nodes on loopback', () => {
  const nodes: SwarmTestNode[] = []
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop().catch(() => {})
    for (const c of cleanup.splice(0)) await c()
  })

  /** Three seeders of `image` and a receiver, all dialled to each other (stopped after the test). */
  async function threeSeeders (image: TestImage): Promise<{ seeds: SwarmTestNode[], receiver: SwarmTestNode }> {
    const secret = generateSecret()
    const seeds = [await seeder(secret, image), await seeder(secret, image), await seeder(secret, image)]
    const receiver = await SwarmTestNode.create(secret)
    nodes.push(...seeds, receiver)
    await mesh(nodes)
    return { seeds, receiver }
  }

  it('pulls from 3 seeders found through the DHT; one killed mid-way costs nothing but its in-flight chunks', async () => {
    // long enough (1500 chunks, ~0.5 s on loopback) that the victim reaches its 60th chunk even when it joins last
    const image = makeImage('debian', '12', testBytes(1500, CHUNK), CHUNK)
    const { seeds, receiver } = await threeSeeders(image)
    for (const s of seeds) s.swarm.announce(image.manifest)
    await waitFor(async () => (await receiver.swarm.providers('debian', '12')).length === 3, { timeoutMs: 20_000, what: '3 provider records' })

    // the first seeder dies after it has served 60 chunks
    const victim = seeds[0] as SwarmTestNode
    let served = 0
    const get = victim.store.get.bind(victim.store)
    victim.store.get = async id => {
      if (++served === 60) void victim.stop()
      return await get(id)
    }
    const job = receiver.swarm.pull('debian@12')
    const result = await job.done
    expectHolds(receiver.store, image)
    expect(receiver.store.puts).toBe(image.chunks.size)
    expect(served).toBeGreaterThanOrEqual(60)
    expect(result.banned).toEqual([])
    expect(result.peers.length).toBeGreaterThanOrEqual(2)
    expect(new Set(result.peers.map(p => p.peer)).has(victim.id)).toBe(true)
    const p = job.progress()
    expect(p.state).toBe('done')
    expect(p.doneBytes).toBe(p.totalBytes)
    // the receiver now holds and announces the image too
    expect(await receiver.images.find('debian', '12')).toBeDefined()

    const dir = await mkdtemp(join(tmpdir(), 'swarm-out-'))
    cleanup.push(async () => { await rm(dir, { recursive: true, force: true }) })
    await writeDisk(result.manifest, receiver.store, join(dir, 'disk.raw'))
    expect((await readFile(join(dir, 'disk.raw'))).equals(Buffer.from(image.bytes))).toBe(true)
  })

  it('version 2 pulled by a node holding version 1 moves only the changed chunks', async () => {
    const secret = generateSecret()
    const v1bytes = testBytes(400, CHUNK)
    const v2bytes = Uint8Array.from(v1bytes)
    // change 5% of the chunks (20 of 400), none of them zero chunks
    for (let i = 0; i < 20; i++) v2bytes.set(randomBytes(CHUNK), (i * 20 + 1) * CHUNK)
    const v1 = makeImage('app', '1', v1bytes, CHUNK)
    const v2 = makeImage('app', '2', v2bytes, CHUNK)
    const seed = await seeder(secret, v1, v2)
    const registry = new client.Registry()
    const receiver = await SwarmTestNode.create(secret, { swarm: { registry } })
    nodes.push(seed, receiver)
    await mesh(nodes)
    seed.swarm.announce(v1.manifest)
    seed.swarm.announce(v2.manifest)
    await waitFor(async () => (await receiver.swarm.providers('app', '2')).length === 1, { timeoutMs: 20_000, what: 'provider record' })

    await receiver.swarm.pull('app@1').done
    const manifestBytes = async (): Promise<number> => (await registry.getSingleMetric('novacron_swarm_manifest_bytes_total')?.get())?.values[0]?.value ?? 0
    const wholeManifest = await manifestBytes()
    const before = receiver.store.puts
    const r2 = await receiver.swarm.pull('app').done // no version: the newest (v2) is chosen
    expect(r2.manifest.version).toBe('2')
    // v2's manifest came as a delta against v1 (the newest version held): 20 new entries and a few runs
    const deltaBytes = await manifestBytes() - wholeManifest
    expect(wholeManifest).toBeGreaterThan(v1.chunks.size * 32) // each distinct chunk's ID at least (packed list)
    expect(deltaBytes).toBeGreaterThan(0)
    expect(deltaBytes).toBeLessThan(wholeManifest / 5)
    const changed = [...v2.chunks.keys()].filter(id => !v1.chunks.has(id))
    const changedBytes = changed.reduce((a, id) => a + (v2.chunks.get(id)?.length ?? 0), 0)
    expect(changed.length).toBe(20)
    expect(receiver.store.puts - before).toBe(20)
    expect(r2.fetchedBytes).toBe(changedBytes)
    expect(r2.wireBytes).toBeLessThanOrEqual(changedBytes * 1.2)
    expect(r2.reusedBytes).toBe([...v2.chunks.values()].reduce((a, c) => a + c.length, 0) - changedBytes)
    expectHolds(receiver.store, v2)
  })

  it('a receiver stopped mid-way resumes after restart (same store and database) without refetching; its chunks are pinned before the node has started', async () => {
    const secret = generateSecret()
    const image = makeImage('big', '1', testBytes(800, CHUNK), CHUNK)
    const seed = await seeder(secret, image)
    nodes.push(seed)
    const dir = await mkdtemp(join(tmpdir(), 'swarm-resume-'))
    const db: Database = await openDatabase(dir)
    cleanup.push(async () => {
      await db.close()
      await rm(dir, { recursive: true, force: true })
    })
    const store = new MemoryChunkStore()
    const first = await SwarmTestNode.create(secret, { store, db })
    nodes.push(first)
    await first.dial(seed)
    seed.swarm.announce(image.manifest)
    await waitFor(async () => (await first.swarm.providers('big', '1')).length === 1, { timeoutMs: 20_000, what: 'provider record' })

    // stop the receiver once 100 chunks are stored
    const stopped = store.stopAfterPuts(100, async () => { await first.stop() })
    const job = first.swarm.pull('big@1')
    await expect(job.done).rejects.toMatchObject({ code: 'ERR_TRANSFER_ABORTED' })
    await stopped()
    const storedBefore = store.chunks.size
    const storedBytes = [...store.chunks.values()].reduce((a, c) => a + c.length, 0)
    expect(storedBefore).toBeGreaterThanOrEqual(100)
    expect(storedBefore).toBeLessThan(image.chunks.size)

    // a new node process on the same data: the recorded pull resumes by itself, with the manifest it recorded
    let manifestRequests = 0
    const manifest = seed.swarm.manifest.bind(seed.swarm)
    seed.swarm.manifest = async (name, version) => { manifestRequests++; return await manifest(name, version) }
    const pinned = new Set<string>()
    const pin = (ids: readonly string[]): () => void => {
      for (const id of ids) pinned.add(id)
      return () => { for (const id of ids) pinned.delete(id) }
    }
    const second = await SwarmTestNode.create(secret, { store, db, swarm: { pin } })
    nodes.push(second)
    // pinned once start() returned: a chunk GC (image rm) from now on keeps what the first run verified
    expect([...image.chunks.keys()].every(id => pinned.has(id))).toBe(true)
    await second.dial(seed)
    const done = await waitFor(() => second.swarm.transfers().find(t => t.state === 'done'), { timeoutMs: 40_000, what: 'resumed pull to finish' })
    expect(done.reusedBytes).toBe(storedBytes)
    expect(done.doneBytes).toBe(done.totalBytes)
    expectHolds(store, image)
    // every chunk was stored exactly once across both runs
    expect(store.puts).toBe(image.chunks.size)
    expect(manifestRequests).toBe(0)
    await waitFor(() => pinned.size === 0, { timeoutMs: 5_000, what: 'pins released' })
  })

  it('a pull on a node without peers goes on as soon as the node connects, not at its next retry', async () => {
    const secret = generateSecret()
    const image = makeImage('late', '1', testBytes(40, CHUNK), CHUNK)
    const seed = await seeder(secret, image)
    // a retry period far past the test's timeout: only the connection can wake the pull in time
    const receiver = await SwarmTestNode.create(secret, { swarm: { resolveRetryMs: 600_000, resolveTimeoutMs: 900_000 } })
    nodes.push(seed, receiver)
    let lookups = 0
    const providers = receiver.swarm.providers.bind(receiver.swarm)
    receiver.swarm.providers = async (name, version) => { lookups++; return await providers(name, version) }
    const job = receiver.swarm.pull('late@1')
    await waitFor(() => lookups >= 1, { timeoutMs: 5_000, what: 'the first lookup' })
    await new Promise(resolve => setTimeout(resolve, 200))
    // the lookup found nobody: the pull waits, still looking for its manifest
    expect(job.progress().state).toBe('resolving')
    expect(lookups).toBe(1)
    await receiver.dial(seed)
    const result = await job.done
    expect(result.fetchedBytes).toBe([...image.chunks.values()].reduce((a, c) => a + c.length, 0))
    expectHolds(receiver.store, image)
  })

  it('asks one provider for the manifest, and the next only when the first does not answer within the hedge delay', async () => {
    const image = makeImage('ubuntu', '24.04', testBytes(40, CHUNK), CHUNK)
    const { seeds, receiver } = await threeSeeders(image)
    // the three seeders, in a fixed order (the DHT lookup is tested above; here the order of asking is)
    receiver.swarm.providers = async () => seeds.map(x => x.id)
    // every manifest request a seeder answers; the first one asked stalls (MANIFEST_HEDGE_MS is 1 s)
    const asked: number[] = []
    seeds.forEach((s, i) => {
      const manifest = s.swarm.manifest.bind(s.swarm)
      s.swarm.manifest = async (name, version) => {
        asked.push(i)
        if (asked.length === 1) await new Promise(resolve => setTimeout(resolve, 5_000))
        return await manifest(name, version)
      }
    })
    const result = await receiver.swarm.pull('ubuntu@24.04').done
    expectHolds(receiver.store, image)
    // the stalled one and one more: the third never sent its copy (it still served chunks)
    expect(asked).toEqual([0, 1])
    expect(result.peers.length).toBeGreaterThanOrEqual(2)
  })

  it('opens one chunk session per provider: the others open while the manifest comes, the one that brought it serves chunks too', async () => {
    const image = makeImage('fedora', '41', testBytes(300, CHUNK), CHUNK)
    const { seeds, receiver } = await threeSeeders(image)
    receiver.swarm.providers = async () => seeds.map(x => x.id)
    // the first provider takes 300 ms to answer for the manifest
    let answeredAt = 0
    const manifest = seeds[0]!.swarm.manifest.bind(seeds[0]!.swarm)
    seeds[0]!.swarm.manifest = async (name, version) => {
      await new Promise(resolve => setTimeout(resolve, 300))
      answeredAt = Date.now()
      return await manifest(name, version)
    }
    const opened: Array<{ peer: string, at: number }> = []
    const swarm = receiver.swarm as unknown as { connect: (peer: string) => Promise<unknown> }
    const connect = swarm.connect.bind(swarm)
    swarm.connect = async peer => {
      opened.push({ peer, at: Date.now() })
      return await connect(peer)
    }
    const result = await receiver.swarm.pull('fedora@41').done
    expectHolds(receiver.store, image)
    expect(opened.map(o => o.peer).sort()).toEqual(seeds.map(x => x.id).sort())
    for (const o of opened) expect(o.at).toBeLessThan(answeredAt)
    expect(result.peers.map(p => p.peer)).toContain(seeds[0]!.id)
    // no session is left open once the pull is over
    const chunkStreams = (): number => receiver.libp2p.getConnections().flatMap(c => c.streams).filter(st => st.protocol === CHUNKS_PROTOCOL).length
    await waitFor(() => chunkStreams() === 0, { timeoutMs: 5_000, what: 'chunk streams closed' })
  })

  it('opens early no more sessions than the transfer fetches from (maxPeers)', async () => {
    const secret = generateSecret()
    const image = makeImage('arch', '2026.11', testBytes(60, CHUNK), CHUNK)
    const seeds = [await seeder(secret, image), await seeder(secret, image), await seeder(secret, image)]
    const receiver = await SwarmTestNode.create(secret, { swarm: { maxPeers: 2 } })
    nodes.push(...seeds, receiver)
    await mesh(nodes)
    receiver.swarm.providers = async () => seeds.map(x => x.id)
    const opened: string[] = []
    const swarm = receiver.swarm as unknown as { connect: (peer: string) => Promise<unknown> }
    const connect = swarm.connect.bind(swarm)
    swarm.connect = async peer => {
      opened.push(peer)
      return await connect(peer)
    }
    await receiver.swarm.pull('arch@2026.11').done
    expectHolds(receiver.store, image)
    expect(opened.sort()).toEqual([seeds[0]!.id, seeds[1]!.id].sort())
  })

  it('a node still pulling announces the version it pulls, and not the name (it cannot serve the newest complete manifest)', async () => {
    const secret = generateSecret()
    const image = makeImage('alpine', '3.21', testBytes(200, CHUNK), CHUNK)
    const seed = await seeder(secret, image)
    const receiver = await SwarmTestNode.create(secret)
    const observer = await SwarmTestNode.create(secret)
    nodes.push(seed, receiver, observer)
    await mesh(nodes)
    seed.swarm.announce(image.manifest)
    await waitFor(async () => (await receiver.swarm.providers('alpine', '3.21')).length === 1, { timeoutMs: 20_000, what: 'provider record' })
    // the seed serves 20 chunks, then holds the rest back until released: the receiver stays mid-pull
    const release = Promise.withResolvers<void>()
    let served = 0
    const get = seed.store.get.bind(seed.store)
    seed.store.get = async id => {
      if (++served > 20) await release.promise
      return await get(id)
    }
    const job = receiver.swarm.pull('alpine@3.21')
    await waitFor(async () => (await observer.swarm.providers('alpine', '3.21')).includes(receiver.id), { timeoutMs: 20_000, what: 'the receiver under the version key' })
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(job.progress().state).toBe('running')
    expect(await observer.swarm.providers('alpine')).not.toContain(receiver.id)
    release.resolve()
    await job.done
  })

  it('ignores a provider whose manifest signature does not verify', async () => {
    const secret = generateSecret()
    const image = makeImage('evil', '1', testBytes(10, CHUNK), CHUNK)
    image.manifest.signature = Uint8Array.from([9, 9, 9])
    const rogue = await seeder(secret, image)
    const receiver = await SwarmTestNode.create(secret)
    nodes.push(rogue, receiver)
    await mesh(nodes)
    rogue.swarm.announce(image.manifest)
    await waitFor(async () => (await receiver.swarm.providers('evil', '1')).length === 1, { timeoutMs: 20_000, what: 'provider record' })
    await expect(receiver.swarm.pull('evil@1').done).rejects.toMatchObject({ code: 'ERR_IMAGE_NOT_FOUND' })
    expect(receiver.store.chunks.size).toBe(0)
  })
})
