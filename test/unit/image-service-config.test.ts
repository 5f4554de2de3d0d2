import { describe, it, expect } from 'vitest'
import { imagesConfigOf, imagesConfigSection } from '../../src/images/config.js'
import { DEFAULT_CHUNKING } from '../../src/images/constants.js'
import { CONFIG_SECTIONS } from '../../src/config/sections.js'

describe('images config section', () => {
  it('is registered and defaults to the VM-disk chunk sizes', () => {
    expect(CONFIG_SECTIONS.map(s => s.key)).toContain('images')
    expect(imagesConfigSection.parse({}, 'images')).toEqual({ chunkMinBytes: 2048, chunkAvgBytes: 8192, chunkMaxBytes: 32768, qemuImg: 'qemu-img' })
    expect(imagesConfigOf({}).chunking).toEqual(DEFAULT_CHUNKING)
  })

  it('accepts other valid sizes and round-trips its own output', () => {
    const raw = { chunkMinBytes: 2048, chunkAvgBytes: 8192, chunkMaxBytes: 32768, qemuImg: '/usr/bin/qemu-img' }
    const parsed = imagesConfigSection.parse(raw, 'images')
    expect(parsed).toEqual(raw)
    expect(imagesConfigSection.parse(parsed as Record<string, unknown>, 'images')).toEqual(raw)
    expect(imagesConfigOf({ images: parsed }).chunking).toEqual({ minBytes: 2048, avgBytes: 8192, maxBytes: 32768 })
  })

  it.each([
    [{ chunkAvgBytes: 20000 }, 'images.chunkAvgBytes'],
    [{ chunkMinBytes: 16384 }, 'images'],
    [{ chunkMaxBytes: 8192 }, 'images'],
    [{ chunkMinBytes: 512 }, 'images.chunkMinBytes'],
    [{ chunkMaxBytes: 8 * 1024 * 1024 }, 'images.chunkMaxBytes'],
    [{ chunkAvgBytes: '16K' }, 'images.chunkAvgBytes'],
    [{ qemuImg: '' }, 'images.qemuImg'],
    [{ chunking: {} }, 'images.chunking']
  ])('refuses %j naming %s', (raw, field) => {
    expect(() => imagesConfigSection.parse(raw as Record<string, unknown>, 'images')).toThrowError(expect.objectContaining({ name: 'FieldProblem', field }))
  })
})
