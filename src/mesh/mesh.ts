import type { PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Registry } from 'prom-client'
import type { Datastore } from 'interface-datastore'
import { createMeshLibp2p, type MeshLibp2p } from './create-libp2p.js'
import { PeerConnector } from './peer-connector.js'
import { MeshError } from './errors.js'
import { InvalidInputError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import type { Logger } from '../logging/logger.js'
import { silentLogger } from '../logging/logger.js'

export type NodeRole = 'node' | 'bootstrap'

export interface PeerSummary {
  peerId: string
  addresses: string[]
  connected: boolean
  /** Round-trip time measured by libp2p's connection monitor, when known. */
  latencyMs?: number
  /** What the peer told identify, e.g. `novacron/0.1.0 (bootstrap; site=pop-1)`. */
  agent?: string
  role?: NodeRole
  site?: string
}

export interface FoundPeer {
  peerId: string
  addresses: string[]
  durationMs: number
}

export interface MeshInit {
  identity: Identity
  secret: Uint8Array
  role: NodeRole
  site: string
  version: string
  listen: string[]
  announce?: string[]
  bootstrap?: string[]
  maxConnections?: number
  targetPeers?: number
  registry?: Registry
  /** Persistent peer store / DHT datastore (see createMeshLibp2p). */
  datastore?: Datastore
  logger?: Logger
  /** Overrides for tests: connector intervals. */
  connector?: { fastIntervalMs?: number, slowIntervalMs?: number, enabled?: boolean }
}

const AGENT = /^novacron\/[^ ]+ \((node|bootstrap); site=([A-Za-z0-9._-]+)\)$/

/** The node's place in the libp2p mesh: its libp2p instance, the peer connector and peer views. */
export class Mesh implements Startable {
  readonly libp2p: MeshLibp2p
  private readonly connector?: PeerConnector
  private readonly log: Logger

  private constructor (libp2p: MeshLibp2p, connector: PeerConnector | undefined, log: Logger) {
    this.libp2p = libp2p
    this.connector = connector
    this.log = log
  }

  static async create (init: MeshInit): Promise<Mesh> {
    const log = init.logger ?? silentLogger
    const libp2p = await createMeshLibp2p({
      privateKey: init.identity.privateKey,
      secret: init.secret,
      listen: init.listen,
      announce: init.announce,
      bootstrap: init.bootstrap,
      maxConnections: init.maxConnections,
      registry: init.registry,
      datastore: init.datastore,
      userAgent: `novacron/${init.version} (${init.role}; site=${init.site})`
    })
    const connector = init.connector?.enabled === false
      ? undefined
      : new PeerConnector(libp2p, { targetPeers: init.targetPeers, bootstrap: init.bootstrap, logger: log, ...init.connector })
    return new Mesh(libp2p, connector, log)
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  async start (): Promise<void> {
    try {
      await this.libp2p.start()
    } catch (err) {
      throw new MeshError(`cannot start libp2p: ${(err as Error).message}`, 'ERR_MESH_START', { cause: err })
    }
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.connector?.start()
    this.log.info('mesh started', { peerId: this.peerId.toString(), addresses: this.addresses() })
  }

  async stop (): Promise<void> {
    this.connector?.stop()
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.libp2p.stop()
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    this.log.info('peer connected', { peer: evt.detail.toString() })
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.log.info('peer disconnected', { peer: evt.detail.toString() })
  }

  /** Dialable addresses of this node, each ending in /p2p/<peer id>. */
  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  connectionCount (): number {
    return new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString())).size
  }

  /**
   * Every mesh member this node knows: peers that completed identify with it (so proved they hold the
   * cluster secret), connected or not. A peer that failed the handshake never appears here.
   */
  async peers (): Promise<PeerSummary[]> {
    const all = await this.libp2p.peerStore.all({ filters: [p => p.protocols.length > 0] })
    return all
      .filter(p => !p.id.equals(this.peerId))
      .map(p => {
        const conns = this.libp2p.getConnections(p.id)
        const rtts = conns.map(c => c.rtt).filter((r): r is number => typeof r === 'number')
        const agentBytes = p.metadata.get('AgentVersion')
        const agent = agentBytes != null ? new TextDecoder().decode(agentBytes) : undefined
        const m = agent != null ? AGENT.exec(agent) : null
        const summary: PeerSummary = {
          peerId: p.id.toString(),
          addresses: p.addresses.map(a => a.multiaddr.toString()),
          connected: conns.length > 0
        }
        if (rtts.length > 0) summary.latencyMs = Math.round(Math.min(...rtts) * 100) / 100
        if (agent != null) summary.agent = agent
        if (m != null) {
          summary.role = m[1] as NodeRole
          summary.site = m[2]
        }
        return summary
      })
      .sort((a, b) => a.peerId.localeCompare(b.peerId))
  }

  /** Look a peer up through the DHT (it need not be connected to us). */
  async findPeer (id: string, timeoutMs = 10_000): Promise<FoundPeer> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(id)
    } catch {
      throw new InvalidInputError('peerId', `"${id}" is not a valid peer ID`)
    }
    const started = performance.now()
    try {
      for await (const evt of this.libp2p.services.dht.findPeer(peerId, { signal: AbortSignal.timeout(timeoutMs) })) {
        if (evt.name === 'FINAL_PEER') {
          return { peerId: id, addresses: evt.peer.multiaddrs.map(a => a.toString()), durationMs: Math.round(performance.now() - started) }
        }
      }
    } catch (err) {
      throw new MeshError(`DHT lookup of ${id} failed: ${(err as Error).message}`, 'ERR_PEER_NOT_FOUND', { cause: err })
    }
    throw new MeshError(`peer ${id} was not found in the DHT`, 'ERR_PEER_NOT_FOUND')
  }
}
