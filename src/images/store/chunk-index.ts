/**
 * The chunk index entry kept in LevelDB under the chunk ID (13 bytes):
 *   refs u32 (manifests that list the chunk), size u32 (uncompressed), stored u32 (bytes on disk), flags u8
 *   (bit 0: the file is present and was verified when written; bit 1: lz4).
 */
export interface IndexEntry {
  refs: number
  size: number
  stored: number
  present: boolean
  compressed: boolean
}

export const ENTRY_BYTES = 13

export function encodeEntry (e: IndexEntry): Uint8Array {
  const out = new Uint8Array(ENTRY_BYTES)
  const v = new DataView(out.buffer)
  v.setUint32(0, e.refs, true)
  v.setUint32(4, e.size, true)
  v.setUint32(8, e.stored, true)
  v.setUint8(12, (e.present ? 1 : 0) | (e.compressed ? 2 : 0))
  return out
}

export function decodeEntry (b: Uint8Array): IndexEntry {
  if (b.length !== ENTRY_BYTES) throw new Error(`chunk index entry has ${b.length} bytes`)
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const flags = v.getUint8(12)
  return { refs: v.getUint32(0, true), size: v.getUint32(4, true), stored: v.getUint32(8, true), present: (flags & 1) !== 0, compressed: (flags & 2) !== 0 }
}
