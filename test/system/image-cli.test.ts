import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { packRecords } from '../helpers/pack-records.js'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { writeRealisticDisk, type WrittenDisk } from '../../benchmarks/lib/realistic-disk.js'

const MiB = 1024 * 1024

interface Summary { ref: string, name: string, version: string, size: number, chunks: number, zeroChunks: number, uniqueChunks: number, format?: string, newChunks?: number, signatureValid?: boolean }

describe('novacron image add/list/show/rm against a real node', () => {
  let cluster: TestCluster
  let node: NovacronProcess
  let raw: WrittenDisk
  let qcow: string
  let blank: string
  const cli = async (...args: string[]): ReturnType<typeof runCli> => await runCli([...args, '--data-dir', node.dataDir], { timeoutMs: 120_000 })
  const json = <T>(out: string): T => JSON.parse(out) as T

  /** Chunk records in the node's pack files (read from the files: the running node holds the index). */
  async function chunkFiles (): Promise<number> {
    return (await packRecords(node.dataDir)).length
  }

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-image-cli-')
    node = await cluster.init('node', { name: 'node1' })
    await node.start()
    raw = await writeRealisticDisk(join(cluster.root, 'disk.raw'), { sizeBytes: 24 * MiB, seed: 11 })
    qcow = join(cluster.root, 'disk.qcow2')
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw.path, qcow])
    blank = join(cluster.root, 'blank.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', blank, '8M'])
  })

  afterAll(async () => {
    await cluster?.destroy()
  })

  it('adds a raw and a qcow2 image, lists, shows and removes them', async () => {
    const a = await cli('image', 'add', raw.path, '--name', 'debian', '--json')
    expect(a.code, a.stderr).toBe(0)
    const s1 = json<Summary>(a.stdout)
    expect(s1).toMatchObject({ ref: 'debian@1', size: 24 * MiB, format: 'raw' })
    expect(s1.zeroChunks).toBeGreaterThan(0)
    expect(await chunkFiles()).toBe(s1.uniqueChunks)

    // the same disk as qcow2: converted through qemu-img, every chunk already held
    const b = await cli('image', 'add', qcow, '--name', 'debian', '--json')
    expect(b.code, b.stderr).toBe(0)
    expect(json<Summary>(b.stdout)).toMatchObject({ ref: 'debian@2', size: 24 * MiB, format: 'qcow2', newChunks: 0, chunks: s1.chunks })

    // --progress draws the bar on stderr even when it is not a terminal
    const c = await cli('image', 'add', blank, '--name', 'blank', '--version', '0.1', '--progress')
    expect(c.code, c.stderr).toBe(0)
    expect(c.stderr).toMatch(/100%\s+8\.0 MiB \/ 8\.0 MiB/)
    expect(c.stdout).toMatch(/^added blank@0\.1: 8\.0 MiB, \d+ chunks \(\d+ zero, 0 distinct stored\)/)

    const list = await cli('image', 'list', '--json')
    expect(list.code).toBe(0)
    expect(json<Summary[]>(list.stdout).map(s => s.ref)).toEqual(['blank@0.1', 'debian@1', 'debian@2'])
    const table = await cli('image', 'list')
    expect(table.stdout.split('\n')[0]).toMatch(/^IMAGE\s+SIZE\s+CHUNKS/)
    expect(table.stdout).toContain('debian@2')

    const show = await cli('image', 'show', 'debian', '--json')
    expect(show.code).toBe(0)
    expect(json<Summary & { versions: string[] }>(show.stdout)).toMatchObject({ ref: 'debian@2', signatureValid: true, versions: ['1', '2'] })
    const show1 = await cli('image', 'show', 'debian@1')
    expect(show1.stdout).toMatch(/^image\s+debian@1$/m)
    expect(show1.stdout).toMatch(/^signature\s+valid$/m)

    const rm1 = await cli('image', 'rm', 'debian@1', '--json')
    expect(rm1.code, rm1.stderr).toBe(0)
    expect(json<{ removed: string[], freedChunks: number }>(rm1.stdout)).toEqual({ removed: ['debian@1'], freedChunks: 0, freedBytes: 0, reclaimedBytes: 0 })
    const rm2 = await cli('image', 'rm', 'debian')
    expect(rm2.code, rm2.stderr).toBe(0)
    expect(rm2.stdout).toMatch(new RegExp(`^removed debian@2; freed ${s1.uniqueChunks} chunks`))
    expect(await chunkFiles()).toBe(0)
    expect(json<Summary[]>((await cli('image', 'list', '--json')).stdout).map(s => s.ref)).toEqual(['blank@0.1'])
  })

  it('rejects bad input with a clear error and changes nothing', async () => {
    const before = (await cli('image', 'list', '--json')).stdout
    const fake = join(cluster.root, 'fake.qcow2')
    await writeFile(fake, Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(4096, 3)]))
    const cases: Array<[string[], number, RegExp]> = [
      [['image', 'add', join(cluster.root, 'missing.img'), '--name', 'x'], 1, /ERR_IMAGE_SOURCE_NOT_FOUND/],
      [['image', 'add', cluster.root, '--name', 'x'], 1, /ERR_IMAGE_SOURCE: .* is not a regular file/],
      [['image', 'add', fake, '--name', 'x'], 1, /ERR_IMAGE_FORMAT/],
      [['image', 'add', raw.path], 2, /--name is required/],
      [['image', 'add', raw.path, '--name', 'bad name'], 1, /ERR_INVALID_INPUT/],
      [['image', 'add', raw.path, '--name', 'x', '--version', 'no spaces'], 1, /ERR_INVALID_INPUT/],
      [['image', 'add', raw.path, '--name', 'x', '--format', 'vmdk'], 2, /--format must be raw or qcow2/],
      [['image', 'add', blank, '--name', 'blank', '--version', '0.1'], 1, /ERR_IMAGE_EXISTS/],
      [['image', 'show', 'nope'], 1, /ERR_IMAGE_NOT_FOUND/],
      [['image', 'show', 'a/b'], 1, /ERR_INVALID_INPUT|ERR_NOT_FOUND/],
      [['image', 'rm', 'nope@3'], 1, /ERR_IMAGE_NOT_FOUND/],
      [['image', 'rm'], 2, /expected 1 argument/]
    ]
    for (const [args, code, pattern] of cases) {
      const r = await cli(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code)
      expect(r.stderr).toMatch(pattern)
    }
    expect((await cli('image', 'list', '--json')).stdout).toBe(before)
    // mutations need the API token
    const res = await fetch(`${node.apiUrl}/api/v1/images`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: raw.path, name: 'x' }) })
    expect(res.status).toBe(401)
    const del = await fetch(`${node.apiUrl}/api/v1/images/blank`, { method: 'DELETE' })
    expect(del.status).toBe(401)
    expect((await cli('image', 'list', '--json')).stdout).toBe(before)
  })
})
