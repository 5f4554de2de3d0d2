import { protocolId } from '../../constants.js'

/** The chunk swarm protocol (spec: protocols/chunks.md). */
export const CHUNKS_PROTOCOL = protocolId('chunks', '1.0.0')

/** Largest chunk accepted on the wire; FastCDC's maximum must stay below it. */
export const DEFAULT_MAX_CHUNK_BYTES = 4 * 1024 * 1024
/** Most entries a manifest may list (≈ 30 GiB at a 64 KiB average chunk). */
export const DEFAULT_MAX_MANIFEST_CHUNKS = 500_000
/** Largest response frame: a full chunk or a whole manifest. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
/** Largest request frame (requests carry a name, a version or a 32-byte ID). */
export const DEFAULT_MAX_REQUEST_BYTES = 1024
/** Longest name or version in a request. */
export const MAX_REF_LENGTH = 256

/** A request not answered within this long is abandoned and its chunk asked of another peer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000
/** Opening a stream and negotiating the protocol. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000
/** A responder closes a stream that sends no request for this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
/**
 * A server warms its store's chunk locations for an image when a peer asks for its manifest or bitfield, at most
 * this often per image (the location cache keeps 65,536 and another image's traffic may push them out meanwhile).
 */
export const LOCATION_PREFETCH_AGAIN_MS = 30_000
/** GET_CHUNK requests a responder reads from its store together (one index lookup) and answers in one write. */
export const CHUNK_READ_BATCH = 64
/**
 * Chunks a transfer's resume scan asks its store about at once (one index lookup). Nothing is requested before the
 * scan ends, and each lookup's continuation waits behind whatever else the node is doing then (sessions opening,
 * the pull's record, announcements): 38 lookups of 1024 took 430 ms in a 4-seeder pull of 1 GiB, 3 of 16,384 140 ms
 * (60 ms either way alone).
 */
export const SCAN_BATCH = 16_384
/** Requests a responder queues per stream before it resets the stream. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 256
/** Concurrent inbound / outbound chunk streams per connection. */
export const DEFAULT_MAX_INBOUND_STREAMS = 32
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64

/** Per-peer request window (pipelined requests in flight): bounds and start. */
export const DEFAULT_MIN_WINDOW = 4
/**
 * Largest request window per peer. It must stay below a responder's queue (DEFAULT_MAX_QUEUED_REQUESTS, with room
 * for have polls), or the responder resets the stream. 128 chunks (~1.2 MB of the benchmark disk's lz4 chunks) held
 * ~100 ms of a 100 Mbit/s link, less than a request's round trip through a shaped link's queue plus both ends' event
 * loops: four 100 Mbit/s seeders → one receiver at 1 GiB took 10.35 s at 128 and 9.52 s at 224 in alternating runs
 * (9.42 s at 448 with a larger queue); the unshaped single-seeder pull and the fan-out did not change beyond noise.
 */
export const DEFAULT_MAX_WINDOW = 224
export const DEFAULT_INITIAL_WINDOW = 32
/** The window holds about this many seconds of the peer's measured rate. */
export const DEFAULT_WINDOW_SECONDS = 0.5
/** In endgame a chunk may be asked of this many peers at once. */
export const DEFAULT_ENDGAME_REQUESTERS = 3
/**
 * How often a peer whose bitfield is incomplete is asked again what it has (answers carry only what it gained
 * since the last one: a few bytes).
 */
export const DEFAULT_HAVE_POLL_MS = 200
/** Consecutive timeouts after which a peer is dropped from a transfer. */
export const DEFAULT_MAX_PEER_TIMEOUTS = 3
/**
 * How often providers are looked up again during a transfer: every DEFAULT_PROVIDER_REFRESH_MS while lookups find
 * new peers, backing off (doubling) to DEFAULT_MAX_PROVIDER_REFRESH_MS while they find none. In a fan-out to eight
 * receivers the lookups and the peer records they merge took ~10% of a receiver's CPU at a fixed 5 s.
 */
export const DEFAULT_PROVIDER_REFRESH_MS = 5_000
export const DEFAULT_MAX_PROVIDER_REFRESH_MS = 30_000
/** A provider announcement (a DHT walk, then ADD_PROVIDER to the closest peers) is abandoned after this long. */
export const DEFAULT_PROVIDE_TIMEOUT_MS = 60_000
/**
 * An announcement that reached as many peers as the node is connected to is not repeated for this long
 * (provider-records.ts); kad-dht republishes the node's own records every hour when they are within 24 h of their
 * 48 h expiry.
 */
export const DEFAULT_PROVIDE_FRESH_MS = 60 * 60 * 1000
/**
 * After a peer connects, the node announces again, this much later, every image whose last announcement reached fewer
 * peers than it is connected to then (one imported while the site was cut off, or a pull that began with one peer):
 * without this such an image waits for its node's next pull or for kad-dht's republish, and lookups in a mesh larger
 * than K need not pass by its holder. The delay lets a node that is starting connect to its first peers (and identify
 * them, which fills the DHT's routing table) before it announces.
 */
export const REANNOUNCE_SETTLE_MS = 2_000
/** ... and at most once per this period (a peer that connects and drops again and again costs one pass each time). */
export const REANNOUNCE_MIN_GAP_MS = 30_000
/** kad-dht's K: an announcement reaches at most this many peers. */
export const DHT_K = 20
/** Keys whose last announcement a node remembers (two per image version it holds or pulls). */
export const PROVIDER_RECORDS_KEPT = 4096
/**
 * Most verified chunks one store write of a transfer takes (one pack append, one index batch). A transfer runs one
 * write at a time, which takes everything verified meanwhile: a store that falls behind writes larger batches
 * instead of queueing small ones. With a write per 128 chunks, the 1 GiB unshaped pull queued writes up to 170 deep
 * behind the store's lock (1.5 s each) and ended ~1 s after its last chunk arrived; 5.5–5.8 s against 3.9–4.2 s.
 */
export const MAX_STORE_WRITE_CHUNKS = 2048
/**
 * Verified bytes waiting for the store above which a transfer sends no new request: a receiver whose disk is slower
 * than its network would otherwise hold the difference in memory (~150 MB in that pull) and finish no sooner.
 */
export const DEFAULT_MAX_UNSTORED_BYTES = 32 * 1024 * 1024
/** A transfer that makes no progress for this long fails. */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000
/**
 * A pull of `NAME@VERSION` asks one provider for the manifest and one more each time this passes without an answer
 * (or at once when a request fails): 3.4 MB for a 1 GiB disk take 270 ms of a 100 Mbit/s link.
 */
export const MANIFEST_HEDGE_MS = 1_000
/**
 * A pull that found no provider of its manifest looks again after this long, or as soon as its node opens a
 * connection. Waiting the whole period after a node's start cost a pull right after it ~1 s whenever the bootstrap
 * connection was not up yet (the benchmark's 256 MiB single-seeder pull, which starts ~1.3 s after its nodes: 2.1–3.0 s
 * in 5 of 8 runs, the first lookup finding no peer; 0.92–1.15 s in the others).
 */
export const RESOLVE_RETRY_MS = 1_000
/** ... but not sooner than this after its last look (a node opens many connections at once as it starts). */
export const RESOLVE_MIN_GAP_MS = 100
/** Peers a transfer fetches from at once. */
export const DEFAULT_MAX_PEERS = 16
/**
 * Peer exchange: a transfer asks each of its peers which other peers of the image version it knows (with a have
 * poll) when it first polls it and then at most this often, while it has room for more peers. Receivers of a
 * fan-out otherwise learn of each other only from DHT lookups, the first of which runs before the others announced.
 */
export const PEX_INTERVAL_MS = 5_000
/** Most peers one peer-exchange answer may name. */
export const MAX_PEX_PEERS = 32
/** Longest peer ID (multihash bytes) in a peer-exchange answer: an identity multihash of an Ed25519 key is 38. */
export const MAX_PEER_ID_BYTES = 64
/** Image versions a node keeps the pullers of (for peer exchange), and pullers per version, the oldest dropped first. */
export const ROSTER_MAX_IMAGES = 256
export const ROSTER_MAX_PEERS = 128
