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
  checkLength(b)
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

/** Whether the encoded entry `b` is of a stored chunk (flag bit 0), without decoding the rest. */
export function entryPresent (b: Uint8Array): boolean {
  checkLength(b)
  return (b[12]! & 1) !== 0
}

/**
 * A copy of the encoded entry `b` with `delta` added to its reference count (not below 0), without decoding the rest:
 * a commit counts every chunk of an image, and decoding and re-encoding 38,000 entries of a 1 GiB image took ~50 ms.
 */
export function withRefsAdded (b: Uint8Array, delta: number): Uint8Array {
  checkLength(b)
  const out = Buffer.from(b)
  out.writeUInt32LE(Math.max(0, out.readUInt32LE(0) + delta), 0)
  return out
}

function checkLength (b: Uint8Array): void {
  if (b.length !== ENTRY_BYTES) throw new Error(`chunk index entry has ${b.length} bytes, expected ${ENTRY_BYTES}`)
}

/** An entry for a chunk that is referenced but not (or no longer) stored. */
export function absentEntry (refs: number): IndexEntry {
  return { refs, size: 0, stored: 0, present: false, compressed: false, pack: 0, offset: 0 }
}
