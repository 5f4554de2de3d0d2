import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { MembershipContext } from './context.js'
import { RecordRejectedError } from './errors.js'
import { decodeGossip } from './gossip-message.js'
import { verifyRecord } from './record.js'
import { compareVersion } from './types.js'

/**
 * Topic validator of the state topic: every message is checked (and merged) before gossipsub delivers or
 * forwards it. Forged, oversized and malformed messages are rejected (the forwarding peer is penalised by
 * gossipsub scoring); stale or replayed records are ignored (not forwarded); new ones are accepted.
 */
export function stateTopicValidator (ctx: MembershipContext): (peer: PeerId, msg: Message) => Promise<TopicValidatorResult> {
  return async (_peer, msg) => {
    try {
      if (msg.type !== 'signed') throw new RecordRejectedError('malformed', 'unsigned message on the state topic')
      const decoded = decodeGossip(msg.data)
      if (decoded.kind === 'record') {
        const rec = await verifyRecord(decoded.signed, msg.from)
        const result = ctx.view.merge(rec, ctx.now())
        if (result === 'stale') throw new RecordRejectedError('stale', `stale or replayed record of ${rec.state.peerId}`)
        ctx.metrics.accepted.inc({ via: 'gossip' })
        ctx.changed()
        return TopicValidatorResult.Accept
      }
      const subject = decoded.subject.toString()
      const self = ctx.selfRecord().state
      if (subject === self.peerId) {
        if (compareVersion(decoded.version, self) >= 0) ctx.refute(`suspected by ${msg.from.toString()}`)
        return TopicValidatorResult.Ignore
      }
      const m = ctx.view.get(subject)
      if (m == null || compareVersion(decoded.version, m.version) < 0) return TopicValidatorResult.Ignore
      const t = ctx.view.suspect(subject, decoded.version, ctx.now())
      if (t != null) ctx.transition(t)
      return TopicValidatorResult.Accept
    } catch (err) {
      if (!(err instanceof RecordRejectedError)) {
        ctx.log.warn('state topic validator failed', { err })
        return TopicValidatorResult.Ignore
      }
      ctx.metrics.rejected.inc({ reason: err.reason })
      ctx.log.debug('state message refused', { reason: err.reason, from: msg.type === 'signed' ? msg.from.toString() : undefined, err })
      return err.reason === 'stale' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
    }
  }
}
