import { Counter, Gauge, type Registry } from 'prom-client'
import type { RejectReason } from './errors.js'
import type { Liveness } from './types.js'

/** Membership counters in /metrics. */
export class MembershipMetrics {
  readonly accepted: Counter<'via'>
  readonly rejected: Counter<'reason'>
  readonly suspicion: Counter<'event'>
  readonly members: Gauge<'liveness'>
  readonly published: Counter<'kind'>

  constructor (registry: Registry) {
    this.accepted = new Counter({ name: 'novacron_membership_records_accepted_total', help: 'Peer state records accepted into the cluster view', labelNames: ['via'], registers: [registry] })
    this.rejected = new Counter({ name: 'novacron_membership_records_rejected_total', help: 'Peer state records or gossip messages refused, by reason', labelNames: ['reason'], registers: [registry] })
    this.suspicion = new Counter({ name: 'novacron_membership_suspicion_events_total', help: 'Failure-detector events: suspect, dead, refuted, revived, forgotten', labelNames: ['event'], registers: [registry] })
    this.members = new Gauge({ name: 'novacron_membership_members', help: 'Members in the cluster view by liveness', labelNames: ['liveness'], registers: [registry] })
    this.published = new Counter({ name: 'novacron_membership_published_total', help: 'Messages this node published on the state topic', labelNames: ['kind'], registers: [registry] })
    for (const r of ['forged', 'stale', 'oversized', 'malformed'] satisfies RejectReason[]) this.rejected.inc({ reason: r }, 0)
  }

  setMembers (counts: Record<Liveness, number>): void {
    for (const [k, v] of Object.entries(counts)) this.members.set({ liveness: k }, v)
  }
}
