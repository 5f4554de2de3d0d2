import type { Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'
import { BoundedLru } from '../storage/bounded-lru.js'
import { DEFAULT_PEER_RECORD_REFRESH_MS } from './peer-record-timestamp.js'

/** Peers whose last merged record is kept in memory at most. */
export const DEFAULT_LEAN_MERGE_ENTRIES = 1024

export interface LeanPeerMergesInit {
  /** How long a merged record answers merges that would change nothing. @default DEFAULT_PEER_RECORD_REFRESH_MS */
  refreshMs?: number
  /** @default DEFAULT_LEAN_MERGE_ENTRIES */
  maxEntries?: number
  now?: () => number
}

export interface LeanPeerMergesStats {
  /** Merges answered from memory: everything they carried was in the peer's record already. */
  skipped: number
  /** Merges that went to the peer store. */
  merged: number
}

interface Known { peer: Peer, at: number, protocols: Set<string>, addrs: Set<string> }

/**
 * libp2p 3 merges into its peer store on every stream a connection opens or accepts (the negotiated protocol) and
 * for every peer a DHT answer names (its addresses). Each merge takes the peer's write lock, reads and decodes the
 * record, builds its Peer objects and encodes it again: 65-190 µs of CPU here for a merge that changes nothing,
 * which is almost every one of them. In an 8-receiver fan-out of a 64 MiB image the nine nodes merged 8,184 times
 * in a minute: 4,344 addresses from DHT answers, 3,245 protocols of new streams.
 *
 * This answers a merge of only protocols and/or addresses from memory when the peer's record, as the last merge
 * that reached the store returned it less than `refreshMs` ago, has every one of them: the store would change
 * only the record's `updated` stamp, whose write it skips for the same time anyway (peer-record-timestamp.ts).
 * Any other write of a peer (save, patch, delete, a merge of tags or metadata, a consumed peer record) forgets what
 * was kept, and a merge that overlapped any of those does not keep its result. Installed on the peer store
 * instance itself, so libp2p's own components (which hold the same object) go through it. Returns its counters.
 */
export function withLeanPeerMerges (store: PeerStore, init: LeanPeerMergesInit = {}): LeanPeerMergesStats {
  const { refreshMs = DEFAULT_PEER_RECORD_REFRESH_MS, maxEntries = DEFAULT_LEAN_MERGE_ENTRIES, now = Date.now } = init
  const known = new BoundedLru<Known>({ maxEntries })
  const stats: LeanPeerMergesStats = { skipped: 0, merged: 0 }
  // counts the writes other than merges (of any peer: a consumed record names its peer inside)
  let writes = 0
  const forget = (key?: string): void => {
    writes++
    if (key != null) known.delete(key)
    else known.clear()
  }

  const merge = store.merge.bind(store)
  store.merge = async (id: PeerId, data: PeerData, options) => {
    const key = id.toString()
    const k = known.get(key)
    if (k != null && now() - k.at < refreshMs && covered(data, k)) {
      stats.skipped++
      return k.peer
    }
    const before = writes
    const peer = await merge(id, data, options)
    stats.merged++
    if (writes === before) known.set(key, { peer, at: now(), protocols: new Set(peer.protocols), addrs: new Set(peer.addresses.map(a => a.multiaddr.toString())) })
    else known.delete(key)
    return peer
  }
  // a write forgets what was kept of its peer (of every peer when the key is not known) before and after it runs
  const forgetting = <A extends unknown[], R>(write: (...args: A) => Promise<R>, keyOf: (...args: A) => string | undefined) =>
    async (...args: A): Promise<R> => {
      const key = keyOf(...args)
      forget(key)
      try {
        return await write(...args)
      } finally {
        forget(key)
      }
    }
  for (const name of ['save', 'patch', 'delete'] as const) {
    const write = (store[name] as (id: PeerId, ...rest: unknown[]) => Promise<unknown>).bind(store)
    ;(store as unknown as Record<string, unknown>)[name] = forgetting(write, id => id.toString())
  }
  // a consumed peer record names its peer inside: forget every peer
  store.consumePeerRecord = forgetting(store.consumePeerRecord.bind(store), (_buf: Uint8Array, _options?: unknown) => undefined)
  return stats
}

/** Whether `data` carries only protocols and addresses, all of them in `k` already. */
function covered (data: PeerData, k: Known): boolean {
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue
    if (field === 'protocols') {
      for (const p of value as string[]) if (!k.protocols.has(p)) return false
    } else if (field === 'multiaddrs') {
      for (const ma of value as NonNullable<PeerData['multiaddrs']>) if (!k.addrs.has(ma.toString())) return false
    } else {
      return false
    }
  }
  return true
}
