import type { Manifest } from '../types.js'
import type { Bitfield } from './bitfield.js'
import { seedShare } from './seed-share.js'

const REBUILD_MS = 500
/**
 * Once every piece of the order is taken, a change of availability may still re-sort at once, but not more often
 * than this: in a fan-out every have answer changes availability, and re-sorting for each pick then took 7% of a
 * receiver's CPU (what peers newly announce is found through their fresh queues without a re-sort anyway).
 */
const REBUILD_EXHAUSTED_MS = 50
/**
 * Requests for pieces of other receivers' shares (see seedOrder) a receiver keeps in flight at seeds. Unbounded, a
 * receiver that had asked for its whole share filled its window from the others' shares, as every other receiver
 * did from the same end: the seed sent each of those pieces several times (2.1× the image to 8 receivers).
 */
export const SEED_HELP_MAX = 4
/**
 * The cap holds only while some other receiver announced a gain this recently: receivers that stopped pulling (a
 * pull cancelled, a node wedged) keep a share nobody else would fetch at more than SEED_HELP_MAX at a time.
 */
export const SEED_HELP_STALE_MS = 2_000
/** Endgame starts when at most this many pieces are still outstanding. */
export const ENDGAME_MAX_PIECES = 32

/** Take `peer` off the peers `p` is requested from. */
export function dropRequester (p: Piece, peer: string): void {
  const i = p.requesters.indexOf(peer)
  if (i >= 0) p.requesters.splice(i, 1)
}

export const enum PieceState { Missing = 0, Requested = 1, Storing = 2, Done = 3 }

/** One distinct non-zero chunk of a manifest, with where it occurs and who is fetching it. */
export interface Piece {
  id: string
  size: number
  /** Indexes in manifest.chunks where this chunk occurs (first one is used to read peers' bitfields). */
  entries: number[]
  state: PieceState
  /**
   * Peers it is requested from now (more than one only in endgame), a short list: a Set per piece was 16-19 of the
   * 23 ms that building a 1 GiB image's 38,000 pieces took at the start of its pull.
   */
  requesters: string[]
  /** How many connected peers hold it. */
  availability: number
  /** The first 32 bits of its ID: its place in the order all receivers share (seed-share.ts). */
  key: number
}

/**
 * Chooses the next chunk to ask a peer for: rarest first (equally rare pieces in manifest order from a random place
 * on, so receivers diverge and can trade with each other while seeders read runs of neighbours), pieces that
 * failed are retried first, and once every missing piece is in flight, endgame: a piece may be asked of up to
 * `endgameRequesters` peers at once.
 *
 * Seeds (peers whose bitfield is full) are scarce upload capacity when many receivers pull at once: while some
 * connected peer is not a seed, a seed is asked only for pieces that no such peer holds, in the order of
 * `seedOrder` (this receiver's share first, then at most SEED_HELP_MAX pieces of the others' shares at a time)
 * when the picker knows its own peer ID, so receivers take disjoint pieces from it and trade the rest among
 * themselves. With seeds only, every peer is asked rarest-first.
 */
export class PiecePicker {
  readonly pieces: Piece[] = []
  private order: Piece[] = []
  private head = 0
  private retry: Piece[] = []
  /**
   * Pieces in the Requested state, which endgame duplicates: scanning every piece instead, for each pick once nothing
   * was missing, took 5% of a single-seeder receiver's CPU at 38,000 pieces.
   */
  private readonly requested = new Set<Piece>()
  private dirty = true
  private rebuiltAt = 0
  private missing = 0
  private remaining = 0
  private storing = 0
  /** Connected peers whose bitfield is full, and those whose bitfield is not (by ID where the caller names them). */
  private seeds = 0
  private partials = 0
  private readonly partialIds = new Set<string>()
  /** Per non-seed peer: the missing pieces it gained, in the order it announced them (asked of it first). */
  private readonly fresh = new Map<string, { queue: Piece[], head: number }>()
  /** What a seed is asked for, in order (see seedOrder); rebuilt with `order`. */
  private seedOrd: Piece[] = []
  private seedHead = 0
  /** Index in `pieces` of the piece whose first entry is manifest entry i, or -1. */
  private readonly firstOf: Int32Array
  /**
   * Every piece in the order seeds are asked for (seedOrder), for the set of receivers named by `shareOf`: this
   * receiver's share in manifest order, then the others' in reverse.
   */
  private shareOrder: Piece[] = []
  private shareOf = ''
  /** This receiver's share (of shareOrder), and the pieces of others' shares it has in flight at seeds. */
  private ownShare = new Set<Piece>()
  private readonly helping = new Set<Piece>()
  /** performance.now() when a non-seed peer last announced a piece it did not have. */
  private partialGainAt = -Infinity
  /** Bumped whenever a peer that found nothing to fetch might now find something (a piece came back, endgame began). */
  generation = 0
  /**
   * Set when a pick found the order used up and a re-sort pending but too soon to do (REBUILD_EXHAUSTED_MS): the
   * caller must call `refresh()` at that time, since peers that found nothing are not asked again until the
   * generation moves.
   */
  rebuildDueAt?: number

  /**
   * @param self this node's peer ID: receivers that know each other's IDs split what they ask of seeds (seedOrder);
   * without it a seed is asked in rarest-first order like any peer.
   */
  constructor (manifest: Manifest, private readonly endgameRequesters: number, private readonly random: () => number = Math.random,
    private readonly endgameMaxPieces = ENDGAME_MAX_PIECES, private readonly self?: string) {
    const byId = new Map<string, Piece>()
    this.firstOf = new Int32Array(manifest.chunks.length).fill(-1)
    manifest.chunks.forEach((c, i) => {
      if (c.zero === true) return
      let p = byId.get(c.id)
      if (p == null) {
        p = { id: c.id, size: c.size, entries: [], state: PieceState.Missing, requesters: [], availability: 0, key: Number.parseInt(c.id.slice(0, 8), 16) }
        byId.set(c.id, p)
        this.firstOf[i] = this.pieces.length
        this.pieces.push(p)
      }
      p.entries.push(i)
    })
    this.missing = this.pieces.length
    this.remaining = this.pieces.length
  }

  /** Pieces not yet stored. */
  get remainingCount (): number {
    return this.remaining
  }

  /** A piece that is already in the local store (resume) or just got stored. */
  markDone (p: Piece): void {
    if (p.state === PieceState.Done) return
    if (p.state === PieceState.Missing) this.missing--
    if (p.state === PieceState.Storing) this.storing--
    this.requested.delete(p)
    p.state = PieceState.Done
    p.requesters.length = 0
    this.remaining--
    // inside the endgame window starved peers may now duplicate the last requests
    if (this.missing === 0 && this.remaining - this.storing <= this.endgameMaxPieces) this.generation++
  }

  /** A help request (SEED_HELP_MAX) ended: the seeds that found nothing may be asked again. */
  private endHelp (p: Piece): void {
    if (this.helping.delete(p)) this.generation++
  }

  markStoring (p: Piece): void {
    this.endHelp(p)
    if (p.state === PieceState.Missing) {
      this.missing--
      if (this.missing === 0) this.generation++
    }
    if (p.state !== PieceState.Storing) this.storing++
    this.requested.delete(p)
    p.state = PieceState.Storing
  }

  /** Storing failed or was abandoned: fetch it again. */
  markMissing (p: Piece): void {
    this.endHelp(p)
    if (p.state === PieceState.Missing || p.state === PieceState.Done) return
    if (p.state === PieceState.Storing) this.storing--
    this.requested.delete(p)
    p.state = PieceState.Missing
    this.missing++
    this.retry.push(p)
    this.generation++
  }

  /** A request for `p` to `peer` ended without the piece. */
  release (p: Piece, peer: string): void {
    dropRequester(p, peer)
    if (p.state === PieceState.Requested && p.requesters.length === 0) this.markMissing(p)
  }

  /**
   * Account a peer's holdings: call with the old bitfield (or undefined) and the new one (or undefined when it left).
   * `peer` names it (receivers split what they ask of seeds by their IDs). `changed`, when given, lists every entry
   * whose bit differs between the two (an incremental have answer): only those are looked at.
   */
  updateAvailability (before: Bitfield | undefined, after: Bitfield | undefined, peer?: string, changed?: Iterable<number>): void {
    if (before != null) {
      if (before.isFull()) this.seeds--
      else this.partials--
    }
    if (after != null) {
      if (after.isFull()) this.seeds++
      else this.partials++
    }
    if (peer != null) {
      const partial = after != null && !after.isFull()
      if (partial !== this.partialIds.has(peer)) this.dirty = true
      if (partial) this.partialIds.add(peer)
      else this.partialIds.delete(peer)
    }
    let lost = after == null
    const queue = peer != null && after != null && !after.isFull() ? this.freshOf(peer) : undefined
    if (peer != null && queue === undefined) this.fresh.delete(peer)
    const account = (p: Piece, e: number): void => {
      const had = before?.get(e) === true
      const has = after?.get(e) === true
      if (had !== has) {
        p.availability += has ? 1 : -1
        this.dirty = true
        if (had) lost = true
        else {
          if (queue !== undefined) this.partialGainAt = performance.now()
          if (p.state === PieceState.Missing) queue?.queue.push(p)
        }
      }
    }
    if (changed != null) {
      for (const e of changed) {
        const i = this.firstOf[e] ?? -1
        if (i >= 0) account(this.pieces[i]!, e)
      }
    } else {
      for (const p of this.pieces) account(p, p.entries[0] ?? 0)
    }
    // fewer holders (or no partial peer left) may give a seed pieces it may be asked for again
    if (lost) this.generation++
  }

  private freshOf (peer: string): { queue: Piece[], head: number } {
    let q = this.fresh.get(peer)
    if (q === undefined) {
      q = { queue: [], head: 0 }
      this.fresh.set(peer, q)
    }
    return q
  }

  /** `bits` is a seed's and some connected peer is not: ask it only for pieces no non-seed peer holds. */
  private seedOnly (bits: Bitfield): boolean {
    return this.partials > 0 && bits.isFull()
  }

  /** `p` is missing and `bits` holds it; for a seed-only pick, no non-seed peer holds it. */
  private eligible (p: Piece, bits: Bitfield, seedOnly: boolean): boolean {
    return p.state === PieceState.Missing && bits.get(p.entries[0] ?? 0) && (!seedOnly || p.availability <= this.seeds)
  }

  /**
   * Re-sort what is missing. With a non-seed peer connected, `order` (asked of non-seed peers, rarest first) holds
   * only pieces some non-seed peer has and `seedOrd` the pieces only seeds have (this receiver's share first), so
   * neither scan walks past the many pieces only a seed can serve. Without one, `order` is every missing piece.
   */
  private rebuild (): void {
    const split = this.self != null && this.partials > 0
    // rarest first: one bucket per availability (a small number), each in manifest order from a random place on,
    // wrapping around. Receivers start at different places, so they hold different pieces to trade (what a random
    // order gave), and each asks for runs of neighbouring pieces, which the seeder reads with one pread per run
    // (in a random order it read every chunk on its own: 22,000 preads for a 256 MiB disk; on a spinning disk, seeks)
    const buckets: Piece[][] = []
    for (const p of this.pieces) {
      if (p.state !== PieceState.Missing || (split && p.availability <= this.seeds)) continue
      const b = buckets[p.availability] ?? (buckets[p.availability] = [])
      b.push(p)
    }
    this.order = []
    for (const b of buckets) {
      if (b === undefined) continue
      const start = Math.floor(this.random() * b.length)
      for (let i = start; i < b.length; i++) this.order.push(b[i]!)
      for (let i = 0; i < start; i++) this.order.push(b[i]!)
    }
    this.head = 0
    this.seedOrd = split ? this.seedOrder() : []
    this.seedHead = 0
    // a seed that found nothing in the old order may find something in the new one
    this.generation++
    this.retry = []
    this.dirty = false
    this.rebuildDueAt = undefined
  }

  /**
   * Pieces only seeds hold, this receiver's share (seedShare, cached per set of receivers) first in manifest order,
   * then the others' in reverse manifest order: their owners walk up, a receiver done with its own share helps from
   * the far end, so the two meet once. A piece another receiver has only requested is invisible here; random picks would
   * collide on those ever more often as the pieces nobody holds run out.
   */
  private seedOrder (): Piece[] {
    const receivers = [...this.partialIds].sort().join(',')
    if (receivers !== this.shareOf) {
      const { mine, theirs } = seedShare(this.pieces, this.self!, this.partialIds)
      // seedShare keeps manifest order
      this.shareOrder = mine.concat(theirs.reverse())
      this.ownShare = new Set(mine)
      this.shareOf = receivers
    }
    return this.shareOrder.filter(p => p.state === PieceState.Missing && p.availability <= this.seeds)
  }

  /** Re-sort now if availability changed since the last sort (bumps the generation when it does). */
  refresh (): void {
    this.rebuildDueAt = undefined
    if (!this.dirty || this.missing === 0) return
    this.rebuild()
    this.rebuiltAt = performance.now()
  }

  /** The next piece to ask `peer` for, marked requested; undefined when it has nothing useful now. */
  pick (peer: string, bits: Bitfield): Piece | undefined {
    if (this.missing > 0) {
      // availability changes with every bitfield update; re-sorting at most every REBUILD_MS keeps that cheap
      const now = performance.now()
      const since = now - this.rebuiltAt
      while (this.head < this.order.length && this.order[this.head]?.state !== PieceState.Missing) this.head++
      const exhausted = this.head >= this.order.length
      if (this.dirty && (since >= REBUILD_MS || (exhausted && since >= REBUILD_EXHAUSTED_MS))) {
        this.rebuild()
        this.rebuiltAt = now
      } else if (this.dirty && exhausted) {
        this.rebuildDueAt = this.rebuiltAt + REBUILD_EXHAUSTED_MS
      }
      const seedOnly = this.seedOnly(bits)
      for (let i = 0; i < this.retry.length; i++) {
        const p = this.retry[i]
        if (p == null) continue
        if (p.state !== PieceState.Missing) {
          this.retry.splice(i--, 1)
          continue
        }
        if (this.eligible(p, bits, seedOnly)) {
          this.retry.splice(i, 1)
          return this.take(p, peer)
        }
      }
      if (seedOnly && this.self != null) {
        while (this.seedHead < this.seedOrd.length && this.seedOrd[this.seedHead]?.state !== PieceState.Missing) this.seedHead++
        for (let i = this.seedHead; i < this.seedOrd.length; i++) {
          const p = this.seedOrd[i]
          if (p == null || !this.eligible(p, bits, true)) continue
          if (this.ownShare.has(p)) return this.take(p, peer)
          // the others' shares come after this receiver's own: a few at a time (SEED_HELP_MAX) while the others
          // are seen to progress; each help request that ends bumps the generation, so this seed is asked again
          if (this.helping.size >= SEED_HELP_MAX && performance.now() - this.partialGainAt < SEED_HELP_STALE_MS) return undefined
          this.helping.add(p)
          return this.take(p, peer)
        }
        return undefined
      }
      // a non-seed peer is first asked for what it announced most recently gaining: found without a scan of the order,
      // which the next rebuild (at most REBUILD_MS away) has not re-sorted to include yet
      const q = this.fresh.get(peer)
      if (q !== undefined && !seedOnly) {
        while (q.head < q.queue.length) {
          const p = q.queue[q.head++]!
          if (this.eligible(p, bits, false)) return this.take(p, peer)
        }
        q.queue = []
        q.head = 0
      }
      while (this.head < this.order.length && this.order[this.head]?.state !== PieceState.Missing) this.head++
      for (let i = this.head; i < this.order.length; i++) {
        const p = this.order[i]
        if (p != null && this.eligible(p, bits, seedOnly)) return this.take(p, peer)
      }
      return undefined
    }
    // endgame: everything missing is in flight somewhere, and little is left: duplicate those requests so the
    // slowest peer does not hold up the end (with large windows, earlier duplication would only waste bandwidth)
    if (this.remaining - this.storing > this.endgameMaxPieces) return undefined
    for (const p of this.requested) {
      if (p.requesters.length < this.endgameRequesters && !p.requesters.includes(peer) && bits.get(p.entries[0] ?? 0)) {
        p.requesters.push(peer)
        return p
      }
    }
    return undefined
  }

  private take (p: Piece, peer: string): Piece {
    p.state = PieceState.Requested
    this.requested.add(p)
    if (!p.requesters.includes(peer)) p.requesters.push(peer)
    this.missing--
    if (this.missing === 0) this.generation++
    return p
  }
}
