import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PackFiles } from '../../src/images/store/pack-files.js'

const MIB = 1024 * 1024

let dir: string
let packs: PackFiles
let datasync: ReturnType<typeof vi.spyOn>

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pack-files-'))
  packs = await PackFiles.open({ dir, maxPackBytes: 256 * MIB, syncEachAppend: false })
  // FileHandle is not exported: its prototype, from a handle
  const probe = await open(join(dir, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as FileHandle
  await probe.close()
  datasync = vi.spyOn(proto, 'datasync')
})

afterEach(async () => {
  datasync.mockRestore()
  await packs.close()
  await rm(dir, { recursive: true, force: true })
})

/** `n` appends of 4 MiB, each filled with its index. */
async function appendMiB (n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await packs.append([Buffer.alloc(4 * MIB, i)])
}

describe('pack files: background writeback', () => {
  it('fdatasyncs the active pack while appends go on once 32 MiB were appended, and sync() still syncs the rest', async () => {
    await appendMiB(7) // 28 MiB: below the threshold
    expect(datasync).not.toHaveBeenCalled()
    await appendMiB(2, 7) // 36 MiB
    expect(datasync).toHaveBeenCalledTimes(1)
    await packs.sync()
    expect(datasync).toHaveBeenCalledTimes(2)
    // every byte reads back as appended
    for (const i of [0, 6, 8]) expect((await packs.read(1, i * 4 * MIB, 16)).every(b => b === i)).toBe(true)
  })

  it('a background fdatasync that fails makes the next sync() fail with its error, once', async () => {
    datasync.mockImplementationOnce(async () => { throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) })
    await appendMiB(9)
    expect(datasync).toHaveBeenCalledTimes(1)
    await expect(packs.sync()).rejects.toThrow(/EIO/)
    // the pack is still dirty: the next sync fdatasyncs it
    await packs.sync()
    expect(datasync).toHaveBeenCalledTimes(2)
  })
})
