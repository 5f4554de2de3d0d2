import { join, isAbsolute } from 'node:path'
import type { Writable } from 'node:stream'
import type { Startable } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { LevelDatastore } from 'datastore-level'
import { DATA_DIR_FILES, VERSION } from '../src/constants.js'
import { loadConfig } from '../src/config/load.js'
import type { NodeConfig } from '../src/config/schema.js'
import { loadIdentity, type Identity } from '../src/identity/identity.js'
import { readSecret } from '../src/secret/cluster-secret.js'
import { openDatabase, type Database } from '../src/storage/database.js'
import { Mesh, type NodeRole } from '../src/mesh/mesh.js'
import { ApiServer } from '../src/api/server.js'
import { ensureApiToken } from '../src/api/token.js'
import { meshRoutes } from '../src/api/routes/mesh.js'
import { metricsRoute } from '../src/api/routes/metrics.js'
import { statusPageRoute } from '../src/api/routes/status-page.js'
import { EventHub } from '../src/api/events.js'
import { eventsRoute, routeTopics } from '../src/api/routes/events.js'
import { openApiRoute } from '../src/api/routes/openapi.js'
import { clusterRoutes } from '../src/api/routes/cluster.js'
import { MembershipService } from '../src/membership/membership-service.js'
import { JsonLogger, type Logger } from '../src/logging/logger.js'
import type { ImageProvider } from '../src/images/types.js'
import { createVmService } from '../src/vms/create-vm-service.js'
import type { VmService } from '../src/vms/vm-service.js'
import { vmRoutes } from '../src/api/routes/vms.js'
import { writeFileAtomic } from '../src/storage/atomic-file.js'
import { ImageService } from '../src/images/image-service.js'
import { SwarmService } from '../src/images/swarm/swarm-service.js'
import { transferRoutes } from '../src/api/routes/transfers.js'
import { imageRoutes } from '../src/api/routes/images.js'
import { imagesConfigOf } from '../src/images/config.js'

export interface NodeOptions {
  dataDir: string
  role: NodeRole
  /** Where JSON log lines go. */
  out: Writable
  /** Test hooks: faster connector. */
  connector?: { fastIntervalMs?: number, slowIntervalMs?: number, enabled?: boolean }
  /** Test hook: where VM disks come from when the node has no image store of its own. */
  images?: ImageProvider
}

/** What every service of a node may be built from. */
export interface NodeComponents {
  dataDir: string
  role: NodeRole
  config: NodeConfig
  identity: Identity
  db: Database
  mesh: Mesh
  api: ApiServer
  registry: Registry
  logger: Logger
  startedAt: number
  /** libp2p's peer store and DHT records, kept across restarts. */
  peerStore: LevelDatastore
}

/** One NovaCron process: assembles storage, mesh, services and the HTTP API, and starts/stops them in order. */
export class NovacronNode {
  readonly components: NodeComponents
  private readonly services: Startable[] = []
  private started = false
  /** Resource-state gossip, failure detection and the cluster view (set in assemble). */
  membership!: MembershipService
  /** The node's VMs on libvirt; absent on bootstrap seeds. */
  vms?: VmService
  /** Local images (chunk store + manifests); absent on bootstrap seeds. */
  images?: ImageService
  /** The chunk swarm: serves and pulls images; absent on bootstrap seeds (they hold no images). */
  swarm?: SwarmService

  private constructor (components: NodeComponents) {
    this.components = components
  }

  /** Load config and keys and build every service; nothing listens yet. Fails before touching anything on bad config. */
  static async open (opts: NodeOptions): Promise<NovacronNode> {
    const config = await loadConfig(opts.dataDir)
    const logger = new JsonLogger({ out: opts.out, level: config.logLevel, component: opts.role })
    const identity = await loadIdentity(opts.dataDir)
    const secret = await readSecret(isAbsolute(config.secretFile) ? config.secretFile : join(opts.dataDir, config.secretFile))
    const token = await ensureApiToken(opts.dataDir)
    // libp2p's prometheus metrics also collect the process defaults into this registry
    const registry = new Registry()
    const peerStore = new LevelDatastore(join(opts.dataDir, DATA_DIR_FILES.peers))
    await peerStore.open()
    const mesh = await Mesh.create({
      identity,
      secret,
      role: opts.role,
      site: config.site,
      version: VERSION,
      listen: config.listen,
      announce: config.announce,
      bootstrap: config.bootstrap,
      maxConnections: config.connections.max,
      targetPeers: config.connections.targetPeers,
      registry,
      datastore: peerStore,
      logger: logger.child('mesh'),
      connector: opts.connector
    })
    const db = await openDatabase(opts.dataDir)
    const api = new ApiServer({ host: config.api.host, port: config.api.port, token, logger: logger.child('api') })
    const startedAt = Date.now()
    const node = new NovacronNode({ dataDir: opts.dataDir, role: opts.role, config, identity, db, mesh, api, registry, logger, startedAt, peerStore })
    if (opts.role === 'node') {
      // a committed manifest (added or pulled) is announced in the DHT so others can pull from this node
      const { chunking, qemuImg } = imagesConfigOf(config.sections)
      node.images = await ImageService.open({ dataDir: opts.dataDir, db, identity, chunking, qemuImg, logger: logger.child('images'), onManifestAdded: m => { node.swarm?.announce(m) } })
    }
    node.assemble(opts)
    return node
  }

  private assemble (opts: Pick<NodeOptions, 'images'> = {}): void {
    const { mesh, api, registry, config, role, startedAt } = this.components
    for (const r of meshRoutes(mesh, { role, site: config.site, region: config.region, zone: config.zone, labels: config.labels, version: VERSION, startedAt })) api.route(r)
    api.route(metricsRoute(registry))
    api.route(statusPageRoute())
    this.services.push(mesh)
    const { dataDir, identity, db, logger } = this.components
    this.membership = new MembershipService({ dataDir, role, config, identity, db, mesh, registry, logger, version: VERSION })
    for (const r of clusterRoutes(this.membership)) api.route(r)
    this.services.push(this.membership)
    if (this.images != null) {
      const images = this.images
      this.swarm = new SwarmService({ libp2p: mesh.libp2p, store: images.store, images, db, registry, logger: logger.child('swarm'), pin: ids => images.store.pin(ids), putVerified: async chunks => await images.store.putHashed(chunks) })
      for (const r of transferRoutes(this.swarm)) api.route(r)
      for (const r of imageRoutes(images)) api.route(r)
      this.services.push(images, this.swarm)
    }
    if (role === 'node') {
      const membership = this.membership
      this.vms = createVmService({ dataDir, sections: config.sections, db, peerId: mesh.peerId.toString(), logger: logger.child('vms'), registry },
        { images: opts.images ?? this.images, sink: vms => { membership.setVms(vms) } })
      for (const r of vmRoutes(this.vms)) api.route(r)
      this.services.push(this.vms)
    }
    // live events and the OpenAPI document read the routes of every service; the hub finds its topics at start
    const events = new EventHub({ logger: this.components.logger.child('events'), discover: () => routeTopics(api.router) })
    for (const e of ['peer:connect', 'peer:disconnect', 'peer:identify'] as const) mesh.libp2p.addEventListener(e, () => { events.notify() })
    for (const e of ['change', 'liveness']) this.membership.events.addEventListener(e, () => { events.notify() })
    api.route(eventsRoute(events))
    api.route(openApiRoute(api.router, VERSION))
    this.services.push(events)
  }

  get apiUrl (): string {
    return this.components.api.url()
  }

  async start (): Promise<void> {
    const { logger, api, dataDir, mesh, role } = this.components
    for (const s of this.services) await s.start()
    await api.start()
    await writeFileAtomic(join(dataDir, 'api.url'), api.url() + '\n')
    this.started = true
    logger.info('node started', { role, peerId: mesh.peerId.toString(), api: api.url(), addresses: mesh.addresses(), version: VERSION })
  }

  /** Stop in reverse order: API first (no new requests), then services, then close storage. */
  async stop (): Promise<void> {
    const { logger, api, db, peerStore } = this.components
    if (this.started) await api.stop()
    for (const s of [...this.services].reverse()) {
      try {
        await s.stop()
      } catch (err) {
        logger.warn('service failed to stop cleanly', { err })
      }
    }
    await db.close()
    await peerStore.close()
    this.started = false
    logger.info('node stopped')
  }
}
