import { randomBytes } from 'node:crypto'
import type { PeerId, PeerInfo, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { MeshLibp2p } from './create-libp2p.js'
import type { Logger } from '../logging/logger.js'
import { silentLogger } from '../logging/logger.js'
import { nextWalkInterval, type WalkIntervals } from './walk-interval.js'

export interface PeerConnectorInit {
  /** Keep at least this many connections when more peers are known. @default 32 */
  targetPeers?: number
  /** Bootstrap seed multiaddrs (with /p2p/ id), redialled while the node has no connection. */
  bootstrap?: string[]
  /** Walk interval while under target. @default 3000 */
  fastIntervalMs?: number
  /** Walk interval once at target, or when walks stop finding new peers. @default 30000 */
  slowIntervalMs?: number
  /**
   * For this long after start, a round that changed nothing is followed by one at twice the last interval (from the
   * fast one, up to the slow one), and a new connection brings back the fast one: a node started together with others
   * keeps finding them while the mesh forms (walk-interval.ts). @default 60000
   */
  warmupMs?: number
  /** Bound on one DHT walk. @default 10000 */
  walkTimeoutMs?: number
  /** Bound on one dial. @default 5000 */
  dialTimeoutMs?: number
  /** Longest back-off between dials of an unreachable peer. @default 60000 */
  maxBackoffMs?: number
  logger?: Logger
}

interface Backoff { until: number, delay: number }

/** Back-off after a peer's first failed dial; it doubles with each further failure, up to maxBackoffMs. */
const FIRST_BACKOFF_MS = 250

/**
 * Turns DHT knowledge into connections. libp2p 3 does not auto-dial discovered peers, so nodes that only
 * know the bootstrap seeds would otherwise stay connected to the seeds alone. The connector:
 * - dials peers announced by discovery (bootstrap, DHT) while under `targetPeers`;
 * - walks the DHT (closest peers to itself, then to random keys) and dials what it finds;
 * - redials the bootstrap seeds and known mesh members after they drop, with exponential back-off.
 */
export class PeerConnector implements Startable {
  private readonly node: MeshLibp2p
  private readonly targetPeers: number
  private readonly seeds: Array<{ id: PeerId, addr: string }>
  private readonly intervals: WalkIntervals
  private readonly walkTimeoutMs: number
  private readonly dialTimeoutMs: number
  private readonly maxBackoffMs: number
  private readonly log: Logger
  private readonly backoff = new Map<string, Backoff>()
  private readonly dialing = new Set<string>()
  private timer?: ReturnType<typeof setTimeout>
  /** Date.now() at which the scheduled tick runs. */
  private nextTickAt = Infinity
  private controller?: AbortController
  private walks = 0
  private running = false
  private startedAt = 0
  /** Whether the last round saw peers it was not connected to and had not failed to dial (another round may help soon). */
  private sawUnconnected = true
  /** The peers connected at the end of the last round. */
  private lastConnected = new Set<string>()
  /** The interval chosen after the last round. */
  private lastIntervalMs = 0

  constructor (node: MeshLibp2p, init: PeerConnectorInit = {}) {
    const {
      targetPeers = 32, bootstrap = [], fastIntervalMs = 3000, slowIntervalMs = 30_000,
      walkTimeoutMs = 10_000, dialTimeoutMs = 5000, maxBackoffMs = 60_000, warmupMs = 60_000, logger = silentLogger
    } = init
    this.node = node
    this.targetPeers = targetPeers
    this.seeds = bootstrap.map(addr => ({ id: peerIdFromString(multiaddr(addr).getComponents().find(c => c.name === 'p2p')?.value ?? ''), addr }))
    this.intervals = { targetPeers, fastIntervalMs, slowIntervalMs, warmupMs }
    this.walkTimeoutMs = walkTimeoutMs
    this.dialTimeoutMs = dialTimeoutMs
    this.maxBackoffMs = maxBackoffMs
    this.log = logger
  }

  /** DHT walks started so far. */
  get walkCount (): number {
    return this.walks
  }

  start (): void {
    this.running = true
    this.startedAt = Date.now()
    this.controller = new AbortController()
    this.node.addEventListener('peer:discovery', this.onDiscovery)
    this.schedule(500)
  }

  stop (): void {
    this.running = false
    this.node.removeEventListener('peer:discovery', this.onDiscovery)
    this.controller?.abort()
    clearTimeout(this.timer)
  }

  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    if (this.connectionCount() < this.targetPeers) void this.dial(evt.detail.id)
  }

  private schedule (ms: number): void {
    if (!this.running) return
    clearTimeout(this.timer)
    this.nextTickAt = Date.now() + ms
    this.timer = setTimeout(() => { void this.tick() }, ms)
    this.timer.unref()
  }

  private connectedPeers (): Set<string> {
    return new Set(this.node.getConnections().map(c => c.remotePeer.toString()))
  }

  private connectionCount (): number {
    return this.connectedPeers().size
  }

  private async tick (): Promise<void> {
    this.sawUnconnected = false
    try {
      if (this.connectionCount() === 0) {
        await Promise.all(this.seeds.map(async s => { await this.dial(s.id, s.addr) }))
      }
      await this.redialMembers()
      if (this.connectionCount() < this.targetPeers && this.connectionCount() > 0) await this.walk()
    } catch (err) {
      this.log.debug('connector tick failed', { err })
    }
    const connected = this.connectedPeers()
    const next = this.nextInterval(connected)
    this.lastIntervalMs = next
    this.schedule(connected.size === 0 ? Math.min(next, this.untilSeedRedial()) : next)
  }

  private nextInterval (connected: Set<string>): number {
    const newConnection = [...connected].some(p => !this.lastConnected.has(p))
    this.lastConnected = connected
    return nextWalkInterval({
      connected: connected.size, newConnection, sawUnconnected: this.sawUnconnected, sinceStartMs: Date.now() - this.startedAt, lastIntervalMs: this.lastIntervalMs
    }, this.intervals)
  }

  /** Milliseconds until the first seed whose dial failed may be dialled again (Infinity when none failed). */
  private untilSeedRedial (): number {
    let ms = Infinity
    for (const s of this.seeds) {
      const b = this.backoff.get(s.id.toString())
      if (b != null) ms = Math.min(ms, Math.max(0, b.until - Date.now()))
    }
    return ms
  }

  /** Redial mesh members (peers that once completed identify, so proved they hold the secret) that dropped. */
  private async redialMembers (): Promise<void> {
    const members = await this.node.peerStore.all({ filters: [p => p.protocols.length > 0] })
    const connected = new Set(this.node.getConnections().map(c => c.remotePeer.toString()))
    for (const p of members) {
      if (this.connectionCount() >= this.targetPeers) break
      if (connected.has(p.id.toString())) continue
      this.dialUnconnected(p.id)
    }
  }

  /** Aborts after `ms` or when the connector stops. */
  private boundedSignal (ms: number): AbortSignal {
    const timeout = AbortSignal.timeout(ms)
    return this.controller != null ? AbortSignal.any([timeout, this.controller.signal]) : timeout
  }

  private async walk (): Promise<void> {
    const key = this.walks++ % 2 === 0 ? this.node.peerId.toMultihash().bytes : randomBytes(32)
    const signal = this.boundedSignal(this.walkTimeoutMs)
    const found = new Map<string, PeerId>()
    for await (const evt of this.node.services.dht.getClosestPeers(key, { signal })) {
      if (evt.name === 'FINAL_PEER') found.set(evt.peer.id.toString(), evt.peer.id)
      if (evt.name === 'PEER_RESPONSE') for (const p of evt.closer) found.set(p.id.toString(), p.id)
    }
    for (const id of found.values()) {
      if (this.connectionCount() >= this.targetPeers) break
      if (id.equals(this.node.peerId) || this.node.getConnections(id).length > 0) continue
      this.dialUnconnected(id)
    }
  }

  /**
   * Dial a peer found unconnected. Only one that has not failed a dial since it was last connected makes the next
   * round a fast one: a member that is down stays in the mesh's peer stores and routing tables, and every walk finds
   * it again (with one node stopped, every node of the transfer benchmark's bed walked the DHT every 3 s for as long
   * as it ran). It is still dialled whenever its back-off allows.
   */
  private dialUnconnected (id: PeerId): void {
    if (!this.backoff.has(id.toString())) this.sawUnconnected = true
    void this.dial(id)
  }

  private async dial (id: PeerId, addr?: string): Promise<void> {
    const key = id.toString()
    if (id.equals(this.node.peerId) || this.dialing.has(key)) return
    if (this.node.getConnections(id).length > 0) return
    const b = this.backoff.get(key)
    if (b != null && b.until > Date.now()) return
    this.dialing.add(key)
    try {
      const signal = this.boundedSignal(this.dialTimeoutMs)
      await this.node.dial(addr != null ? multiaddr(addr) : id, { signal })
      this.backoff.delete(key)
    } catch (err) {
      const delay = b == null ? FIRST_BACKOFF_MS : Math.min(b.delay * 2, this.maxBackoffMs)
      this.backoff.set(key, { until: Date.now() + delay, delay })
      this.log.debug('dial failed', { peer: key, err, retryInMs: delay })
      // a node without a connection dials again when the back-off ends, not at the next walk (fastIntervalMs later): a
      // node started together with its seed, before the seed listened, waited ~3 s for its first connection
      if (this.connectionCount() === 0 && Date.now() + delay < this.nextTickAt) this.schedule(delay)
    } finally {
      this.dialing.delete(key)
    }
  }
}
