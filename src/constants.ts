/** Prefix of every wire protocol ID: `/${PROTOCOL_PREFIX}/${name}/${version}`. */
export const PROTOCOL_PREFIX = 'novacron'

/** Build a protocol ID such as `/novacron/chunks/1.0.0`. */
export function protocolId (name: string, version: string): string {
  return `/${PROTOCOL_PREFIX}/${name}/${version}`
}

/** The private Kademlia DHT protocol: never the public IPFS DHT (`/ipfs/kad/1.0.0`). */
export const DHT_PROTOCOL = protocolId('kad', '1.0.0')

/** Program version reported by `status` and the API. Kept equal to package.json's by a unit test. */
export const VERSION = '0.1.0'

/** Default TCP port of the local HTTP API. */
export const DEFAULT_API_PORT = 7600
/** Default address the HTTP API binds to: localhost only. */
export const DEFAULT_API_HOST = '127.0.0.1'
/** Default libp2p listen address of a node. */
export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001'
/** Default connection-manager ceiling. */
export const DEFAULT_MAX_CONNECTIONS = 128
/**
 * Concurrent outbound `/ipfs/ping/1.0.0` streams per connection (libp2p's default is 1), and inbound ones accepted.
 * Two users ping on the same connection: libp2p's connection monitor (every 10 s) and kad-dht's routing table (a new
 * or old contact). With one allowed, the monitor's ping failed with TooManyOutboundProtocolStreams whenever the
 * DHT's was still running, and the monitor then aborted the whole connection: in the test bed, during a 4-seeder
 * pull, with every chunk stream on it (the receiver re-dialled and ramped its windows up again). Inbound stays above
 * outbound so a peer's two pings are never refused.
 */
export const PING_MAX_OUTBOUND_STREAMS = 2
export const PING_MAX_INBOUND_STREAMS = 4

/**
 * yamux stream window (bytes a sender may have unacknowledged per stream). The default 256 KiB caps a stream at
 * 256 KiB per round trip — 5 MB/s once a 100 Mbit/s link's queue adds 50 ms — and js-yamux only grows it when a
 * window drains within 4 ping RTTs measured on an idle link, i.e. never under load. Both ends take this as the
 * starting window (js-yamux does not announce it), so every node of a cluster must use the same value.
 */
export const YAMUX_STREAM_WINDOW_BYTES = 4 * 1024 * 1024
/** Default number of peers the connector keeps dialled when it knows of more. */
export const DEFAULT_TARGET_PEERS = 32

/** Files inside a data directory. */
export const DATA_DIR_FILES = {
  config: 'config.json',
  peerKey: 'peer.key',
  secret: 'cluster.secret',
  apiToken: 'api.token',
  db: 'db',
  /** libp2p peer store and DHT records (LevelDB), so a restart remembers the mesh. */
  peers: 'peers'
} as const
