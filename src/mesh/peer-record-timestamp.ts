/**
 * libp2p's peer store (@libp2p/peer-store 12) writes a peer's whole record on every merge/patch/save, stamping
 * `updated = Date.now()` even when nothing else changed, and a connection merges the negotiated protocol into
 * the record on every stream it opens or accepts, so a busy node rewrote the same record on each stream. The
 * stamp only serves expiry (a record untouched for 6 h whose addresses were all observed over 1 h ago is dropped),
 * so such a write may wait until the stored stamp is `refreshMs` old.
 */

/** Key prefix of peer records in libp2p's datastore. */
export const PEER_RECORD_PREFIX = '/peers/'
/** Field number of `updated` (uint64, ms since the epoch) in the peer store's `Peer` message. */
const UPDATED_FIELD = 8
/** How stale the stored `updated` stamp of an otherwise unchanged peer record may get before it is rewritten. */
export const DEFAULT_PEER_RECORD_REFRESH_MS = 60_000

/**
 * A `skipPut` for DatastoreReadCache: skips the write of a peer record that differs from the stored one only in its
 * `updated` stamp, while the stored stamp is younger than `refreshMs`.
 */
export function skipTimestampOnlyPeerWrites (opts: { refreshMs?: number, now?: () => number } = {}): (key: string, stored: Uint8Array, value: Uint8Array) => boolean {
  const { refreshMs = DEFAULT_PEER_RECORD_REFRESH_MS, now = Date.now } = opts
  return (key, stored, value) => {
    if (!key.startsWith(PEER_RECORD_PREFIX)) return false
    const a = splitUpdated(stored)
    const b = splitUpdated(value)
    if (a == null || b == null || a.updated == null) return false
    return now() - a.updated < refreshMs && sameFields(a.rest, b.rest)
  }
}

interface Split {
  /** Every top-level field but `updated`, as encoded. */
  rest: Uint8Array[]
  updated?: number
}

/** Top-level fields of a protobuf message, `updated` taken out; undefined when the bytes do not parse. */
export function splitUpdated (buf: Uint8Array): Split | undefined {
  const rest: Uint8Array[] = []
  let updated: number | undefined
  let pos = 0
  const varint = (): number | undefined => {
    let value = 0
    let scale = 1
    for (let i = 0; i < 10 && pos < buf.length; i++) {
      const byte = buf[pos++]!
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) return value
      scale *= 128
    }
    return undefined
  }
  while (pos < buf.length) {
    const start = pos
    const tag = varint()
    if (tag == null) return undefined
    const field = Math.floor(tag / 8)
    const wire = tag % 8
    if (wire === 0) {
      const v = varint()
      if (v == null) return undefined
      if (field === UPDATED_FIELD) {
        updated = v
        continue
      }
    } else if (wire === 2) {
      const len = varint()
      if (len == null || pos + len > buf.length) return undefined
      pos += len
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4
      if (pos > buf.length) return undefined
    } else {
      return undefined
    }
    rest.push(buf.subarray(start, pos))
  }
  return { rest, updated }
}

function sameFields (a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (Buffer.compare(a[i]!, b[i]!) !== 0) return false
  }
  return true
}
