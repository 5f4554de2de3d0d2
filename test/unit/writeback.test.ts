import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writeback } from '../../src/storage/writeback.js'

let dir: string
let fh: FileHandle
let datasync: ReturnType<typeof vi.spyOn>

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writeback-'))
  fh = await open(join(dir, 'f'), 'w')
  datasync = vi.spyOn(Object.getPrototypeOf(fh) as FileHandle, 'datasync')
})

afterEach(async () => {
  datasync.mockRestore()
  await fh.close()
  await rm(dir, { recursive: true, force: true })
})

describe('Writeback', () => {
  it('starts an fdatasync each time the threshold is written, one at a time', async () => {
    const wb = new Writeback(1000)
    wb.wrote(fh, 600)
    expect(datasync).not.toHaveBeenCalled()
    wb.wrote(fh, 600) // 1200: starts one
    wb.wrote(fh, 1500) // one is running: none more, the count starts again
    expect(datasync).toHaveBeenCalledTimes(1)
    await wb.settle()
    wb.wrote(fh, 1000)
    expect(datasync).toHaveBeenCalledTimes(2)
    await wb.settle()
  })

  it('keeps a failure for settle(), which throws it once; idle() waits without throwing', async () => {
    datasync.mockImplementationOnce(async () => { throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) })
    const wb = new Writeback(10)
    wb.wrote(fh, 10)
    await wb.idle()
    await expect(wb.settle()).rejects.toThrow(/EIO/)
    await wb.settle()
  })
})
