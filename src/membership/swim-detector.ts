import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { MembershipContext } from './context.js'
import type { ProbeProtocol } from './probe-protocol.js'
import { ProbeSchedule } from './probe-schedule.js'
import { compareVersion, type Version } from './types.js'

export interface SwimDetectorInit {
  ctx: MembershipContext
  probe: ProbeProtocol
  indirectProbes: number
  /** The direct probe timeout (an indirect probe gets twice as long). */
  probeTimeoutMs: number
  /** A probed member answered with a newer version than we hold: pull it. */
  onNewerVersion: (peer: PeerId) => void
}

/** A failed round that took longer than this many times its timeouts says more about us than about the target. */
export const LOCAL_LAG_FACTOR = 1.5

/** Highest local-health score: probe timeouts stretch to (1 + score) × the configured ones. */
export const MAX_AWARENESS = 8

/** Most members re-probed at once after this node learns it was cut off. */
export const REJOIN_PROBES = 32

/**
 * SWIM failure detector: each round probes one member directly; when that fails, asks `indirectProbes` other
 * members to probe it (ping-req) so one bad link does not evict a healthy node; when all fail, the member
 * becomes suspect here and a suspicion is gossiped. Suspect members refute by publishing a newer record;
 * the view's timers turn unrefuted suspects dead.
 */
export class SwimDetector {
  private readonly init: SwimDetectorInit
  private readonly schedule = new ProbeSchedule()
  private running = false
  /**
   * Local health awareness (Lifeguard): grows when this node's own rounds run late or it is itself suspected,
   * shrinks with every probe answered in time. An unhealthy node waits longer before accusing anyone.
   */
  private awareness = 0

  constructor (init: SwimDetectorInit) {
    this.init = init
  }

  /** One probe round (skipped while the previous one is still running). */
  async round (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const { view } = this.init.ctx
      const target = this.schedule.pick(view.peers(true).map(m => m.id))
      if (target != null) await this.check(target)
    } finally {
      this.running = false
    }
  }

  /** Probe `id` directly, then indirectly; suspect it when nothing answers. Resolves true when it is alive. */
  async check (id: string): Promise<boolean> {
    const { ctx, probe, indirectProbes } = this.init
    const probeTimeoutMs = this.init.probeTimeoutMs * (1 + this.awareness)
    const peer = peerIdFromString(id)
    const started = Date.now()
    if (await probe.probe(peer, probeTimeoutMs).then(() => true, () => false)) {
      this.adjustAwareness(-1)
      return true
    }
    const helpers = this.schedule.helpers(ctx.view.peers().filter(m => m.liveness === 'alive').map(m => m.id), id, indirectProbes)
    const results = await Promise.all(helpers.map(async h => await probe.probeVia(peerIdFromString(h), peer, probeTimeoutMs * 2).catch(() => false)))
    if (results.some(ok => ok)) {
      ctx.log.debug('indirect probe succeeded', { peer: id, helpers: helpers.length })
      return true
    }
    const m = ctx.view.get(id)
    if (m == null || m.liveness !== 'alive') return false
    // Local health (after Lifeguard): if our own timers fired far later than asked, this node is starved of CPU
    // and the silence may be ours, not the target's. Do not accuse anyone on such a round.
    const elapsed = Date.now() - started
    if (elapsed > probeTimeoutMs * 3 * LOCAL_LAG_FACTOR) {
      this.adjustAwareness(+1)
      ctx.metrics.suspicion.inc({ event: 'skipped-local-lag' })
      ctx.log.info('probe round too slow here to suspect anyone', { peer: id, elapsedMs: elapsed })
      return false
    }
    const t = ctx.view.suspect(id, m.version, ctx.now())
    if (t != null) {
      ctx.transition(t)
      ctx.publishSuspicion(id, m.version)
    }
    return false
  }

  /** This node was itself suspected (it is refuting): likely unhealthy, so be slower to accuse others. */
  selfSuspected (): void {
    this.adjustAwareness(+1)
  }

  /** Current local-health score (0 = healthy). */
  get localHealth (): number {
    return this.awareness
  }

  private adjustAwareness (delta: number): void {
    this.awareness = Math.max(0, Math.min(MAX_AWARENESS, this.awareness + delta))
  }

  /** A peer answered a probe (or probed us): alive. Pull its record when it announced a newer version. */
  contact (peer: PeerId, version?: Version): void {
    const { ctx } = this.init
    const id = peer.toString()
    const t = ctx.view.confirmAlive(id, ctx.now())
    if (t != null) ctx.transition(t)
    const m = ctx.view.get(id)
    if (version != null && version.bootEpoch > 0 && (m == null || compareVersion(version, m.version) > 0)) this.init.onNewerVersion(peer)
  }

  /** After learning we were cut off: re-probe the members we hold as suspect or dead, at once. */
  async rejoin (): Promise<void> {
    const stale = this.init.ctx.view.peers(true).filter(m => m.liveness !== 'alive').slice(0, REJOIN_PROBES)
    await Promise.all(stale.map(async m => await this.init.probe.probe(peerIdFromString(m.id)).catch(() => undefined)))
  }
}
