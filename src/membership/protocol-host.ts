import type { Libp2p } from '@libp2p/interface'

/** The part of libp2p a request/response protocol needs (a stub in protocol tests). */
export type ProtocolHost = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'peerId'>
