export interface BoundedLruInit<V> {
  /** Entries kept at most. @default Infinity */
  maxEntries?: number
  /** Total weight kept at most; an entry heavier than this on its own is not kept. @default Infinity */
  maxWeight?: number
  /** An entry's weight (bytes, chunk entries…). @default 0 */
  weigh?: (key: string, value: V) => number
  /** Whether `get` makes an entry the most recently used; without it the oldest written goes first. @default true */
  touchOnGet?: boolean
}

/**
 * A map by string key that keeps at most `maxEntries` entries of at most `maxWeight` in all, dropping the least
 * recently used (or, without `touchOnGet`, the oldest written) first. The caches in front of LevelDB, the decoded
 * manifests and the chunk locations are each one of these.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, V>()
  private total = 0
  private readonly maxEntries: number
  private readonly maxWeight: number
  private readonly weigh: (key: string, value: V) => number
  private readonly touchOnGet: boolean

  constructor (init: BoundedLruInit<V> = {}) {
    this.maxEntries = init.maxEntries ?? Infinity
    this.maxWeight = init.maxWeight ?? Infinity
    this.weigh = init.weigh ?? (() => 0)
    this.touchOnGet = init.touchOnGet ?? true
  }

  /** The entry, made the most recently used (with `touchOnGet`); undefined when absent. */
  get (key: string): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined && this.touchOnGet) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  /** The entry, without making it the most recently used. */
  peek (key: string): V | undefined {
    return this.entries.get(key)
  }

  set (key: string, value: V): void {
    this.delete(key)
    const weight = this.weigh(key, value)
    if (weight > this.maxWeight) return
    this.entries.set(key, value)
    this.total += weight
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxWeight) break
      this.entries.delete(oldest)
      this.total -= this.weigh(oldest, old)
    }
  }

  delete (key: string): void {
    const value = this.entries.get(key)
    if (value === undefined) return
    this.entries.delete(key)
    this.total -= this.weigh(key, value)
  }

  clear (): void {
    this.entries.clear()
    this.total = 0
  }

  get size (): number {
    return this.entries.size
  }

  /** The summed weight of the entries kept. */
  get weight (): number {
    return this.total
  }
}
