import { NovacronError } from '../errors.js'

/** Why a peer's record or message was refused; also the `reason` label of the rejection counter. */
export type RejectReason = 'forged' | 'stale' | 'oversized' | 'malformed'

/** A record or gossip message that is not accepted. Nothing was changed. */
export class RecordRejectedError extends NovacronError {
  override name = 'RecordRejectedError'
  readonly reason: RejectReason

  constructor (reason: RejectReason, message: string) {
    super(message, `ERR_RECORD_${reason.toUpperCase()}`)
    this.reason = reason
  }
}

/** A state-sync or probe exchange failed (timeout, bad frame, refused). */
export class MembershipProtocolError extends NovacronError {
  override name = 'MembershipProtocolError'
}

/** A label change that cannot be applied. */
export class LabelError extends NovacronError {
  override name = 'LabelError'
}
