import { hash } from 'node:crypto'
import { cutConfig, findCut, isZero, type CutConfig } from './fastcdc.js'
import type { ChunkingParams } from './params.js'

/** One chunk of the input. `bytes` is a view into the caller's input (or a small internal copy). */
export interface Chunk {
  /** Offset of the chunk in the whole input. */
  offset: number
  size: number
  /** SHA-256 of the bytes, lowercase hex. */
  id: string
  /** All bytes are zero. */
  zero: boolean
  bytes: Uint8Array
}

const zeroIds = new Map<number, string>()

/** SHA-256 (hex) of `size` zero bytes; cached, since zero chunks are mostly of the maximum size. */
export function zeroChunkId (size: number): string {
  let id = zeroIds.get(size)
  if (id === undefined) {
    id = hash('sha256', new Uint8Array(size), 'hex')
    if (zeroIds.size < 1024) zeroIds.set(size, id)
  }
  return id
}

/**
 * Streaming content-defined chunker: feed the input in pieces of any size with `push`, then `finish`.
 * The chunks are the same however the input is split. Chunk `bytes` may be views into the pushed buffers:
 * consume them before reusing a buffer you pushed.
 */
export class Chunker {
  private readonly cut: CutConfig
  private pending: Uint8Array = new Uint8Array(0)
  private offset = 0

  constructor (params: ChunkingParams) {
    this.cut = cutConfig(params)
  }

  push (data: Uint8Array): Chunk[] {
    const out: Chunk[] = []
    const max = this.cut.maxBytes
    let rest = data
    if (this.pending.length > 0) {
      // Chunks that straddle the previous input and this one are cut from a small joined buffer.
      const pendingLen = this.pending.length
      const head = concat(this.pending, data.subarray(0, 2 * max))
      let pos = 0
      while (pos < pendingLen) {
        if (head.length - pos < max) {
          this.pending = head.subarray(pos)
          return out
        }
        const end = findCut(head, pos, head.length, this.cut)
        out.push(this.emit(head, pos, end))
        pos = end
      }
      rest = data.subarray(pos - pendingLen)
    }
    let p = 0
    while (rest.length - p >= max) {
      const end = findCut(rest, p, rest.length, this.cut)
      out.push(this.emit(rest, p, end))
      p = end
    }
    this.pending = rest.slice(p)
    return out
  }

  /** The last chunks (the input has ended). */
  finish (): Chunk[] {
    const out: Chunk[] = []
    const data = this.pending
    let p = 0
    while (p < data.length) {
      const end = findCut(data, p, data.length, this.cut)
      out.push(this.emit(data, p, end))
      p = end
    }
    this.pending = new Uint8Array(0)
    return out
  }

  private emit (data: Uint8Array, start: number, end: number): Chunk {
    const size = end - start
    const bytes = data.subarray(start, end)
    const zero = isZero(data, start, end)
    const chunk = { offset: this.offset, size, id: zero ? zeroChunkId(size) : hash('sha256', bytes, 'hex'), zero, bytes }
    this.offset += size
    return chunk
  }
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** Chunk a whole in-memory input. */
export function chunkBytes (data: Uint8Array, params: ChunkingParams): Chunk[] {
  const c = new Chunker(params)
  return [...c.push(data), ...c.finish()]
}
