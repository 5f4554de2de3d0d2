import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { NAME } from '../config/fields.js'
import type { ChunkRef, Manifest } from './types.js'
import { IMAGE_VERSION, MAX_IMAGE_BYTES, MAX_MANIFEST_CHUNKS } from './constants.js'
import { MAX_CHUNK_BYTES } from './chunker/params.js'
import { ManifestInvalidError } from './errors.js'

/**
 * Canonical encoding of a manifest (what is signed), all integers big-endian:
 *   "novacron-manifest/1\n"  domain separation
 *   u16 len, name (UTF-8) · u16 len, version · u64 size · u16 len, author · u64 createdAt · u32 chunk count
 *   per chunk: 32-byte ID, u32 size, u8 flags (bit 0 = zero)
 * Stored form (LevelDB): canonical bytes, then u16 signature length and the signature.
 */
const DOMAIN = new TextEncoder().encode('novacron-manifest/1\n')
const CHUNK_BYTES = 37
const HEX64 = /^[0-9a-f]{64}$/
const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

export type UnsignedManifest = Omit<Manifest, 'signature'>

function bad (msg: string): never {
  throw new ManifestInvalidError(msg)
}

/**
 * Manifests made by freezeManifest, with their canonical bytes once computed. A pull of a 1 GiB image (87,000
 * entries) validated its manifest five times and built its canonical bytes four times (verify on receipt and at
 * commit, the pull record, the stored form twice): ~0.3 s of the receiver's main thread. A frozen manifest cannot
 * change, so it is validated and encoded once.
 */
const frozen = new WeakSet<object>()
const validated = new WeakSet<object>()
const canonical = new WeakMap<object, Uint8Array>()
/**
 * Frozen manifests whose chunk IDs a decoder wrote as hex from 32 raw bytes each: 64 hex digits by construction, so
 * validation skips its pattern test of every entry (58 ms of a 1 GiB image's 90,000 entries, on the way to a pull's
 * first request).
 */
const hexIds = new WeakSet<object>()
const distinctIds = new WeakMap<object, readonly string[]>()

/**
 * Freeze `m`, its chunk list and every entry (received, decoded and signed manifests are): see `frozen`.
 * `idsFromBytes`: every chunk ID was made by hex-encoding 32 bytes (see `hexIds`).
 */
export function freezeManifest<T extends UnsignedManifest> (m: T, opts: { idsFromBytes?: boolean } = {}): T {
  for (const c of m.chunks) Object.freeze(c)
  Object.freeze(m.chunks)
  frozen.add(Object.freeze(m))
  if (opts.idsFromBytes === true) hexIds.add(m)
  return m
}

/** Structural checks every manifest must pass, local or received (once for a frozen one). */
export function validateManifest (m: UnsignedManifest): void {
  if (validated.has(m)) return
  if (!NAME.test(m.name)) bad(`image name "${m.name}" must match ${NAME.source}`)
  if (!IMAGE_VERSION.test(m.version)) bad(`version "${m.version}" must match ${IMAGE_VERSION.source}`)
  if (typeof m.author !== 'string' || m.author.length === 0 || m.author.length > 128) bad('bad author')
  if (!Number.isSafeInteger(m.createdAt) || m.createdAt < 0) bad('bad createdAt')
  if (!Number.isSafeInteger(m.size) || m.size < 0 || m.size > MAX_IMAGE_BYTES) bad(`bad size ${m.size}`)
  if (!Array.isArray(m.chunks) || m.chunks.length > MAX_MANIFEST_CHUNKS) bad('too many chunks')
  let total = 0
  const checkIds = !hexIds.has(m)
  m.chunks.forEach((c, i) => {
    if (checkIds && !HEX64.test(c.id)) bad(`chunk ${i}: bad ID`)
    if (!Number.isSafeInteger(c.size) || c.size <= 0 || c.size > MAX_CHUNK_BYTES) bad(`chunk ${i}: bad size ${c.size}`)
    total += c.size
  })
  if (total !== m.size) bad(`size ${m.size} is not the sum of the chunk sizes (${total})`)
  if (frozen.has(m)) validated.add(m)
}

/** The bytes a manifest's signature covers. */
export function canonicalManifestBytes (m: UnsignedManifest): Uint8Array {
  const known = canonical.get(m)
  if (known !== undefined) return known
  validateManifest(m)
  const name = enc.encode(m.name)
  const version = enc.encode(m.version)
  const author = enc.encode(m.author)
  const out = Buffer.alloc(DOMAIN.length + 2 + name.length + 2 + version.length + 8 + 2 + author.length + 8 + 4 + m.chunks.length * CHUNK_BYTES)
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength)
  let p = 0
  out.set(DOMAIN, p); p += DOMAIN.length
  const str = (s: Uint8Array): void => { v.setUint16(p, s.length); out.set(s, p + 2); p += 2 + s.length }
  str(name)
  str(version)
  v.setBigUint64(p, BigInt(m.size)); p += 8
  str(author)
  v.setBigUint64(p, BigInt(m.createdAt)); p += 8
  v.setUint32(p, m.chunks.length); p += 4
  // a repeated ID (a common block, zeros) is copied from its first occurrence instead of parsed from hex again: the
  // 1 GiB benchmark disk has 89,992 entries and 37,834 distinct IDs, and the hex parsing was ~55 ms of a pull's start
  const firstAt = new Map<string, number>()
  for (const c of m.chunks) {
    const at = firstAt.get(c.id)
    if (at === undefined) {
      out.write(c.id, p, 32, 'hex') // validated above: 64 hex digits
      firstAt.set(c.id, p)
    } else {
      out.copyWithin(p, at, at + 32)
    }
    v.setUint32(p + 32, c.size)
    out[p + 36] = c.zero === true ? 1 : 0
    p += CHUNK_BYTES
  }
  if (frozen.has(m)) canonical.set(m, out)
  return out
}

/**
 * The IDs of a manifest's non-zero chunks, each once, in order of first use (kept for a frozen manifest): a pull pins
 * them, the picker and the commit count them, and each built the list from all 89,992 entries of a 1 GiB disk.
 */
export function distinctChunkIds (m: UnsignedManifest): readonly string[] {
  const known = distinctIds.get(m)
  if (known !== undefined) return known
  const seen = new Set<string>()
  for (const c of m.chunks) if (c.zero !== true) seen.add(c.id)
  const ids = Object.freeze([...seen])
  if (frozen.has(m)) distinctIds.set(m, ids)
  return ids
}

/** Sign with the node's Ed25519 key; `author` is set to that key's peer ID. */
export async function signManifest (m: Omit<UnsignedManifest, 'author'>, key: PrivateKey, authorPeerId: string): Promise<Manifest> {
  // entries copied: the signed manifest is frozen, the caller's list is not
  const unsigned: UnsignedManifest = { ...m, chunks: m.chunks.map(c => ({ ...c })), author: authorPeerId }
  const signature = await key.sign(canonicalManifestBytes(unsigned))
  return freezeManifest({ ...unsigned, signature: Uint8Array.from(signature) })
}

/** True when the manifest is well formed and signed by its author's key (the author's peer ID embeds the key). */
export async function verifyManifest (m: Manifest): Promise<boolean> {
  try {
    const pub = peerIdFromString(m.author).publicKey
    if (pub == null) return false
    return await pub.verify(canonicalManifestBytes(m), m.signature)
  } catch {
    return false
  }
}

/** Stored form: canonical bytes + signature. */
export function encodeManifest (m: Manifest): Uint8Array {
  const body = canonicalManifestBytes(m)
  const out = new Uint8Array(body.length + 2 + m.signature.length)
  out.set(body, 0)
  new DataView(out.buffer).setUint16(body.length, m.signature.length)
  out.set(m.signature, body.length + 2)
  return out
}

/** Parse the stored form; throws ERR_MANIFEST_INVALID on anything malformed. Does not check the signature. */
export function decodeManifest (b: Uint8Array): Manifest {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const hex = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  let p = 0
  const need = (n: number): void => { if (p + n > b.length) bad('truncated manifest') }
  need(DOMAIN.length)
  if (Buffer.compare(b.subarray(0, DOMAIN.length), DOMAIN) !== 0) bad('not a novacron manifest')
  p = DOMAIN.length
  const str = (): string => {
    need(2)
    const n = v.getUint16(p)
    need(2 + n)
    const s = b.subarray(p + 2, p + 2 + n)
    p += 2 + n
    try { return dec.decode(s) } catch { return bad('bad UTF-8') }
  }
  const u64 = (): number => { need(8); const x = v.getBigUint64(p); p += 8; if (x > BigInt(Number.MAX_SAFE_INTEGER)) bad('integer too large'); return Number(x) }
  const name = str()
  const version = str()
  const size = u64()
  const author = str()
  const createdAt = u64()
  need(4)
  const count = v.getUint32(p); p += 4
  if (count > MAX_MANIFEST_CHUNKS) bad('too many chunks')
  need(count * CHUNK_BYTES)
  const chunks: ChunkRef[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const id = hex.toString('hex', p, p + 32)
    const csize = v.getUint32(p + 32)
    chunks[i] = b[p + 36] === 1 ? { id, size: csize, zero: true } : { id, size: csize }
    p += CHUNK_BYTES
  }
  need(2)
  const sigLen = v.getUint16(p); p += 2
  need(sigLen)
  const signature = Uint8Array.from(b.subarray(p, p + sigLen))
  if (p + sigLen !== b.length) bad('trailing bytes after the manifest')
  const m = freezeManifest<Manifest>({ name, version, size, chunks, author, createdAt, signature }, { idsFromBytes: true })
  validateManifest(m)
  return m
}
