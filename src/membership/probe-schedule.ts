/**
 * SWIM target selection: every member is probed once per round, in an order reshuffled each round, so the
 * worst-case detection time is bounded (one round) and the expected one is half a round.
 */
export class ProbeSchedule {
  private order: string[] = []
  private next = 0
  private readonly random: () => number

  constructor (random: () => number = Math.random) {
    this.random = random
  }

  /** The next member to probe among `candidates`, or undefined when there is none. */
  pick (candidates: readonly string[]): string | undefined {
    if (candidates.length === 0) return undefined
    const live = new Set(candidates)
    for (let tries = 0; tries < 2; tries++) {
      while (this.next < this.order.length) {
        const id = this.order[this.next++]
        if (id != null && live.has(id)) return id
      }
      this.order = shuffle([...candidates], this.random)
      this.next = 0
    }
    return undefined
  }

  /** Up to `k` distinct helpers for an indirect probe of `target`. */
  helpers (candidates: readonly string[], target: string, k: number): string[] {
    return shuffle(candidates.filter(c => c !== target), this.random).slice(0, k)
  }
}

export function shuffle<T> (items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = items[i] as T
    items[i] = items[j] as T
    items[j] = t
  }
  return items
}
