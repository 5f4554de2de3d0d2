import { BoundedLru } from '../../storage/bounded-lru.js'

/** Where a stored chunk's record lies: pack number, offset of its stored form, stored bytes. */
export interface Location {
  pack: number
  offset: number
  stored: number
  /** Written by this process (so most likely in the page cache): read synchronously. */
  fresh?: boolean
}

/**
 * Locations of recently stored or served chunks, newest kept, so a node serving chunks skips the LevelDB index
 * lookup for those. In a fan-out every receiver serves what it has just received: the lookups (a LevelDB snapshot
 * and read per batch of requests) took 7% of a receiver's CPU.
 *
 * An entry cannot go wrong in a way that matters, because pack files are append-only and a pack number is never
 * reused within a process: the bytes at a location that once held a chunk's record stay that record until the pack
 * is deleted, and a read from a deleted pack fails (the caller then asks the index). So nothing needs invalidating
 * when compaction moves a chunk or GC drops it; only a chunk dropped as corrupt is forgotten here (its bytes are
 * still there and must not be served). Reads through it are unverified stored forms, for a receiver to verify.
 */
export class LocationCache extends BoundedLru<Location> {
  constructor (maxEntries: number) {
    super({ maxEntries, touchOnGet: false })
  }
}
