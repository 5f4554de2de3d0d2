import { describe, expect, it } from 'vitest'
import { ManifestCache } from '../../src/images/manifest-cache.js'
import type { Manifest } from '../../src/images/types.js'

function manifest (version: string, entries: number): Manifest {
  const chunks = Array.from({ length: entries }, (_, i) => ({ id: i.toString(16).padStart(64, '0'), size: 1 }))
  return { name: 'disk', version, size: entries, chunks, author: 'a', createdAt: 1, signature: new Uint8Array([1]) }
}

describe('ManifestCache', () => {
  it('returns what was set and forgets what was deleted', () => {
    const c = new ManifestCache(100)
    const m = manifest('1', 10)
    c.set('disk@1', m)
    expect(c.get('disk@1')).toBe(m)
    c.delete('disk@1')
    expect(c.get('disk@1')).toBeUndefined()
  })

  it('drops the least recently used manifests when their chunk entries exceed the bound', () => {
    const c = new ManifestCache(25)
    c.set('disk@1', manifest('1', 10))
    c.set('disk@2', manifest('2', 10))
    expect(c.get('disk@1')?.version).toBe('1') // disk@2 is now the least recently used
    c.set('disk@3', manifest('3', 10))
    expect(c.get('disk@2')).toBeUndefined()
    expect(c.get('disk@1')?.version).toBe('1')
    expect(c.get('disk@3')?.version).toBe('3')
  })

  it('does not keep a manifest larger than the whole bound, and replacing a key does not count it twice', () => {
    const c = new ManifestCache(25)
    c.set('big@1', manifest('1', 30))
    expect(c.get('big@1')).toBeUndefined()
    c.set('disk@1', manifest('1', 10))
    c.set('disk@1', manifest('1', 10))
    c.set('disk@2', manifest('2', 10))
    expect(c.get('disk@1')).toBeDefined()
    expect(c.get('disk@2')).toBeDefined()
  })
})
