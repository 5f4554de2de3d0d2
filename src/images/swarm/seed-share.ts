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

/** Where a piece sits in the order every receiver shares: the first 32 bits of its ID (uniform: IDs are hashes). */
export function pieceKey (p: Pick<Piece, 'key'>): number {
  return p.key
}

/**
 * The order in which a receiver asks a seed for pieces, when several receivers pull from the same seed at once.
 *
 * Every receiver splits the pieces among the receivers it knows (itself and its non-seed peers) by rendezvous
 * hashing: piece p belongs to the receiver r with the highest mix(p, r). Receivers that know each other compute the
 * same split without talking, so each asks the seed for its own share — disjoint — and gets the rest from the
 * others. A piece another receiver has only requested (not yet in its bitfield) is invisible; random picks would
 * collide on those ever more often as the pieces nobody holds run out. A receiver that has asked for all of its
 * share helps with the others' from the far end (their owners walk up, helpers walk down), so the two meet once.
 */
export function seedOrder (pieces: Piece[], self: string, receivers: Iterable<string>): Piece[] {
  const { mine, theirs } = seedShare(pieces, self, receivers)
  mine.sort((a, b) => pieceKey(a) - pieceKey(b))
  theirs.sort((a, b) => pieceKey(b) - pieceKey(a))
  return [...mine, ...theirs]
}

/** Split `pieces` into those that `self` owns among `self` and `receivers` (rendezvous hashing) and the rest. */
export function seedShare (pieces: Piece[], self: string, receivers: Iterable<string>): { mine: Piece[], theirs: Piece[] } {
  const me = hash32(self)
  const others = [...receivers].filter(r => r !== self).map(hash32)
  const mine: Piece[] = []
  const theirs: Piece[] = []
  for (const p of pieces) {
    const k = pieceKey(p)
    const score = mix32(k, me)
    if (others.every(o => mix32(k, o) < score)) mine.push(p)
    else theirs.push(p)
  }
  return { mine, theirs }
}
