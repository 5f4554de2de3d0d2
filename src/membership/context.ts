import type { Logger } from '../logging/logger.js'
import type { ClusterView, Transition } from './cluster-view.js'
import type { MembershipMetrics } from './metrics.js'
import type { VerifiedRecord } from './record.js'
import type { Version } from './types.js'

/** What the gossip, anti-entropy and failure-detector parts share with the membership service. */
export interface MembershipContext {
  view: ClusterView<VerifiedRecord>
  metrics: MembershipMetrics
  log: Logger
  now: () => number
  selfRecord: () => VerifiedRecord
  /** Bump this node's seq and publish: the answer to being suspected or declared dead. */
  refute: (reason: string) => void
  /** Tell the cluster that `subject` did not answer direct and indirect probes at `version`. */
  publishSuspicion: (subject: string, version: Version) => void
  /** Count, log and announce a liveness change. */
  transition: (t: Transition) => void
  /** The view changed (new or updated record). */
  changed: () => void
}

export function versionOf (r: VerifiedRecord): { id: string, version: Version } {
  return { id: r.state.peerId, version: { bootEpoch: r.state.bootEpoch, seq: r.state.seq } }
}
