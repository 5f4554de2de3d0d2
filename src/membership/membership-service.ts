import { setMaxListeners } from 'node:events'
import type { PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Registry } from 'prom-client'
import { loadConfig, saveConfig } from '../config/load.js'
import type { NodeConfig } from '../config/schema.js'
import type { Identity } from '../identity/identity.js'
import type { Logger } from '../logging/logger.js'
import type { Mesh, NodeRole } from '../mesh/mesh.js'
import type { Database } from '../storage/database.js'
import type { VmAllocation } from '../vms/allocation.js'
import { nextBootEpoch } from './boot-epoch.js'
import { ClusterView, type Transition } from './cluster-view.js'
import { clusterSnapshot, type ClusterSnapshot } from './cluster-snapshot.js'
import { membershipConfigOf, type MembershipConfig } from './config.js'
import { DEFAULT_INVENTORY_INTERVAL_MS, DEFAULT_SYNC_TIMEOUT_MS, MAX_VMS, STATE_TOPIC } from './constants.js'
import { heartbeatInterval, syncInterval } from './intervals.js'
import { versionOf, type MembershipContext } from './context.js'
import { applySyncResponse, buildSyncRequest, respondToSync } from './anti-entropy.js'
import { encodeRecordMessage, encodeSuspicionMessage } from './gossip-message.js'
import { stateTopicValidator } from './gossip-validator.js'
import { queryGpus } from './gpu.js'
import { measureResources, resourcesChanged } from './inventory.js'
import { applyLabelChange, type LabelChange } from './labels.js'
import { MembershipMetrics } from './metrics.js'
import { peerIdToBytes } from './peer-bytes.js'
import { ProbeProtocol } from './probe-protocol.js'
import { signRecord, type VerifiedRecord } from './record.js'
import { StateSyncProtocol } from './state-sync-protocol.js'
import { SwimDetector } from './swim-detector.js'
import type { Gpu, Liveness, NodeState, Resources, Version } from './types.js'

export interface MembershipComponents {
  dataDir: string
  role: NodeRole
  config: NodeConfig
  identity: Identity
  db: Database
  mesh: Mesh
  registry: Registry
  logger: Logger
  /** Program version carried in the record. */
  version: string
}

export interface MembershipInit extends Partial<MembershipConfig> {
  /** @default DEFAULT_INVENTORY_INTERVAL_MS */
  inventoryIntervalMs?: number
  /** Skip the nvidia-smi query (tests). */
  gpus?: Gpu[]
}

/** How often the view's suspicion/retention timers are advanced. */
const TICK_MS = 200
/** Delay between the first successful sync and gossiping this node's record to the whole cluster. */
const JOIN_ANNOUNCE_DELAY_MS = 1000
/** A peer is synced with on connect at most this often. */
const RESYNC_GAP_MS = 2000

/**
 * Resource-state gossip and failure detection (protocols/state.md, protocols/probe.md): publishes this node's
 * signed record on change and as a heartbeat, keeps the cluster view, pulls it from peers on connect
 * (anti-entropy), and runs the SWIM failure detector.
 */
export class MembershipService implements Startable {
  readonly view: ClusterView<VerifiedRecord>
  readonly metrics: MembershipMetrics
  /** Fires 'change' (a record arrived or changed) and 'liveness' (detail: Transition). */
  readonly events = new EventTarget()
  private readonly c: MembershipComponents
  private readonly cfg: MembershipConfig & { inventoryIntervalMs: number }
  private readonly gpusOverride?: Gpu[]
  private readonly log: Logger
  private readonly ctx: MembershipContext
  private readonly probe: ProbeProtocol
  private readonly sync: StateSyncProtocol
  private readonly swim: SwimDetector
  private self?: VerifiedRecord
  private bootEpoch = 0
  private seq = 0
  private resources?: Resources
  private vms: VmAllocation[] = []
  private chain: Promise<unknown> = Promise.resolve()
  private timers: Array<ReturnType<typeof setInterval>> = []
  private heartbeat?: ReturnType<typeof setTimeout>
  private periodic?: ReturnType<typeof setTimeout>
  private readonly lastSync = new Map<string, number>()
  private started = false
  private refuting = false
  /** Whether this node's record has been gossiped since start (done after the first successful sync). */
  private announced = false

  constructor (components: MembershipComponents, init: MembershipInit = {}) {
    this.c = components
    this.cfg = { ...membershipConfigOf(components.config.sections), ...stripUndefined(init), inventoryIntervalMs: init.inventoryIntervalMs ?? DEFAULT_INVENTORY_INTERVAL_MS }
    this.gpusOverride = init.gpus
    this.log = components.logger.child('membership')
    // the API's live events, the status page and the VM/placement services all listen here
    setMaxListeners(64, this.events)
    this.metrics = new MembershipMetrics(components.registry)
    this.view = new ClusterView(components.identity.peerId.toString(), versionOf, this.cfg)
    this.ctx = {
      view: this.view,
      metrics: this.metrics,
      log: this.log,
      now: () => Date.now(),
      selfRecord: () => this.ownRecord(),
      refute: reason => { this.refute(reason) },
      publishSuspicion: (subject, version) => { this.publishSuspicion(subject, version) },
      transition: t => { this.onTransition(t) },
      changed: () => { this.events.dispatchEvent(new Event('change')) }
    }
    const libp2p = components.mesh.libp2p
    this.probe = new ProbeProtocol({
      libp2p,
      logger: this.log,
      timeoutMs: this.cfg.probeTimeoutMs,
      selfVersion: () => ({ bootEpoch: this.bootEpoch, seq: this.seq }),
      onContact: (peer, version) => { this.swim.contact(peer, version) }
    })
    this.sync = new StateSyncProtocol({ libp2p, logger: this.log, timeoutMs: DEFAULT_SYNC_TIMEOUT_MS, respond: async (peer, req) => await respondToSync(this.ctx, peer, req) })
    this.swim = new SwimDetector({ ctx: this.ctx, probe: this.probe, indirectProbes: this.cfg.indirectProbes, probeTimeoutMs: this.cfg.probeTimeoutMs, onNewerVersion: peer => { this.syncWith(peer, true) } })
  }

  /** This node's current signed record. */
  ownRecord (): VerifiedRecord {
    if (this.self == null) throw new Error('membership service not started')
    return this.self
  }

  async start (): Promise<void> {
    const pubsub = this.c.mesh.libp2p.services.pubsub
    this.bootEpoch = await nextBootEpoch(this.c.db)
    const gpus = this.gpusOverride ?? await queryGpus()
    this.resources = await measureResources(this.c.dataDir, gpus)
    await this.republish('start', false)
    pubsub.topicValidators.set(STATE_TOPIC, stateTopicValidator(this.ctx))
    pubsub.subscribe(STATE_TOPIC)
    await this.probe.start()
    await this.sync.start()
    this.c.mesh.libp2p.addEventListener('peer:connect', this.onConnect)
    this.started = true
    this.timers.push(
      setInterval(() => { this.swim.round().catch(err => { this.log.warn('probe round failed', { err }) }) }, this.cfg.probeIntervalMs),
      setInterval(() => { this.tick() }, TICK_MS),
      setInterval(() => { this.remeasure() }, this.cfg.inventoryIntervalMs)
    )
    this.scheduleHeartbeat()
    this.schedulePeriodicSync()
    for (const conn of this.c.mesh.libp2p.getConnections()) this.syncWith(conn.remotePeer)
    this.log.info('membership started', { bootEpoch: this.bootEpoch })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    clearTimeout(this.heartbeat)
    clearTimeout(this.periodic)
    const pubsub = this.c.mesh.libp2p.services.pubsub
    this.c.mesh.libp2p.removeEventListener('peer:connect', this.onConnect)
    pubsub.unsubscribe(STATE_TOPIC)
    pubsub.topicValidators.delete(STATE_TOPIC)
    await this.probe.stop().catch(() => {})
    await this.sync.stop().catch(() => {})
    await this.chain.catch(() => {})
  }

  /** The VM service reports its VMs (VmAllocationSink); a change is republished at once. */
  setVms (vms: VmAllocation[]): void {
    const next = vms.slice(0, MAX_VMS).map(v => ({ ...v }))
    if (JSON.stringify(next) === JSON.stringify(this.vms)) return
    this.vms = next
    if (this.self != null) this.enqueue('vms')
  }

  /** Change custom labels: validated, saved to config.json (crash-safe), then published. */
  async changeLabels (change: LabelChange): Promise<Record<string, string>> {
    const run = async (): Promise<Record<string, string>> => {
      const onDisk = await loadConfig(this.c.dataDir)
      const labels = applyLabelChange(onDisk.labels, change)
      await saveConfig(this.c.dataDir, { ...onDisk, labels })
      // same object the status route reads, so /api/v1/status shows the change too
      const live = this.c.config.labels
      for (const k of Object.keys(live)) delete live[k]
      Object.assign(live, labels)
      await this.republish('labels')
      return { ...labels }
    }
    const p = this.chain.then(run, run)
    this.chain = p.catch(() => {})
    return await p
  }

  /** The cluster view for the API: every member (or one site's) with per-site totals. */
  snapshot (site?: string): ClusterSnapshot {
    return clusterSnapshot(this.view.all(), this.view.selfId, Date.now(), site)
  }

  /** Pull (and push) views with one peer now. */
  async syncNow (peer: PeerId): Promise<void> {
    const res = await this.sync.sync(peer, buildSyncRequest(this.ctx))
    const refuted = await applySyncResponse(this.ctx, peer, res)
    if (!this.announced && !refuted) {
      // the peer merged our record from the request; gossip it so members not connected to us learn of us now
      this.announced = true
      // give gossipsub a moment to learn the new peers' subscriptions, or the publish reaches nobody
      const t = setTimeout(() => { if (this.started) this.enqueue('joined') }, JOIN_ANNOUNCE_DELAY_MS)
      this.timers.push(t)
    }
    if (refuted) {
      this.announced = true
      await this.swim.rejoin()
    }
  }

  /** Run one failure-detector check of `id` now (tests, operator tools). */
  async checkPeer (id: string): Promise<boolean> {
    return await this.swim.check(id)
  }

  private buildState (): NodeState {
    const { config, role, identity, mesh, version } = this.c
    const state: NodeState = {
      peerId: identity.peerId.toString(),
      bootEpoch: this.bootEpoch,
      seq: this.seq,
      issuedAtMs: Date.now(),
      role,
      site: config.site,
      labels: { ...config.labels },
      resources: this.resources as Resources,
      vms: this.vms,
      addresses: mesh.addresses().slice(0, 16),
      version
    }
    if (config.region != null) state.region = config.region
    if (config.zone != null) state.zone = config.zone
    return state
  }

  /** Bump seq, sign, adopt and (unless told not to) publish this node's record. */
  private async republish (reason: string, publish = true): Promise<void> {
    this.seq++
    this.self = await signRecord(this.buildState(), this.c.identity.privateKey)
    this.view.setSelf(this.self, Date.now())
    this.ctx.changed()
    if (publish) await this.publish(encodeRecordMessage(this.self.signed), 'record')
    this.log.debug('record published', { reason, seq: this.seq })
    this.scheduleHeartbeat()
  }

  private enqueue (reason: string): void {
    this.chain = this.chain.then(async () => { await this.republish(reason) }).catch(err => { this.log.warn('cannot publish own record', { reason, err }) })
  }

  private async publish (data: Uint8Array, kind: 'record' | 'suspicion'): Promise<void> {
    if (!this.started) return
    try {
      await this.c.mesh.libp2p.services.pubsub.publish(STATE_TOPIC, data)
      this.metrics.published.inc({ kind })
    } catch (err) {
      this.log.debug('publish failed', { kind, err })
    }
  }

  /** Publish a newer record, once for any number of suspicions that arrive before it goes out. */
  private refute (reason: string): void {
    this.swim.selfSuspected()
    if (this.refuting) return
    this.refuting = true
    this.metrics.suspicion.inc({ event: 'refuted' })
    this.log.info('refuting suspicion', { reason })
    this.chain = this.chain.then(async () => {
      this.refuting = false
      await this.republish('refute')
    }).catch(err => { this.log.warn('cannot publish own record', { reason, err }) })
  }

  private publishSuspicion (subject: string, version: Version): void {
    const m = this.view.get(subject)
    if (m == null) return
    void this.publish(encodeSuspicionMessage(peerIdToBytes(peerIdFromString(subject)), version), 'suspicion')
  }

  private onTransition (t: Transition): void {
    const event = t.to === 'alive' ? 'revived' : t.to
    this.metrics.suspicion.inc({ event })
    this.log.info('member liveness changed', { peer: t.id, from: t.from, to: t.to })
    this.events.dispatchEvent(new CustomEvent('liveness', { detail: t }))
  }

  private tick (): void {
    for (const t of this.view.tick(Date.now())) this.onTransition(t)
    const counts: Record<Liveness, number> = { alive: 0, suspect: 0, dead: 0 }
    for (const m of this.view.all()) counts[m.liveness]++
    this.metrics.setMembers(counts)
  }

  /** Heartbeat: republish an unchanged record after max(heartbeatMs, N·recordBytes·D/budget) (see state.md). */
  private scheduleHeartbeat (): void {
    clearTimeout(this.heartbeat)
    if (!this.started) return
    this.heartbeat = setTimeout(() => { this.enqueue('heartbeat') }, heartbeatInterval(this.cfg.heartbeatMs, this.view.size, this.self?.size ?? 512))
  }

  /** Periodic anti-entropy with one random connected peer every max(syncIntervalMs, N·digestEntry/budget). */
  private schedulePeriodicSync (): void {
    clearTimeout(this.periodic)
    if (!this.started) return
    this.periodic = setTimeout(() => {
      this.periodicSync()
      this.schedulePeriodicSync()
    }, syncInterval(this.cfg.syncIntervalMs, this.view.size))
  }

  private remeasure (): void {
    const before = this.resources
    measureResources(this.c.dataDir, before?.gpus ?? []).then(next => {
      if (before == null || resourcesChanged(before, next)) {
        this.resources = next
        this.enqueue('resources')
      }
    }).catch(err => { this.log.warn('cannot measure resources', { err }) })
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    this.syncWith(evt.detail)
  }

  private syncWith (peer: PeerId, force = false): void {
    const id = peer.toString()
    const now = Date.now()
    if (!force && now - (this.lastSync.get(id) ?? 0) < RESYNC_GAP_MS) return
    this.lastSync.set(id, now)
    if (this.lastSync.size > 4096) this.lastSync.clear()
    this.syncNow(peer).catch(err => { this.log.debug('state sync failed', { peer: id, err }) })
  }

  private periodicSync (): void {
    const conns = this.c.mesh.libp2p.getConnections()
    const pick = conns[Math.floor(Math.random() * conns.length)]
    if (pick != null) this.syncWith(pick.remotePeer, true)
  }
}

function stripUndefined<T extends object> (o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
