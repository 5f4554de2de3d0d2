import { createHash } from 'node:crypto'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { bootstrap } from '@libp2p/bootstrap'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import { Counter, type Registry } from 'prom-client'
import { DHT_PROTOCOL, PING_MAX_INBOUND_STREAMS, PING_MAX_OUTBOUND_STREAMS, YAMUX_STREAM_WINDOW_BYTES } from '../constants.js'
import { writeCoalescer } from './write-coalescer.js'
import { withHalfWindowUpdates } from './yamux-window.js'
import { cachedKeyNoiseCrypto } from './noise-crypto.js'
import { withLeanNoiseReceive } from './noise-decrypt.js'
import { clusterPrologue } from '../secret/cluster-secret.js'
import { DatastoreReadCache } from './datastore-read-cache.js'
import { skipTimestampOnlyPeerWrites } from './peer-record-timestamp.js'
import { withLeanPeerMerges } from './lean-peer-merges.js'

export interface MeshServices {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  [key: string]: unknown
}

export type MeshLibp2p = Libp2p<MeshServices>

export interface CreateMeshInit {
  /** Sent to peers by identify, e.g. `novacron/0.1.0 (node; site=edge-1)`. */
  userAgent?: string
  privateKey: PrivateKey
  /** Cluster secret: only holders can complete a connection. */
  secret: Uint8Array
  listen: string[]
  announce?: string[]
  bootstrap?: string[]
  /** @default 128 */
  maxConnections?: number
  /** Prometheus registry that libp2p's own metrics go to (one per node, so several nodes fit one process). */
  registry?: Registry
  /**
   * Where libp2p keeps its peer store and DHT records. A persistent one lets a restarted node redial the members
   * it knew even when every bootstrap seed is down. @default in memory
   */
  datastore?: Datastore
  /**
   * Put `datastore` behind a bounded in-memory read cache (write-through) that also skips peer-record writes which
   * change only the record's `updated` stamp (see datastore-read-cache.ts, peer-record-timestamp.ts): libp2p reads
   * and rewrites a peer's record on every stream. @default true
   */
  datastoreReadCache?: boolean
  /**
   * Streams announce receive-window credit once per half window received (yamux-window.ts); false leaves js-yamux's
   * update after every frame (tests compare the two). @default true
   */
  halfWindowUpdates?: boolean
  /**
   * Merges into the peer store that would change nothing (a new stream's protocol, a DHT answer's addresses) are
   * answered from memory (lean-peer-merges.ts); false sends every merge to the store (tests compare the two).
   * @default true
   */
  leanPeerMerges?: boolean
}

/** A local de-duplication id of a gossip message: SHA-256 over its length-prefixed from, seqno, data and signature. */
export function fastMessageId (msg: { from?: Uint8Array, seqno?: Uint8Array, data?: Uint8Array, signature?: Uint8Array }): string {
  const h = createHash('sha256')
  for (const part of [msg.from, msg.seqno, msg.data, msg.signature]) {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(part?.byteLength ?? 0)
    h.update(len)
    if (part != null) h.update(part)
  }
  return h.digest('base64')
}

/** Build (but do not start) the libp2p node of a NovaCron process. */
export async function createMeshLibp2p (init: CreateMeshInit): Promise<MeshLibp2p> {
  const { privateKey, secret, listen, announce = [], bootstrap: seeds = [], maxConnections = 128, registry, userAgent, datastoreReadCache = true, halfWindowUpdates = true, leanPeerMerges = true } = init
  const datastore = init.datastore != null && datastoreReadCache
    ? new DatastoreReadCache(init.datastore, { skipPut: skipTimestampOnlyPeerWrites() })
    : init.datastore
  const node = await createLibp2p<MeshServices>({
    start: false,
    privateKey,
    datastore,
    nodeInfo: userAgent != null ? { userAgent } : undefined,
    addresses: { listen, announce },
    transports: [tcp()],
    // one socket write per noise message instead of one per ciphertext piece (write-coalescer.ts)
    connectionProtector: writeCoalescer(),
    // noise with node:crypto's cipher (noise-crypto.ts); received messages opened without a joined copy, and length
    // prefixes read without an error per socket read (noise-decrypt.ts)
    connectionEncrypters: [components => withLeanNoiseReceive(noise({ prologueBytes: clusterPrologue(secret), crypto: cachedKeyNoiseCrypto() })(components))],
    // every stream announces window credit once per half window received, not once per frame (yamux-window.ts)
    streamMuxers: [() => {
      const muxer = yamux({ streamOptions: { initialStreamWindowSize: YAMUX_STREAM_WINDOW_BYTES, maxStreamWindowSize: 4 * YAMUX_STREAM_WINDOW_BYTES } })()
      return halfWindowUpdates ? withHalfWindowUpdates(muxer) : muxer
    }],
    peerDiscovery: seeds.length > 0 ? [bootstrap({ list: seeds, timeout: 100 })] : [],
    connectionManager: {
      maxConnections,
      maxIncomingPendingConnections: 32,
      inboundConnectionThreshold: 20
    },
    // Loopback and LAN addresses are normal on an edge site: keep them
    connectionGater: { denyDialMultiaddr: () => false },
    metrics: registry != null ? prometheusMetrics({ registry }) : undefined,
    services: {
      identify: identify(),
      // the connection monitor and kad-dht ping on the same connection: one stream each (see the constants)
      ping: ping({ maxOutboundStreams: PING_MAX_OUTBOUND_STREAMS, maxInboundStreams: PING_MAX_INBOUND_STREAMS }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // Every peer proved it holds the cluster secret, and an edge site often puts many hosts behind one IP:
        // gossipsub's IP-colocation penalty (-5 x (peers on one IP - 10)^2) would score them all below the
        // publish threshold, leaving the mesh empty and messages crawling via IHAVE/IWANT.
        scoreParams: { IPColocationFactorWeight: 0 },
        // Skip duplicates before their signature check: gossipsub verifies the publisher's signature on every
        // copy it receives (≈ D copies per message) unless a fast id identifies copies first. The id covers the
        // signature too, so a forged copy cannot shadow the genuine message.
        fastMsgIdFn: fastMessageId
      })
    }
  })
  if (leanPeerMerges) {
    const stats = withLeanPeerMerges(node.peerStore)
    if (registry != null) {
      registry.registerMetric(new Counter({
        name: 'novacron_peer_store_merges_total',
        help: 'Merges into libp2p\'s peer store: answered from memory (skipped: nothing to change) or stored',
        labelNames: ['result'],
        registers: [],
        collect () {
          this.reset()
          this.inc({ result: 'skipped' }, stats.skipped)
          this.inc({ result: 'stored' }, stats.merged)
        }
      }))
    }
  }
  return node
}
