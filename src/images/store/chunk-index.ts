/**
 * The chunk index entry kept in LevelDB under the chunk ID (23 bytes):
 *   refs u32 (manifests that list the chunk), size u32 (uncompressed), stored u32 (bytes of the stored chunk), flags u8
 *   (bit 0: present and verified when written; bit 1: lz4), pack u32, offset u48 (of the stored chunk in that pack).
 * All little-endian. An entry that is not present (only referenced, or dropped as corrupt) has pack 0.
 */
export interface IndexEntry {
  refs: number
  size: number
  stored: number
  present: boolean
  compressed: boolean
  pack: number
  offset: number
}

export const ENTRY_BYTES = 23

export function encodeEntry (e: IndexEntry): Uint8Array {
  // a Buffer from the pool: a small Uint8Array's `.buffer` (for a DataView) moved its bytes off the V8 heap, which
  // was most of this function's 0.2 s in a 1 GiB pull
  const out = Buffer.allocUnsafe(ENTRY_BYTES)
  out.writeUInt32LE(e.refs, 0)
  out.writeUInt32LE(e.size, 4)
  out.writeUInt32LE(e.stored, 8)
  out.writeUInt8((e.present ? 1 : 0) | (e.compressed ? 2 : 0), 12)
  out.writeUInt32LE(e.pack, 13)
  out.writeUInt32LE(e.offset % 2 ** 32, 17)
  out.writeUInt16LE(Math.floor(e.offset / 2 ** 32), 21)
  return out
}

export function decodeEntry (b: Uint8Array): IndexEntry {
  if (b.length !== ENTRY_BYTES) throw new Error(`chunk index entry has ${b.length} bytes, expected ${ENTRY_BYTES}`)
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const flags = v.getUint8(12)
  return {
    refs: v.getUint32(0, true),
    size: v.getUint32(4, true),
    stored: v.getUint32(8, true),
    present: (flags & 1) !== 0,
    compressed: (flags & 2) !== 0,
    pack: v.getUint32(13, true),
    offset: v.getUint32(17, true) + v.getUint16(21, true) * 2 ** 32
  }
}

/** An entry for a chunk that is referenced but not (or no longer) stored. */
export function absentEntry (refs: number): IndexEntry {
  return { refs, size: 0, stored: 0, present: false, compressed: false, pack: 0, offset: 0 }
}
