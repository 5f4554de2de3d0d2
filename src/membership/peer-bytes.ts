import type { PeerId } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'

/** The wire form of a peer ID (its multihash bytes). */
export function peerIdToBytes (peerId: PeerId): Uint8Array {
  return peerId.toMultihash().bytes
}

/** Parse wire bytes into a PeerId; throws on anything that is not a valid peer ID multihash. */
export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes))
}
