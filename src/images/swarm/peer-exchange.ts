import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { ProtocolViolationError } from './errors.js'
import { MAX_PEER_ID_BYTES, MAX_PEX_PEERS } from './constants.js'

/** The `peers` field of a have answer (peer exchange): each peer ID as its multihash bytes. */
export function encodePeerIds (peers: readonly string[]): Array<Uint8Array<ArrayBuffer>> {
  return peers.map(p => Uint8Array.from(peerIdFromString(p).toMultihash().bytes))
}

/**
 * Peer IDs from a have answer's `peers`, checked: at most MAX_PEX_PEERS, each a multihash of at most
 * MAX_PEER_ID_BYTES that names a peer ID. Anything else is a protocol violation (`ERR_BAD_PEERS`).
 */
export function decodePeerIds (entries: readonly Uint8Array[]): string[] {
  if (entries.length > MAX_PEX_PEERS) throw new ProtocolViolationError(`peer exchange named ${entries.length} peers, at most ${MAX_PEX_PEERS} allowed`, 'ERR_BAD_PEERS')
  return entries.map((bytes, i) => {
    if (bytes.length > MAX_PEER_ID_BYTES) throw new ProtocolViolationError(`peer exchange entry ${i} is ${bytes.length} bytes (at most ${MAX_PEER_ID_BYTES})`, 'ERR_BAD_PEERS')
    try {
      return peerIdFromMultihash(Digest.decode(bytes)).toString()
    } catch (err) {
      throw new ProtocolViolationError(`peer exchange entry ${i} is not a peer ID: ${(err as Error).message}`, 'ERR_BAD_PEERS')
    }
  })
}
