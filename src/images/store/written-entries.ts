/**
 * The index values the store's own chunk writes put since the index last changed in any other way, so that the
 * reference counts of an image committed right after its pull are added without reading back the entries the pull
 * just wrote. For a 1 GiB image that read (38,000 keys) was 0.1-0.2 s of the commit, on every pull's critical path.
 *
 * It is only right while every other change of the index clears it: counts (`refOps`, whose ops the caller commits),
 * chunks dropped as corrupt, garbage collection and compaction. A write of a chunk that is already present writes
 * nothing and changes nothing here. Absence from it means "not known", never "not in the index".
 */
export class WrittenEntries {
  private readonly values = new Map<string, Uint8Array>()

  /** @param maxEntries past this many, nothing more is kept until the next clear (~130 bytes each). */
  constructor (private readonly maxEntries: number) {}

  /** Note what a write just put in the index for `id`. */
  set (id: string, value: Uint8Array): void {
    if (this.values.size < this.maxEntries || this.values.has(id)) this.values.set(id, value)
  }

  /** The value last written for `id`, when nothing else changed the index since; undefined when not known. */
  get (id: string): Uint8Array | undefined {
    return this.values.get(id)
  }

  /** The index changed in another way: nothing kept is known to be current. */
  clear (): void {
    this.values.clear()
  }
}
