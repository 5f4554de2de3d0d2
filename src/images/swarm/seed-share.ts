import type { Piece } from './piece-picker.js'

/** A 32-bit hash of a string (FNV-1a): the same on every node. */
function hash32 (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** A 32-bit mix of two 32-bit values (murmur3's finaliser over their xor). */
function mix32 (a: number, b: number): number {
  let h = (a ^ b) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * Split `pieces` into those that `self` owns among `self` and `receivers` (rendezvous hashing) and the rest.
 *
 * When several receivers pull from the same seed at once, each splits the pieces among the receivers it knows
 * (itself and its non-seed peers): piece p belongs to the receiver r with the highest mix(p, r), p being the first
 * 32 bits of the chunk ID. Receivers that know each other compute the same split without talking, so each asks the
 * seed for its own share — disjoint — and gets the rest from the others (the picker's seedOrder).
 */
export function seedShare (pieces: Piece[], self: string, receivers: Iterable<string>): { mine: Piece[], theirs: Piece[] } {
  const me = hash32(self)
  const others = [...receivers].filter(r => r !== self).map(hash32)
  const mine: Piece[] = []
  const theirs: Piece[] = []
  for (const p of pieces) {
    const k = p.key
    const score = mix32(k, me)
    if (others.every(o => mix32(k, o) < score)) mine.push(p)
    else theirs.push(p)
  }
  return { mine, theirs }
}
