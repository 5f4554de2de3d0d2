import { randomInt } from 'node:crypto'
import { BoundedLru } from '../../storage/bounded-lru.js'
import { ROSTER_MAX_IMAGES, ROSTER_MAX_PEERS } from './constants.js'

/**
 * The peers pulling each image version from this node, for peer exchange (protocols/chunks.md): a peer joins a
 * version's roster when it asks, on a stream, what this node has of it, and leaves when the last such stream ends.
 * Bounded: at most `maxImages` versions (the least recently joined dropped first) and `maxPeers` per version (the
 * longest present dropped first), so a peer opening streams cannot grow it without limit.
 */
export class SwarmRoster {
  /** Per `name@version`: each peer and how many of its streams asked about that version. */
  private readonly images: BoundedLru<Map<string, number>>

  constructor (maxImages = ROSTER_MAX_IMAGES, private readonly maxPeers = ROSTER_MAX_PEERS) {
    this.images = new BoundedLru({ maxEntries: maxImages })
  }

  join (key: string, peer: string): void {
    let peers = this.images.get(key)
    if (peers === undefined) {
      peers = new Map()
      this.images.set(key, peers)
    }
    const streams = peers.get(peer)
    if (streams === undefined && peers.size >= this.maxPeers) {
      const oldest = peers.keys().next().value
      if (oldest !== undefined) peers.delete(oldest)
    }
    peers.set(peer, (streams ?? 0) + 1)
  }

  leave (key: string, peer: string): void {
    const peers = this.images.peek(key)
    const streams = peers?.get(peer)
    if (peers === undefined || streams === undefined) return
    if (streams > 1) peers.set(peer, streams - 1)
    else peers.delete(peer)
    if (peers.size === 0) this.images.delete(key)
  }

  /** The peers of `key`, in no particular order. */
  peers (key: string): string[] {
    return [...this.images.peek(key)?.keys() ?? []]
  }
}

/** Up to `max` of `candidates`, none of `exclude`, each once, in random order (a fair share of a large roster). */
export function samplePeers (candidates: Iterable<string>, exclude: ReadonlySet<string>, max: number): string[] {
  const pool = [...new Set(candidates)].filter(p => !exclude.has(p))
  for (let i = 0; i < Math.min(max, pool.length); i++) {
    const j = i + randomInt(pool.length - i)
    const t = pool[i]!
    pool[i] = pool[j]!
    pool[j] = t
  }
  return pool.slice(0, max)
}
