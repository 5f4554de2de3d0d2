import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import { newChunkBytes, seedImage } from '../helpers/image-seed.js'
import { writeRealisticDisk, type WrittenDisk } from '../../benchmarks/lib/realistic-disk.js'
import type { TransferProgress } from '../../src/images/swarm/transfer-progress.js'
import type { Manifest } from '../../src/images/types.js'

const MiB = 1024 * 1024
const DISK = 96 * MiB

async function sha256File (path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

async function transfers (n: NovacronProcess): Promise<TransferProgress[]> {
  return await n.get<TransferProgress[]>('/api/v1/transfers')
}

async function token (n: NovacronProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api.token'), 'utf8')).trim()
}

async function startPull (n: NovacronProcess, ref: string, out?: string): Promise<TransferProgress> {
  const res = await fetch(`${n.apiUrl}/api/v1/images/pull`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(n)}` }, body: JSON.stringify({ ref, out }) })
  expect(res.status).toBe(202)
  return await res.json() as TransferProgress
}

/** Wait until the pull has moved `fraction` of its bytes (and is still running). */
async function waitForProgress (n: NovacronProcess, id: string, fraction: number): Promise<TransferProgress> {
  return await waitFor(async () => {
    const p = (await transfers(n)).find(t => t.id === id)
    if (p == null || p.state === 'failed') throw new Error(`pull ${id}: ${JSON.stringify(p)}`)
    return p.state === 'running' && p.totalBytes > 0 && p.doneBytes >= p.totalBytes * fraction ? p : undefined
  }, { timeoutMs: 60_000, intervalMs: 20, what: `pull at ${fraction * 100}%` })
}

describe('image pull between real novacron processes', () => {
  let cluster: TestCluster
  let v1: WrittenDisk
  let v2: WrittenDisk
  let m1: Manifest
  let m2: Manifest
  let seeds: NovacronProcess[]
  let receiver: NovacronProcess

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-swarm-')
    v1 = await writeRealisticDisk(join(cluster.root, 'v1.raw'), { sizeBytes: DISK, version: 1 })
    v2 = await writeRealisticDisk(join(cluster.root, 'v2.raw'), { sizeBytes: DISK, version: 2 })
    const boot = await cluster.init('bootstrap', { name: 'seed0' })
    seeds = []
    for (let i = 1; i <= 3; i++) seeds.push(await cluster.init('node', { name: `s${i}`, bootstrap: [boot.addr] }))
    receiver = await cluster.init('node', { name: 'recv', bootstrap: [boot.addr] })
    for (const s of seeds) m1 = await seedImage(s.dataDir, v1.path, 'debian', '1')
    m2 = await seedImage(seeds[0]!.dataDir, v2.path, 'debian', '2')
    await boot.start()
    await Promise.all([...seeds, receiver].map(async n => { await n.start() }))
    // the receiver joins through the bootstrap node: connected to the seeders before it pulls (its first provider
    // lookup may still find only some of them, see the seeder killed below)
    await waitFor(async () => {
      const connected = await receiver.connectedPeerIds()
      return seeds.every(s => connected.has(s.peerId)) ? true : undefined
    }, { timeoutMs: 60_000, what: 'receiver connected to the three seeders' })
  }, 180_000)

  afterAll(async () => {
    await cluster?.destroy()
  })

  it('pulls from 3 seeders with one killed mid-way; the disk written is byte-identical', async () => {
    const started = await startPull(receiver, 'debian@1')
    const at = await waitForProgress(receiver, started.id, 0.2)
    // a seeder that is sending: the pull must finish from the others (it may have found only one of the three yet)
    const victim = seeds.find(s => at.perPeer.some(p => p.peer === s.peerId && p.bytes > 0))
    expect(victim).toBeDefined()
    await victim!.stop('SIGKILL')
    const done = await waitFor(async () => (await transfers(receiver)).find(t => t.id === started.id && t.state !== 'running' && t.state !== 'resolving'),
      { timeoutMs: 120_000, what: 'pull to finish' })
    expect(done.state).toBe('done')
    expect(done.banned).toEqual([])
    expect(done.perPeer.length).toBeGreaterThanOrEqual(2)
    expect(done.perPeer.some(p => p.peer !== victim!.peerId && p.bytes > 0)).toBe(true)
    await victim!.start() // the later tests pull version 2 from seeds[0]
    // the CLI: already held, so this only materialises; --json prints the final progress
    const out = join(cluster.root, 'pulled-v1.raw')
    const r = await runCli(['image', 'pull', 'debian@1', '--out', out, '--data-dir', receiver.dataDir, '--json'], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as TransferProgress).state).toBe('done')
    expect(await sha256File(out)).toBe(v1.sha256)
  })

  it('version 2 while holding version 1 moves only the changed chunks', async () => {
    const r = await runCli(['image', 'pull', 'debian@2', '--data-dir', receiver.dataDir, '--json'], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    const p = JSON.parse(r.stdout) as TransferProgress
    const changed = newChunkBytes(m1, m2)
    expect(p.doneBytes - p.reusedBytes).toBe(changed)
    expect(p.wireBytes).toBeLessThanOrEqual(changed * 1.2)
    expect(changed).toBeLessThan(v2.sizeBytes * 0.2)
  })

  it('a receiver killed with SIGKILL mid-way and restarted resumes without fetching again what it verified and writes its --out file anew; the command follows the resumed pull', async () => {
    const late = await cluster.init('node', { name: 'late', bootstrap: [cluster.procs[0]!.addr] })
    await late.start()
    const outDir = join(cluster.root, 'late-out')
    const dest = join(outDir, 'disk.raw')
    // the command runs on: it finds the pull the restarted node resumed and ends when the file is written
    const cli = runCli(['image', 'pull', 'debian@1', '--out', dest, '--data-dir', late.dataDir, '--json'], { timeoutMs: 180_000 })
    const started = await waitFor(async () => (await transfers(late))[0], { timeoutMs: 20_000, what: 'the pull to start' })
    const at = await waitForProgress(late, started.id, 0.3)
    // the disk file is being written beside its destination
    const temps = (await readdir(outDir)).filter(f => /^\.disk\.raw\.[0-9a-f]{12}\.tmp$/.test(f))
    expect(temps).toHaveLength(1)
    await late.stop('SIGKILL')
    await late.start()
    // the pull and its file were recorded: the restarted node resumes the pull on its own, removes the temp file the
    // kill left and writes the file again
    const done = await waitFor(async () => (await transfers(late)).find(t => t.ref === 'debian@1' && t.state === 'done'),
      { timeoutMs: 120_000, what: 'resumed pull to finish' })
    expect(done.out).toBe(dest)
    expect(done.reusedBytes).toBeGreaterThanOrEqual(at.doneBytes * 0.9)
    expect(done.doneBytes).toBe(done.totalBytes)
    expect(await readdir(outDir)).toEqual(['disk.raw'])
    expect(await sha256File(dest)).toBe(v1.sha256)
    const r = await cli
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('the node resumed the pull of debian@1')
    expect(JSON.parse(r.stdout)).toMatchObject({ id: done.id, state: 'done', out: dest })
  })

  it('refuses bad pull requests with a clear error and changes nothing', async () => {
    const res = await fetch(`${receiver.apiUrl}/api/v1/images/pull`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(receiver)}` }, body: JSON.stringify({ ref: 'bad name!' }) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('ref')
    const r = await runCli(['image', 'pull', 'no-such-image@7', '--data-dir', receiver.dataDir], { timeoutMs: 120_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/ERR_IMAGE_NOT_FOUND/)
  })
})
