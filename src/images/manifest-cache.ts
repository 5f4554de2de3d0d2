import type { Manifest } from './types.js'
import { BoundedLru } from '../storage/bounded-lru.js'

/**
 * Decoded manifests by `name@version`, most recently used last, bounded by their total chunk entries (a decoded
 * entry costs ~120 bytes of heap: 300,000 entries, ~3.5 GiB of images at 12 KiB a chunk, hold ~36 MB).
 *
 * A stored manifest never changes (a second commit of the key must be byte-identical), so an entry is only ever
 * dropped, on removal or for room. Decoding is what it saves: 48 ms for an 87,000-entry manifest (a 1 GiB disk),
 * paid before on every lookup, and a chunk server looks a manifest up for every manifest request and have poll it
 * answers. Callers treat the returned manifest as read-only, as they always did.
 */
export class ManifestCache extends BoundedLru<Manifest> {
  constructor (maxChunkEntries: number) {
    super({ maxWeight: maxChunkEntries, weigh: (_, m) => m.chunks.length })
  }
}
