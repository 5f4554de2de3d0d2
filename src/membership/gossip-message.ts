import type { PeerId } from '@libp2p/interface'
import { MAX_GOSSIP_BYTES } from './constants.js'
import { RecordRejectedError } from './errors.js'
import { GossipMessage, type SignedRecord } from './pb/state.js'
import { peerIdFromBytes } from './peer-bytes.js'
import type { Version } from './types.js'

export type DecodedGossip =
  | { kind: 'record', signed: SignedRecord }
  | { kind: 'suspicion', subject: PeerId, version: Version }

/** Decode one state-topic message: size limit first, then exactly one of record/suspicion. */
export function decodeGossip (data: Uint8Array): DecodedGossip {
  if (data.byteLength > MAX_GOSSIP_BYTES) throw new RecordRejectedError('oversized', `gossip message is ${data.byteLength} bytes, over ${MAX_GOSSIP_BYTES}`)
  let msg: GossipMessage
  try {
    msg = GossipMessage.decode(data)
  } catch (err) {
    throw new RecordRejectedError('malformed', `gossip message does not decode: ${(err as Error).message}`)
  }
  if ((msg.record == null) === (msg.suspicion == null)) throw new RecordRejectedError('malformed', 'gossip message must carry exactly one of record, suspicion')
  if (msg.record != null) return { kind: 'record', signed: msg.record }
  const s = msg.suspicion as NonNullable<GossipMessage['suspicion']>
  let subject: PeerId
  try {
    subject = peerIdFromBytes(s.subject)
  } catch (err) {
    throw new RecordRejectedError('malformed', `suspicion subject is not a peer ID: ${(err as Error).message}`)
  }
  return { kind: 'suspicion', subject, version: { bootEpoch: s.bootEpoch, seq: s.seq } }
}

export function encodeRecordMessage (signed: SignedRecord): Uint8Array {
  return GossipMessage.encode({ record: signed })
}

export function encodeSuspicionMessage (subject: Uint8Array, version: Version): Uint8Array {
  return GossipMessage.encode({ suspicion: { subject: subject as Uint8Array<ArrayBuffer>, bootEpoch: version.bootEpoch, seq: version.seq } })
}
