import { describe, it, expect, afterEach } from 'vitest'
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeAt } from '../../src/storage/write-at.js'

describe('writeAt (one positional writev, a short write is ENOSPC)', () => {
  let dir = ''
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('writes the parts back to back at the position', async () => {
    dir = await mkdtemp(join(tmpdir(), 'write-at-'))
    const fh = await open(join(dir, 'f'), 'w+')
    try {
      await writeAt(fh, [Buffer.from('abc'), Buffer.from('de')], 4, 5, 'f')
    } finally {
      await fh.close()
    }
    expect(await readFile(join(dir, 'f'))).toEqual(Buffer.from('\0\0\0\0abcde'))
  })

  it('turns a short write (a full file system) into ENOSPC naming the file, the offset and the bytes written', async () => {
    const short = { writev: async () => ({ bytesWritten: 3, buffers: [] }) } as unknown as FileHandle
    await expect(writeAt(short, [Buffer.alloc(8)], 4096, 8, 'pack 7')).rejects.toMatchObject({
      code: 'ENOSPC', message: 'short write to pack 7 at offset 4096: 3 of 8 bytes'
    })
  })
})
