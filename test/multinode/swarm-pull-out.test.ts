import { describe, it, expect, afterEach } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { openDatabase } from '../../src/storage/database.js'
import { SwarmTestNode } from '../helpers/swarm-node.js'
import { MemoryChunkStore, makeImage, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'
import { waitFor } from '../helpers/wait-for.js'

const CHUNK = 16 * 1024

/** `pull NAME@VERSION --out FILE`: the disk file is written while the chunks arrive (real libp2p nodes on loopback). */
describe('image pull --out between real libp2p nodes on loopback', () => {
  const nodes: SwarmTestNode[] = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop().catch(() => {})
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })

  /** A seeder of `images` and a receiver whose store reads are recorded, dialled and with the provider records found. */
  async function pair (...images: TestImage[]): Promise<{ receiver: SwarmTestNode, reads: string[], dir: string }> {
    const secret = generateSecret()
    const seed = await SwarmTestNode.create(secret)
    for (const img of images) {
      await seedStore(seed.store, img)
      seed.images.manifests.push(img.manifest)
    }
    const receiver = await SwarmTestNode.create(secret)
    nodes.push(seed, receiver)
    await seed.dial(receiver)
    for (const img of images) seed.swarm.announce(img.manifest)
    const { name, version } = images.at(-1)!.manifest
    await waitFor(async () => (await receiver.swarm.providers(name, version)).length === 1, { timeoutMs: 20_000, what: 'provider record' })
    const reads: string[] = []
    const get = receiver.store.get.bind(receiver.store)
    receiver.store.get = async id => { reads.push(id); return await get(id) }
    const dir = await mkdtemp(join(tmpdir(), 'pull-out-'))
    dirs.push(dir)
    return { receiver, reads, dir }
  }

  it('writes the disk as the chunks arrive: byte-identical, and nothing is read back from the store for it', async () => {
    const image = makeImage('debian', '12', testBytes(600, CHUNK), CHUNK)
    const { receiver, reads, dir } = await pair(image)
    const out = join(dir, 'disk.raw')
    await receiver.swarm.pull('debian@12', { out }).done
    expect((await readFile(out)).equals(Buffer.from(image.bytes))).toBe(true)
    expect(reads).toEqual([])
    expect(await readdir(dir)).toEqual(['disk.raw'])
  })

  it('a second version pulled by a node holding the first: the chunks held are written from the store, the fetched ones as they arrive', async () => {
    const v1bytes = testBytes(400, CHUNK)
    const v2bytes = Uint8Array.from(v1bytes)
    for (let i = 0; i < 20; i++) v2bytes.set(randomBytes(CHUNK), (i * 20 + 1) * CHUNK)
    const v1 = makeImage('app', '1', v1bytes, CHUNK)
    const v2 = makeImage('app', '2', v2bytes, CHUNK)
    const { receiver, reads, dir } = await pair(v1, v2)
    await receiver.swarm.pull('app@1').done
    const out = join(dir, 'v2.raw')
    const r = await receiver.swarm.pull('app@2', { out }).done
    expect(r.fetchedBytes).toBe(20 * CHUNK)
    expect((await readFile(out)).equals(Buffer.from(v2bytes))).toBe(true)
    const fetched = [...v2.chunks.keys()].filter(id => !v1.chunks.has(id))
    expect(new Set(reads)).toEqual(new Set([...v2.chunks.keys()].filter(id => v1.chunks.has(id))))
    expect(reads.some(id => fetched.includes(id))).toBe(false)
  })

  it('a path that cannot be written fails the pull at once: nothing is fetched, the error says why', async () => {
    const image = makeImage('debian', '12', testBytes(100, CHUNK), CHUNK)
    const { receiver, dir } = await pair(image)
    await writeFile(join(dir, 'file'), 'x')
    const job = receiver.swarm.pull('debian@12', { out: join(dir, 'file', 'disk.raw') })
    await expect(job.done).rejects.toMatchObject({ code: 'ERR_BAD_DESTINATION' })
    expect(job.progress()).toMatchObject({ state: 'failed', error: { code: 'ERR_BAD_DESTINATION', message: expect.stringContaining('cannot write') } })
    expect(receiver.store.puts).toBe(0)
    expect(await readdir(dir)).toEqual(['file'])
  })

  it('a pull --out stopped mid-way is resumed after restart and writes its file anew; one whose destination is gone goes on into the store', async () => {
    const secret = generateSecret()
    const a = makeImage('a', '1', testBytes(600, CHUNK), CHUNK)
    const b = makeImage('b', '1', testBytes(300, CHUNK), CHUNK)
    const seed = await SwarmTestNode.create(secret)
    nodes.push(seed)
    for (const img of [a, b]) {
      await seedStore(seed.store, img)
      seed.images.manifests.push(img.manifest)
    }
    const dir = await mkdtemp(join(tmpdir(), 'pull-out-resume-'))
    dirs.push(dir)
    const db = await openDatabase(join(dir, 'db'))
    const store = new MemoryChunkStore()
    const first = await SwarmTestNode.create(secret, { store, db })
    nodes.push(first)
    await first.dial(seed)
    for (const img of [a, b]) seed.swarm.announce(img.manifest)
    await waitFor(async () => (await first.swarm.providers('b', '1')).length === 1, { timeoutMs: 20_000, what: 'provider record' })

    // the node shuts down once 100 chunks are stored: both pulls are mid-way
    const stopped = store.stopAfterPuts(100, async () => { await first.stop() })
    const outA = join(dir, 'a.raw')
    await mkdir(join(dir, 'gone'))
    const outB = join(dir, 'gone', 'b.raw')
    const jobs = [first.swarm.pull('a@1', { out: outA }), first.swarm.pull('b@1', { out: outB })]
    for (const job of jobs) await expect(job.done).rejects.toMatchObject({ code: 'ERR_TRANSFER_ABORTED' })
    await stopped()
    expect(store.puts).toBeLessThan(b.chunks.size)
    expect((await readdir(dir)).sort()).toEqual(['db', 'gone'])
    // b's destination cannot be written any more once the node is back: its directory became a file
    await rm(join(dir, 'gone'), { recursive: true })
    await writeFile(join(dir, 'gone'), 'x')

    const second = await SwarmTestNode.create(secret, { store, db })
    nodes.push(second)
    await second.dial(seed)
    const ended = await waitFor(() => {
      const t = second.swarm.transfers()
      return t.length === 2 && t.every(p => p.state !== 'running' && p.state !== 'resolving') ? t : undefined
    }, { timeoutMs: 40_000, what: 'both resumed pulls to end' })
    const pa = ended.find(t => t.ref === 'a@1')
    const pb = ended.find(t => t.ref === 'b@1')
    // a: the file written again from the start, byte-identical, the chunks held before not fetched again
    expect(pa).toMatchObject({ state: 'done', out: outA })
    expect(pa?.reusedBytes).toBeGreaterThan(0)
    expect((await readFile(outA)).equals(Buffer.from(a.bytes))).toBe(true)
    expect((await readdir(dir)).sort()).toEqual(['a.raw', 'db', 'gone'])
    // b: its file cannot be written any more, so the pull went on into the store only, and says why
    expect(pb).toMatchObject({ state: 'done', out: outB, outError: { code: 'ERR_BAD_DESTINATION' } })
    for (const [id, bytes] of b.chunks) expect(Buffer.from(store.chunks.get(id) ?? []).equals(Buffer.from(bytes))).toBe(true)
    // every chunk stored once across both runs
    expect(store.puts).toBe(new Set([...a.chunks.keys(), ...b.chunks.keys()]).size)
    await second.stop()
    await db.close()
  })
})
