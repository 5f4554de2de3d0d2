import { describe, it, expect, afterEach } from 'vitest'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiskFileWriter } from '../../src/images/materialise.js'
import { waitFor } from '../helpers/wait-for.js'
import { MemoryChunkStore, makeImage, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'

const CHUNK = 16 * 1024

/** Each distinct non-zero chunk of `image` with the manifest entries where it occurs (what a transfer hands over). */
function placed (image: TestImage): Array<{ id: string, entries: number[], bytes: Uint8Array }> {
  const byId = new Map<string, number[]>()
  image.manifest.chunks.forEach((c, i) => { if (c.zero !== true) byId.set(c.id, [...(byId.get(c.id) ?? []), i]) })
  return [...byId].map(([id, entries]) => ({ id, entries, bytes: image.chunks.get(id)! }))
}

/** A store holding `image` that records which chunks were read from it. */
async function countingStore (image: TestImage): Promise<{ store: MemoryChunkStore, reads: string[] }> {
  const store = new MemoryChunkStore()
  await seedStore(store, image)
  const reads: string[] = []
  const get = store.get.bind(store)
  store.get = async id => { reads.push(id); return await get(id) }
  return { store, reads }
}

describe('DiskFileWriter (a disk file written while its chunks arrive)', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })
  const tempDir = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'disk-writer-')); dirs.push(d); return d }

  it('writes placed chunks at every entry that holds them and reads only the others from the store; the file is identical and sparse', async () => {
    // 200 chunks: every 10th from the 3rd a zero chunk (a hole), every 10th from the 5th the same repeated chunk
    const image = makeImage('disk', '1', testBytes(200, CHUNK), CHUNK)
    const chunks = placed(image)
    const repeated = chunks.find(c => c.entries.length > 1)!
    expect(repeated.entries.length).toBe(20)
    const { store, reads } = await countingStore(image)
    const dest = join(await tempDir(), 'sub', 'disk.raw')
    const w = await DiskFileWriter.open(image.manifest, dest)
    // half of the chunks arrive, out of order and in several batches; the repeated one among them
    const arrived = chunks.filter((_, i) => i % 2 === 0 || chunks[i] === repeated).reverse()
    for (let i = 0; i < arrived.length; i += 7) await w.place(arrived.slice(i, i + 7))
    expect(await w.finish(store)).toBe(image.bytes.length)
    const out = await readFile(dest)
    expect(out.equals(Buffer.from(image.bytes))).toBe(true)
    // the store was asked for the chunks that did not arrive, each once (consecutive windows of 512 entries)
    expect(new Set(reads)).toEqual(new Set(chunks.filter(c => !arrived.includes(c)).map(c => c.id)))
    expect(reads.length).toBe(new Set(reads).size)
    // 20 zero chunks of 16 KiB left as holes (the file system's own blocks for the extent tree aside)
    expect((await stat(dest)).blocks * 512).toBeLessThanOrEqual(image.bytes.length - 16 * CHUNK)
    expect((await readdir(join(dest, '..'))).sort()).toEqual(['disk.raw'])
  })

  it('writes what the store held (prefill) while the rest is placed; each entry once', async () => {
    const image = makeImage('disk', '2', testBytes(600, CHUNK), CHUNK)
    const chunks = placed(image)
    const held = chunks.filter((_, i) => i % 3 !== 0)
    const { store, reads } = await countingStore(image)
    const dest = join(await tempDir(), 'disk.raw')
    const w = await DiskFileWriter.open(image.manifest, dest)
    w.prefill(store, held.flatMap(c => c.entries))
    // the others arrive meanwhile, with a few held ones again (a chunk stored twice is placed once)
    const arriving = chunks.filter((_, i) => i % 3 === 0 || i % 50 === 1)
    await w.place(arriving)
    // the held chunks that did not arrive are written in the background, before finish is called
    const heldOnly = held.filter(c => !arriving.includes(c))
    expect(heldOnly.length).toBeGreaterThan(300)
    await waitFor(() => new Set(reads).size === heldOnly.length, { timeoutMs: 10_000, what: 'the held chunks read' })
    await w.finish(store)
    expect((await readFile(dest)).equals(Buffer.from(image.bytes))).toBe(true)
    const arrived = new Set(chunks.filter((_, i) => i % 3 === 0).map(c => c.id))
    expect(reads.some(id => arrived.has(id))).toBe(false)
  })

  it('a chunk of the wrong size fails finish: the temp file is removed and the destination left as it was', async () => {
    const image = makeImage('disk', '1', testBytes(40, CHUNK), CHUNK)
    const { store } = await countingStore(image)
    const dir = await tempDir()
    const dest = join(dir, 'disk.raw')
    await writeFile(dest, 'the old disk')
    const w = await DiskFileWriter.open(image.manifest, dest)
    const [first] = placed(image)
    await w.place([{ entries: first!.entries, bytes: first!.bytes.subarray(1) }]) // does not throw: finish does
    await expect(w.finish(store)).rejects.toThrow(/16383 bytes offered for entry/)
    expect(await readFile(dest, 'utf8')).toBe('the old disk')
    expect(await readdir(dir)).toEqual(['disk.raw'])
  })

  it('a chunk missing from the store fails finish the same way; abort removes the temp file', async () => {
    const image = makeImage('disk', '1', testBytes(40, CHUNK), CHUNK)
    const dir = await tempDir()
    const w = await DiskFileWriter.open(image.manifest, join(dir, 'disk.raw'))
    await expect(w.finish(new MemoryChunkStore())).rejects.toMatchObject({ code: 'ERR_CHUNK_NOT_FOUND' })
    expect(await readdir(dir)).toEqual([])
    const w2 = await DiskFileWriter.open(image.manifest, join(dir, 'other.raw'))
    expect((await readdir(dir)).length).toBe(1)
    await w2.abort()
    await w2.abort()
    expect(await readdir(dir)).toEqual([])
  })

  it('a destination that cannot be created fails at open, before anything is pulled', async () => {
    const image = makeImage('disk', '1', testBytes(4, CHUNK), CHUNK)
    const dir = await tempDir()
    await writeFile(join(dir, 'file'), 'x')
    await expect(DiskFileWriter.open(image.manifest, join(dir, 'file', 'disk.raw'))).rejects.toMatchObject({ code: 'ERR_BAD_DESTINATION', field: 'out', message: expect.stringMatching(/^cannot write .*file\/disk\.raw: E(EXIST|NOTDIR)/) })
    expect(await readdir(dir)).toEqual(['file'])
  })
})
