import { describe, expect, it } from 'vitest'
import { BoundedLru } from '../../src/storage/bounded-lru.js'

describe('BoundedLru', () => {
  it('drops the least recently used first, by entries and by weight, and keeps nothing heavier than its bound', () => {
    const c = new BoundedLru<string>({ maxEntries: 3, maxWeight: 10, weigh: (_, v) => v.length })
    c.set('a', 'xxx')
    c.set('b', 'xxx')
    c.set('c', 'xx')
    expect(c.get('a')).toBe('xxx') // 'b' is now the least recently used
    c.set('d', 'x') // a fourth entry: 'b' goes
    expect(c.peek('b')).toBeUndefined()
    c.set('e', 'xxxxx') // 4 entries, weight 2 + 3 + 1 + 5 = 11: 'c', the least recently used, goes; then both fit
    expect([c.peek('a'), c.peek('c'), c.peek('d'), c.peek('e')]).toEqual(['xxx', undefined, 'x', 'xxxxx'])
    expect([c.size, c.weight]).toEqual([3, 9])
    c.set('big', 'x'.repeat(11))
    expect(c.peek('big')).toBeUndefined()
    c.delete('d')
    expect([c.size, c.weight]).toEqual([2, 8])
  })

  it('without touchOnGet drops the oldest written first, and peek never reorders', () => {
    const c = new BoundedLru<number>({ maxEntries: 2, touchOnGet: false })
    c.set('a', 1)
    c.set('b', 2)
    expect(c.get('a')).toBe(1)
    c.set('c', 3)
    expect(c.peek('a')).toBeUndefined()
    const d = new BoundedLru<number>({ maxEntries: 2 })
    d.set('a', 1)
    d.set('b', 2)
    expect(d.peek('a')).toBe(1)
    d.set('c', 3)
    expect(d.peek('a')).toBeUndefined()
  })

  it('clear drops every entry and its weight', () => {
    const c = new BoundedLru<number>({ maxWeight: 10, weigh: (_k, v) => v })
    c.set('a', 3)
    c.set('b', 4)
    c.clear()
    expect([c.size, c.weight, c.peek('a')]).toEqual([0, 0, undefined])
    c.set('c', 10)
    expect([c.size, c.weight]).toEqual([1, 10])
  })
})
