import { describe, expect, it } from 'vitest'
import { LocationCache } from '../../src/images/store/location-cache.js'

describe('LocationCache', () => {
  it('keeps the newest entries up to its bound and forgets what is deleted', () => {
    const c = new LocationCache(2)
    c.set('a', { pack: 1, offset: 0, stored: 10 })
    c.set('b', { pack: 1, offset: 10, stored: 10 })
    c.set('a', { pack: 2, offset: 0, stored: 10 }) // re-set: now the newest
    c.set('c', { pack: 2, offset: 10, stored: 10 })
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toEqual({ pack: 2, offset: 0, stored: 10 })
    expect(c.size).toBe(2)
    c.delete('a')
    expect(c.get('a')).toBeUndefined()
    expect(c.get('c')?.offset).toBe(10)
  })
})
