import { randomInt } from 'node:crypto'
import type { Bitfield } from './bitfield.js'

/**
 * The bitfield of an image being pulled, with the entries in the order they were gained, so a peer that polls it
 * is sent only what it has not seen (GET_HAVE with a cursor). `epoch` names this log: a peer holding a cursor into
 * another one (an earlier transfer, another node process) gets the whole bitfield.
 */
export class HaveLog {
  readonly epoch = randomInt(1, 2 ** 32 - 1)
  private readonly gained: number[] = []

  constructor (readonly bits: Bitfield) {}

  /** Entries gained so far (the cursor of an answer that includes all of them). */
  get length (): number {
    return this.gained.length
  }

  set (i: number): void {
    if (i < 0 || i >= this.bits.count || this.bits.get(i)) return
    this.bits.set(i)
    this.gained.push(i)
  }

  /** Entries gained since `cursor` (a position this log returned before). */
  since (cursor: number): number[] {
    return this.gained.slice(cursor)
  }
}
