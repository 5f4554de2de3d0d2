import { DEFAULT_DEAD_RETENTION_MS, DEFAULT_SUSPECT_TIMEOUT_MS } from './constants.js'
import { compareVersion, type Liveness, type Version } from './types.js'

/** How the view identifies a record: whose it is and its (bootEpoch, seq). */
export type Keyer<R> = (record: R) => { id: string, version: Version }

export interface Member<R> {
  id: string
  record: R
  version: Version
  liveness: Liveness
  /** When liveness last changed (ms, view clock). */
  livenessSince: number
  /** When this version of the record arrived here (ms, view clock). */
  receivedAt: number
  /** Suspect members: when they are declared dead unless they refute. */
  deadline?: number
}

export type MergeResult = 'new' | 'updated' | 'stale'

export interface Transition {
  id: string
  from: Liveness
  to: Liveness | 'forgotten'
}

export interface ClusterViewOptions {
  /** @default DEFAULT_SUSPECT_TIMEOUT_MS */
  suspectTimeoutMs?: number
  /** @default DEFAULT_DEAD_RETENTION_MS */
  deadRetentionMs?: number
}

/**
 * The cluster view: one entry per member, last-writer-wins on (bootEpoch, seq), with SWIM-style liveness
 * (alive → suspect → dead → forgotten). Pure logic on an injected clock, so the simulator runs the same code.
 * A newer record always revives a member (that is how a suspected node refutes); a forgotten member leaves a
 * tombstone so an old copy of its record cannot bring it back.
 */
export class ClusterView<R> {
  readonly selfId: string
  private readonly keyer: Keyer<R>
  private readonly suspectTimeoutMs: number
  private readonly deadRetentionMs: number
  private readonly members = new Map<string, Member<R>>()
  private readonly tombstones = new Map<string, { version: Version, until: number }>()

  constructor (selfId: string, keyer: Keyer<R>, opts: ClusterViewOptions = {}) {
    const { suspectTimeoutMs = DEFAULT_SUSPECT_TIMEOUT_MS, deadRetentionMs = DEFAULT_DEAD_RETENTION_MS } = opts
    this.selfId = selfId
    this.keyer = keyer
    this.suspectTimeoutMs = suspectTimeoutMs
    this.deadRetentionMs = deadRetentionMs
  }

  /** Replace this node's own entry (always alive in its own view). */
  setSelf (record: R, now: number): void {
    const { id, version } = this.keyer(record)
    if (id !== this.selfId) throw new Error('setSelf with a foreign record')
    this.members.set(id, { id, record, version, liveness: 'alive', livenessSince: this.members.get(id)?.livenessSince ?? now, receivedAt: now })
  }

  /**
   * Merge a peer's record. Newer than what we hold → stored and the member is alive again (or dead when
   * `remoteLiveness` says so: an anti-entropy peer already saw that version die). Same or older → 'stale'.
   */
  merge (record: R, now: number, remoteLiveness: Liveness = 'alive'): MergeResult {
    const { id, version } = this.keyer(record)
    if (id === this.selfId) return 'stale'
    const tomb = this.tombstones.get(id)
    if (tomb != null && compareVersion(version, tomb.version) <= 0) return 'stale'
    const old = this.members.get(id)
    if (old != null && compareVersion(version, old.version) <= 0) return 'stale'
    if (tomb != null) this.tombstones.delete(id)
    const liveness: Liveness = remoteLiveness === 'dead' ? 'dead' : 'alive'
    const since = old != null && old.liveness === liveness ? old.livenessSince : now
    this.members.set(id, { id, record, version, liveness, livenessSince: since, receivedAt: now })
    return old == null ? 'new' : 'updated'
  }

  /** Would `merge` store this version? (Lets callers skip signature checks on copies they already hold.) */
  isNewer (id: string, version: Version): boolean {
    if (id === this.selfId) return false
    const tomb = this.tombstones.get(id)
    if (tomb != null && compareVersion(version, tomb.version) <= 0) return false
    const old = this.members.get(id)
    return old == null || compareVersion(version, old.version) > 0
  }

  /**
   * Someone could not reach `id` at `version`, directly or indirectly. An alive member at that version
   * becomes suspect; a newer version means it already refuted. Returns the transition, if any.
   */
  suspect (id: string, version: Version, now: number): Transition | undefined {
    const m = this.members.get(id)
    if (m == null || id === this.selfId || m.liveness !== 'alive') return undefined
    if (compareVersion(version, m.version) < 0) return undefined
    m.liveness = 'suspect'
    m.livenessSince = now
    m.deadline = now + this.suspectTimeoutMs
    return { id, from: 'alive', to: 'suspect' }
  }

  /** Direct, authenticated contact with `id` itself (a probe answered): it is alive at its current version. */
  confirmAlive (id: string, now: number): Transition | undefined {
    const m = this.members.get(id)
    if (m == null || m.liveness === 'alive') return undefined
    const from = m.liveness
    m.liveness = 'alive'
    m.livenessSince = now
    delete m.deadline
    return { id, from, to: 'alive' }
  }

  /** Advance timers: suspects past their deadline die; the dead past retention are forgotten. */
  tick (now: number): Transition[] {
    const out: Transition[] = []
    for (const m of this.members.values()) {
      if (m.liveness === 'suspect' && m.deadline != null && now >= m.deadline) {
        m.liveness = 'dead'
        m.livenessSince = now
        delete m.deadline
        out.push({ id: m.id, from: 'suspect', to: 'dead' })
      } else if (m.liveness === 'dead' && now - m.livenessSince >= this.deadRetentionMs) {
        this.members.delete(m.id)
        this.tombstones.set(m.id, { version: m.version, until: now + this.deadRetentionMs })
        out.push({ id: m.id, from: 'dead', to: 'forgotten' })
      }
    }
    for (const [id, t] of this.tombstones) if (now >= t.until) this.tombstones.delete(id)
    return out
  }

  get (id: string): Member<R> | undefined {
    return this.members.get(id)
  }

  /** Every member, this node included. */
  all (): Array<Member<R>> {
    return [...this.members.values()]
  }

  /** Other members (not self) that are not dead: candidates for probing and anti-entropy. */
  peers (includeDead = false): Array<Member<R>> {
    return this.all().filter(m => m.id !== this.selfId && (includeDead || m.liveness !== 'dead'))
  }

  get size (): number {
    return this.members.size
  }
}
