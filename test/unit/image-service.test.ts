import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { createIdentity, type Identity } from '../../src/identity/identity.js'
import { ImageService } from '../../src/images/image-service.js'
import { packRecords } from '../helpers/pack-records.js'
import type { Manifest } from '../../src/images/types.js'
import { writeRealisticDisk } from '../../benchmarks/lib/realistic-disk.js'

const MiB = 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

let dir: string
let db: Database
let identity: Identity
let svc: ImageService
let added: Manifest[]

async function open (): Promise<void> {
  db = await openDatabase(dir)
  svc = await ImageService.open({ dataDir: dir, db, identity, onManifestAdded: m => { added.push(m) } })
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-service-'))
  identity = await createIdentity(dir)
  added = []
  await open()
})

afterEach(async () => {
  await svc.stop()
  await db.close()
  await rm(dir, { recursive: true, force: true })
})

/** Stored chunks by the index, checked against the records the pack files hold (GC compacts dead ones away). */
async function chunkFiles (): Promise<number> {
  return (await svc.store.stats()).chunks
}

describe('image service', () => {
  it('imports a raw disk, lists it, and materialises a byte-identical sparse copy', async () => {
    const disk = await writeRealisticDisk(join(dir, 'disk.img'), { sizeBytes: 16 * MiB, seed: 3 })
    const r = await svc.add(disk.path, { name: 'debian' })
    expect(r.format).toBe('raw')
    expect(r.manifest).toMatchObject({ name: 'debian', version: '1', size: 16 * MiB, author: identity.peerId.toString() })
    expect(await svc.verify(r.manifest)).toBe(true)
    expect(added.map(m => `${m.name}@${m.version}`)).toEqual(['debian@1'])
    const s = svc.summary(r.manifest)
    expect(s.zeroChunks).toBeGreaterThan(0)
    expect(s.uniqueChunks).toBeLessThan(s.chunks - s.zeroChunks) // repeated blocks dedupe
    expect(await chunkFiles()).toBe(s.uniqueChunks)
    const out = join(dir, 'out', 'vm.img')
    const res = await svc.materialise('debian', out)
    expect(res.sizeBytes).toBe(16 * MiB)
    expect(sha(await readFile(out))).toBe(disk.sha256)
    // zero chunks are holes: ~30% of the disk is not allocated
    expect((await stat(out)).blocks * 512).toBeLessThan(0.8 * 16 * MiB)
    expect((await readdir(join(dir, 'out'))).filter(n => n.endsWith('.tmp'))).toEqual([])
    // the catalogue survives a restart
    await svc.stop()
    await db.close()
    await open()
    expect((await svc.list()).map(m => m.version)).toEqual(['1'])
  })

  it('numbers versions, refuses duplicates, and stores only the changed chunks of a second version', async () => {
    const v1 = await writeRealisticDisk(join(dir, 'v1.img'), { sizeBytes: 16 * MiB, seed: 4 })
    const v2 = await writeRealisticDisk(join(dir, 'v2.img'), { sizeBytes: 16 * MiB, seed: 4, version: 2 })
    const a = await svc.add(v1.path, { name: 'deb' })
    const b = await svc.add(v2.path, { name: 'deb' })
    expect([a.manifest.version, b.manifest.version]).toEqual(['1', '2'])
    const storedV1 = svc.summary(a.manifest).uniqueChunks
    expect(b.newChunks).toBeLessThan(storedV1 / 3)
    expect(b.newStoredBytes).toBeLessThan(4 * v2.changedBytes)
    await expect(svc.add(v1.path, { name: 'deb', version: '2' })).rejects.toMatchObject({ code: 'ERR_IMAGE_EXISTS' })
    const c = await svc.add(v1.path, { name: 'deb', version: 'golden' })
    expect(c.newChunks).toBe(0)
    expect((await svc.resolve('deb')).version).toBe('golden')
    expect((await svc.resolve('deb@2')).version).toBe('2')
    await expect(svc.resolve('deb@9')).rejects.toMatchObject({ code: 'ERR_IMAGE_NOT_FOUND' })
    await expect(svc.resolve('nope')).rejects.toMatchObject({ code: 'ERR_IMAGE_NOT_FOUND' })
    await expect(svc.resolve('bad/name')).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' })
  })

  it('releases references on rm and collects only chunks no other version uses', async () => {
    const v1 = await writeRealisticDisk(join(dir, 'v1.img'), { sizeBytes: 8 * MiB, seed: 5 })
    const v2 = await writeRealisticDisk(join(dir, 'v2.img'), { sizeBytes: 8 * MiB, seed: 5, version: 2 })
    await svc.add(v1.path, { name: 'deb' })
    const b = await svc.add(v2.path, { name: 'deb' })
    const before = await chunkFiles()
    const r = await svc.remove('deb@1')
    expect(r.removed.map(m => m.version)).toEqual(['1'])
    expect(r.gc.removedChunks).toBeGreaterThan(0)
    expect(await chunkFiles()).toBe(before - r.gc.removedChunks)
    expect(await chunkFiles()).toBe(svc.summary(b.manifest).uniqueChunks)
    await svc.materialise('deb@2', join(dir, 'v2.out'))
    expect(sha(await readFile(join(dir, 'v2.out')))).toBe(v2.sha256)
    await expect(svc.remove('deb@1')).rejects.toMatchObject({ code: 'ERR_IMAGE_NOT_FOUND' })
    await svc.remove('deb')
    expect(await chunkFiles()).toBe(0)
    // the space came back: no pack file is left
    expect(await packRecords(dir)).toEqual([])
    expect((await svc.store.stats()).packBytes).toBe(0)
    expect(await svc.list()).toEqual([])
    expect((await svc.store.stats()).chunks).toBe(0)
  })

  it('imports a qcow2 disk through qemu-img and materialises the raw bytes', async () => {
    const raw = await writeRealisticDisk(join(dir, 'src.raw'), { sizeBytes: 8 * MiB, seed: 6 })
    const qcow = join(dir, 'src.qcow2')
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw.path, qcow])
    const r = await svc.add(qcow, { name: 'q', version: '1.0' })
    expect(r.format).toBe('qcow2')
    expect(r.manifest.size).toBe(8 * MiB)
    await svc.materialise('q@1.0', join(dir, 'q.out'))
    expect(sha(await readFile(join(dir, 'q.out')))).toBe(raw.sha256)
    // the same bytes imported raw share every chunk
    expect((await svc.add(raw.path, { name: 'q', version: 'raw' })).newChunks).toBe(0)
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
  })

  it('refuses bad sources with a clear code and changes nothing', async () => {
    await writeFile(join(dir, 'empty.img'), '')
    await mkdir(join(dir, 'adir'))
    const fakeQcow = join(dir, 'fake.qcow2')
    await writeFile(fakeQcow, Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1000, 9)]))
    const base = join(dir, 'base.qcow2')
    const overlay = join(dir, 'overlay.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1M'])
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay])
    await writeFile(join(dir, 'ok.img'), Buffer.alloc(10_000, 1))
    const cases: Array<[string, { name: string, version?: string }, string]> = [
      [join(dir, 'missing.img'), { name: 'x' }, 'ERR_IMAGE_SOURCE_NOT_FOUND'],
      [join(dir, 'empty.img'), { name: 'x' }, 'ERR_IMAGE_SOURCE'],
      [join(dir, 'adir'), { name: 'x' }, 'ERR_IMAGE_SOURCE'],
      [fakeQcow, { name: 'x' }, 'ERR_IMAGE_FORMAT'],
      [overlay, { name: 'x' }, 'ERR_IMAGE_FORMAT'],
      [join(dir, 'ok.img'), { name: '-bad' }, 'ERR_INVALID_INPUT'],
      [join(dir, 'ok.img'), { name: 'x', version: 'a b' }, 'ERR_INVALID_INPUT']
    ]
    for (const [path, opts, code] of cases) await expect(svc.add(path, opts)).rejects.toMatchObject({ code })
    expect(await svc.list()).toEqual([])
    expect(await chunkFiles()).toBe(0)
    expect(added).toEqual([])
    expect(await readdir(join(dir, 'tmp')).catch(() => [])).toEqual([])
  })

  it('fails to materialise from a corrupt chunk with ERR_CHUNK_CORRUPT and leaves the destination untouched', async () => {
    const disk = await writeRealisticDisk(join(dir, 'disk.img'), { sizeBytes: 4 * MiB, seed: 7 })
    const { manifest } = await svc.add(disk.path, { name: 'c' })
    const victim = manifest.chunks.find(c => c.zero !== true)!
    const rec = (await packRecords(dir)).find(r => r.id === victim.id)!
    const bytes = await readFile(rec.path)
    const last = rec.offset + rec.length - 1
    bytes[last] = bytes[last]! ^ 0xff
    await writeFile(rec.path, bytes)
    const dest = join(dir, 'out', 'dest.img')
    await mkdir(join(dir, 'out'))
    await writeFile(dest, 'previous contents')
    await expect(svc.materialise('c', dest)).rejects.toMatchObject({ code: 'ERR_CHUNK_CORRUPT' })
    expect((await readFile(dest)).toString()).toBe('previous contents')
    expect(await readdir(join(dir, 'out'))).toEqual(['dest.img'])
  })

  it.skipIf(process.getuid?.() !== 0)('reports ERR_DISK_FULL when the destination fills up, and leaves no partial file', async () => {
    const disk = await writeRealisticDisk(join(dir, 'disk.img'), { sizeBytes: 8 * MiB, seed: 9 })
    await svc.add(disk.path, { name: 'big' })
    const mnt = join(dir, 'full')
    await mkdir(mnt)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt])
    try {
      await expect(svc.materialise('big', join(mnt, 'vm.img'))).rejects.toMatchObject({ code: 'ERR_DISK_FULL', name: 'DiskFullError' })
      expect(await readdir(mnt)).toEqual([])
    } finally {
      execFileSync('umount', [mnt])
    }
  })

  it('records a pulled manifest only when it is validly signed and all its chunks are present', async () => {
    const disk = await writeRealisticDisk(join(dir, 'disk.img'), { sizeBytes: 4 * MiB, seed: 8 })
    // a second node imports the disk; this node receives its manifest and chunks
    const dir2 = await mkdtemp(join(tmpdir(), 'image-service-peer-'))
    const db2 = await openDatabase(dir2)
    try {
      const peer = await ImageService.open({ dataDir: dir2, db: db2, identity: await createIdentity(dir2) })
      const { manifest } = await peer.add(disk.path, { name: 'pulled', version: '7' })
      await expect(svc.addPulled({ ...manifest, version: '8' })).rejects.toMatchObject({ code: 'ERR_MANIFEST_SIGNATURE' })
      // one chunk here, the rest missing: refused, and not even that chunk's reference count moved
      const first = manifest.chunks.find(c => c.zero !== true)!
      await svc.store.put(first.id, await peer.store.get(first.id))
      await expect(svc.addPulled(manifest)).rejects.toMatchObject({ code: 'ERR_CHUNK_NOT_FOUND' })
      expect(await svc.list()).toEqual([])
      expect((await svc.store.entry(first.id))?.refs).toBe(0)
      for (const c of manifest.chunks) if (c.zero !== true && !await svc.store.has(c.id)) await svc.store.put(c.id, await peer.store.get(c.id))
      await svc.addPulled(manifest)
      await svc.addPulled(manifest) // idempotent
      expect(added.map(m => m.version)).toEqual(['7'])
      await svc.materialise('pulled@7', join(dir, 'p.img'))
      expect(sha(await readFile(join(dir, 'p.img')))).toBe(disk.sha256)
      await peer.stop()
    } finally {
      await db2.close()
      await rm(dir2, { recursive: true, force: true })
    }
  })
})
