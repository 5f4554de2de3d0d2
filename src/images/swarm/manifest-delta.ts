import type { ChunkRef, Manifest } from '../types.js'
import type { DeltaOp, ManifestDelta, WireChunkRef, WireManifest } from './pb/chunks.js'
import { fromWireManifest, toWireManifest, type ManifestLimits } from './manifest-wire.js'
import { BadManifestError } from './errors.js'
import { DEFAULT_MAX_MANIFEST_CHUNKS } from './constants.js'

/** Bytes of an op on the wire, about: a copy (two varints), a literal (a 32-byte ID, a size, a flag). */
const COPY_OP_BYTES = 10
const LITERAL_OP_BYTES = 44
/** Bytes of an entry of a whole manifest, about. */
const ENTRY_BYTES = 40

function keyOf (c: ChunkRef): string {
  return c.zero === true ? `${c.id}/${c.size}/z` : `${c.id}/${c.size}`
}

function sameRef (a: ChunkRef | undefined, b: ChunkRef): boolean {
  return a != null && a.id === b.id && a.size === b.size && (a.zero === true) === (b.zero === true)
}

/**
 * The chunk list of `target` as ops over `base`'s: runs of entries found in `base` (continuing the previous run
 * where it can, else from the first place the entry occurs there) are copies, the rest literals. Undefined when
 * the delta would not be smaller than the whole manifest.
 */
export function encodeManifestDelta (target: Manifest, base: Manifest): ManifestDelta | undefined {
  const first = new Map<string, number>()
  base.chunks.forEach((c, i) => { if (!first.has(keyOf(c))) first.set(keyOf(c), i) })
  const ops: DeltaOp[] = []
  let run: DeltaOp | undefined
  let literals = 0
  for (const c of target.chunks) {
    if (run != null && sameRef(base.chunks[run.start + run.count], c)) {
      run.count++
      continue
    }
    const at = first.get(keyOf(c))
    if (at != null) {
      run = { start: at, count: 1 }
      ops.push(run)
    } else {
      run = undefined
      literals++
      ops.push({ start: 0, count: 0, ref: { id: Uint8Array.from(Buffer.from(c.id, 'hex')), size: c.size, zero: c.zero === true } })
    }
  }
  const deltaBytes = (ops.length - literals) * COPY_OP_BYTES + literals * LITERAL_OP_BYTES
  if (deltaBytes >= target.chunks.length * ENTRY_BYTES) return undefined
  const { name, version, size, author, createdAt } = target
  return { name, version, size, author, createdAt, signature: Uint8Array.from(target.signature), base: base.version, ops }
}

/**
 * Rebuild a manifest from a delta against `base` and check it like a whole one (fromWireManifest). The op count and
 * the rebuilt entry count are bounded by the manifest limit before anything is built. The signature is NOT checked
 * here: the caller verifies the rebuilt manifest as it would a whole one.
 */
export function applyManifestDelta (delta: ManifestDelta, base: Manifest, limits: ManifestLimits = {}): Manifest {
  const { maxChunks = DEFAULT_MAX_MANIFEST_CHUNKS } = limits
  const bad = (why: string): never => { throw new BadManifestError(`manifest delta ${delta.name}@${delta.version}: ${why}`) }
  if (delta.name !== base.name) bad(`its base is ${base.name}@${base.version}`)
  if (delta.base !== base.version) bad(`built on version ${delta.base}, not ${base.version}`)
  if (delta.ops.length > maxChunks) bad(`${delta.ops.length} ops exceed the limit of ${maxChunks}`)
  let total = 0
  for (const [i, op] of delta.ops.entries()) {
    if (op.ref != null) {
      if (op.count !== 0 || op.start !== 0) bad(`op ${i} is both a copy and a literal`)
      total++
    } else {
      if (op.count === 0) bad(`op ${i} copies nothing`)
      if (op.start + op.count > base.chunks.length) bad(`op ${i} copies [${op.start}, ${op.start + op.count}) of ${base.chunks.length} entries`)
      total += op.count
    }
    if (total > maxChunks) bad(`rebuilds more than ${maxChunks} entries`)
  }
  const baseRefs = toWireManifest(base).chunks
  const chunks: WireChunkRef[] = []
  for (const op of delta.ops) {
    if (op.ref != null) chunks.push(op.ref)
    else for (let j = op.start; j < op.start + op.count; j++) chunks.push(baseRefs[j] as WireChunkRef)
  }
  const { name, version, size, author, createdAt, signature } = delta
  const whole: WireManifest = { name, version, size, author, createdAt, signature, chunks, packed: new Uint8Array() }
  return fromWireManifest(whole, limits)
}
