import type { Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Counter, Gauge, Registry } from 'prom-client'
import client from 'prom-client'
import type { ChunkStoreView, Manifest, VerifiedChunk } from '../types.js'
import type { MeshLibp2p } from '../../mesh/create-libp2p.js'
import type { Database } from '../../storage/database.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import { ProviderRecords } from './provider-records.js'
import { NotFoundError } from '../../errors.js'
import { decodeManifest, distinctChunkIds, encodeManifest } from '../manifest.js'
import { Bitfield } from './bitfield.js'
import type { HaveLog } from './have-log.js'
import { ChunkServer, type ManifestSource } from './chunk-server.js'
import { PeerSession } from './peer-session.js'
import { EarlySessions } from './early-sessions.js'
import { samplePeers, SwarmRoster } from './swarm-roster.js'
import { Transfer, type TransferOptions } from './transfer.js'
import { PullJob } from './pull-job.js'
import { DiskFileWriter } from '../materialise.js'
import { PullTempFiles, type InterruptedOut } from './pull-temp-files.js'
import { transferError, type TransferProgress } from './transfer-progress.js'
import { imageProviderKey } from './provider-key.js'
import { parseImageRef, type ImageRef } from './image-ref.js'
import { BadManifestError, NoProvidersError, TransferAbortedError } from './errors.js'
import { CHUNKS_PROTOCOL, DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_MAX_PEERS, DEFAULT_REQUEST_TIMEOUT_MS, MANIFEST_HEDGE_MS, REANNOUNCE_MIN_GAP_MS, REANNOUNCE_SETTLE_MS, RESOLVE_MIN_GAP_MS, RESOLVE_RETRY_MS } from './constants.js'

/** What the swarm needs of the node's images (part A's ImageService, adapted in node assembly). */
export interface SwarmImages {
  /** A complete local image: `name@version`, or the newest version of `name`. */
  find(name: string, version?: string): Promise<Manifest | undefined>
  /** Every complete local image (announced as provider records at start). */
  list(): Promise<Manifest[]>
  /** Record a pulled image whose chunks are all in the store. */
  addPulled(manifest: Manifest): Promise<void>
  /** Check the manifest's signature against its author's key. */
  verify(manifest: Manifest): Promise<boolean>
}

export interface SwarmServiceInit extends TransferOptions {
  libp2p: MeshLibp2p
  store: ChunkStoreView
  images: SwarmImages
  db?: Database
  registry?: Registry
  logger?: Logger
  /**
   * Store many verified chunks at once (the chunk store's putHashed, which writes `encoded` as is where given);
   * one put per chunk otherwise.
   */
  putVerified?: (chunks: VerifiedChunk[]) => Promise<unknown>
  /** Keep chunks from garbage collection while a pull holds them unreferenced; returns the release. */
  pin?: (ids: readonly string[]) => () => void
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */ requestTimeoutMs?: number
  /** How long a provider lookup may take. @default 10_000 */ lookupTimeoutMs?: number
  /** How long a pull keeps looking for a provider of its manifest (a node that just started has no peers yet). @default 15_000 */
  resolveTimeoutMs?: number
  /** @default RESOLVE_RETRY_MS */ resolveRetryMs?: number
  /** @default REANNOUNCE_SETTLE_MS */ reannounceSettleMs?: number
  /** @default REANNOUNCE_MIN_GAP_MS */ reannounceGapMs?: number
}

export interface PullOptions {
  /** Also write the disk to this file, as the chunks arrive (renamed into place once complete). */
  out?: string
  /**
   * A `pull --out` that a restarted node resumed: a destination that cannot be written any more leaves it a pull into
   * the store (the job's `outError` says why) instead of failing it.
   */
  resumed?: boolean
}

interface Metrics { served: Counter, fetched: Counter, manifestBytes: Counter, active: Gauge }
interface Resolved {
  manifest: Manifest
  peers: string[]
  /** Sessions to providers opened while the manifest was fetched (handed to the transfer). */
  early?: EarlySessions
}
type Answer = { peer: string, m: Manifest, session: PeerSession }

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * The chunk swarm of one node: serves chunks of complete and in-progress images over `/novacron/chunks/1.0.0`,
 * announces them as DHT provider records, and pulls images from every provider at once.
 */
export class SwarmService implements Startable, ManifestSource {
  private readonly libp2p: MeshLibp2p
  private readonly server: ChunkServer
  private readonly jobs = new Map<string, PullJob>()
  /** Active transfers by `name@version`. */
  private readonly active = new Map<string, Transfer>()
  private readonly log: Logger
  private readonly metrics?: Metrics
  private stopping = false
  /** Pulls in progress, so a restarted node resumes them, and the manifest each was pulling (stored form). */
  private readonly pulls
  private readonly pullManifests
  /** The provider records this node announced, and to how many peers (an announcement that reached all is not repeated). */
  private readonly providerRecords: ProviderRecords
  /** The pass that announces again what reached fewer peers than the node has now (after a peer connected). */
  private reannounceTimer?: ReturnType<typeof setTimeout>
  private lastReannounce = -Infinity
  /** The peers pulling each image version from this node (named to other pullers: peer exchange). */
  private readonly roster = new SwarmRoster()
  private readonly temps: PullTempFiles

  constructor (private readonly init: SwarmServiceInit) {
    this.libp2p = init.libp2p
    this.log = init.logger ?? silentLogger
    this.pulls = init.db?.sublevel<string, Uint8Array>('swarm-pulls', { valueEncoding: 'view' })
    this.pullManifests = init.db?.sublevel<string, Uint8Array>('swarm-pull-manifests', { valueEncoding: 'view' })
    this.temps = new PullTempFiles(init.db, this.log)
    if (init.registry != null) {
      const registers = [init.registry]
      this.metrics = {
        served: new client.Counter({ name: 'novacron_swarm_served_bytes_total', help: 'Chunk bytes sent to peers (as sent: lz4-encoded where stored so)', registers }),
        fetched: new client.Counter({ name: 'novacron_swarm_fetched_bytes_total', help: 'Chunk bytes fetched from peers and stored', registers }),
        manifestBytes: new client.Counter({ name: 'novacron_swarm_manifest_bytes_total', help: 'Bytes of manifest answers received (whole or as deltas) while resolving pulls', registers }),
        active: new client.Gauge({ name: 'novacron_swarm_active_transfers', help: 'Image pulls in progress', registers })
      }
    }
    this.providerRecords = new ProviderRecords({
      provide: (key, options) => this.libp2p.services.dht.provide(key, options),
      connectedPeers: () => this.libp2p.getPeers().length,
      logger: this.log
    })
    this.server = new ChunkServer({
      store: init.store,
      source: this,
      logger: this.log,
      onServed: bytes => { this.metrics?.served.inc(bytes) }
    })
  }

  async start (): Promise<void> {
    this.stopping = false
    await this.libp2p.handle(CHUNKS_PROTOCOL, async (stream, connection) => { await this.server.handle(stream, connection.remotePeer.toString()) }, {
      maxInboundStreams: DEFAULT_MAX_INBOUND_STREAMS,
      maxOutboundStreams: DEFAULT_MAX_OUTBOUND_STREAMS
    })
    this.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    void this.announceAll()
    const interrupted = await this.temps.removeStale()
    // resumed pulls pin their chunks before start returns (runJob)
    await this.resumePulls(interrupted)
  }

  async stop (): Promise<void> {
    this.stopping = true
    this.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    clearTimeout(this.reannounceTimer)
    this.reannounceTimer = undefined
    for (const t of this.active.values()) t.cancel('stopped: the node is shutting down')
    await this.libp2p.unhandle(CHUNKS_PROTOCOL)
  }

  // ---- serving --------------------------------------------------------------------------------------------

  async manifest (name: string, version?: string): Promise<Manifest | undefined> {
    const local = await this.init.images.find(name, version).catch(() => undefined)
    if (local != null) return local
    if (version == null) return undefined
    return this.active.get(`${name}@${version}`)?.manifest
  }

  async held (name: string, version: string): Promise<Manifest | undefined> {
    return await this.init.images.find(name, version).catch(() => undefined)
  }

  async have (name: string, version: string): Promise<Bitfield | HaveLog | undefined> {
    const t = this.active.get(`${name}@${version}`)
    if (t != null) return t.haveLog
    const local = await this.held(name, version)
    return local != null ? Bitfield.full(local.chunks.length) : undefined
  }

  /**
   * Announce provider records for `name@version` and, for a complete image, `name` (fire and forget; failures are
   * logged). A node still pulling announces the version only: a puller of `name` alone wants the newest complete
   * manifest, which a partial holder does not serve, and each record is a DHT walk plus a message to every close
   * node (in a fan-out to 8 receivers, kad-dht and peer-store work were a fifth of a receiver's profile). The
   * version announced when the pull started is not announced again at its end if that reached every peer it could
   * (provider-records.ts).
   */
  announce (manifest: Pick<Manifest, 'name' | 'version'>, complete = true): void {
    const label = `${manifest.name}@${manifest.version}`
    this.providerRecords.announce(imageProviderKey(manifest.name, manifest.version), label)
    if (complete) this.providerRecords.announce(imageProviderKey(manifest.name), label)
  }

  private async announceAll (): Promise<void> {
    try {
      for (const m of await this.init.images.list()) this.announce(m)
    } catch (err) {
      this.log.warn('cannot list images to announce', { err })
    }
  }

  /**
   * A peer connected: REANNOUNCE_SETTLE_MS later (at most once per REANNOUNCE_MIN_GAP_MS), announce again every
   * image held and every version being pulled whose last announcement reached fewer peers than the node is connected
   * to then; ProviderRecords skips the others, so a pass in a settled mesh sends nothing.
   */
  private readonly onPeerConnect = (): void => {
    if (this.reannounceTimer != null || this.stopping) return
    const settle = this.init.reannounceSettleMs ?? REANNOUNCE_SETTLE_MS
    const delay = Math.max(settle, this.lastReannounce + (this.init.reannounceGapMs ?? REANNOUNCE_MIN_GAP_MS) - performance.now())
    this.reannounceTimer = setTimeout(() => {
      this.reannounceTimer = undefined
      this.lastReannounce = performance.now()
      for (const t of this.active.values()) this.announce(t.manifest, false)
      void this.announceAll()
    }, delay)
    this.reannounceTimer.unref?.()
  }

  /**
   * A peer asked what this node has of `name@version`: it is pulling that version. It joins the roster, and a
   * transfer of that version here fetches from it too (it serves what it has while it pulls).
   */
  joined (name: string, version: string, peer: string): void {
    const key = `${name}@${version}`
    this.roster.join(key, peer)
    this.active.get(key)?.addCandidates([peer])
  }

  left (name: string, version: string, peer: string): void {
    this.roster.leave(`${name}@${version}`, peer)
  }

  /** Peer exchange: the version's pullers known here and the peers this node's own transfer of it fetches from. */
  swarmPeers (name: string, version: string, requester: string, max: number): string[] {
    const key = `${name}@${version}`
    const mine = this.active.get(key)?.peerIds() ?? []
    return samplePeers([...this.roster.peers(key), ...mine], new Set([requester, this.libp2p.peerId.toString()]), max)
  }

  // ---- pulling --------------------------------------------------------------------------------------------

  /** Start pulling `NAME[@VERSION]`; the job reports progress and settles when the image is complete. */
  pull (ref: string, opts: PullOptions = {}): PullJob {
    return this.startPull(ref, opts)
  }

  /** `known`: the manifest a resumed pull was pulling (no provider is asked for it again). */
  private startPull (ref: string, opts: PullOptions, known?: Manifest): PullJob {
    const r = parseImageRef(ref)
    if (opts.out == null) for (const j of this.jobs.values()) if (j.ref === ref && !j.finished && j.out == null) return j
    const job = new PullJob(ref, opts.out)
    this.jobs.set(job.id, job)
    void this.runJob(job, r, opts, known)
    return job
  }

  job (id: string): PullJob {
    const j = this.jobs.get(id)
    if (j == null) throw new NotFoundError(`no transfer ${id}`, 'ERR_TRANSFER_NOT_FOUND')
    return j
  }

  transfers (): TransferProgress[] {
    return [...this.jobs.values()].map(j => j.progress()).sort((a, b) => b.startedAt - a.startedAt)
  }

  private async runJob (job: PullJob, r: ImageRef, opts: PullOptions, known?: Manifest): Promise<void> {
    // a resumed pull's chunks are pinned before the first await, so before start() returns: an `image rm` (chunk GC)
    // must not take what it already verified
    let unpin = known != null ? this.pinChunks(known) : undefined
    await this.persist(job.ref, true)
    let key: string | undefined
    let recording: Promise<void> | undefined
    let early: EarlySessions | undefined
    let disk: DiskFileWriter | undefined
    let detach: (() => void) | undefined
    /** Stopped by the node's shutdown: the records stay, and the next start resumes the pull and writes its file. */
    let interrupted = false
    try {
      const local = r.version != null ? await this.init.images.find(r.name, r.version) : undefined
      const resolved = local != null || known != null ? { manifest: local ?? known!, peers: [] } : await this.resolveManifest(r).catch(async (err: Error) => {
        // nobody to ask (an isolated site): a version held here is still the answer to "the newest I can get"
        const held = err instanceof NoProvidersError ? await this.init.images.find(r.name) : undefined
        if (held == null) throw err
        return { manifest: held, peers: [] }
      })
      const manifest = resolved.manifest
      job.manifest = manifest
      key = `${manifest.name}@${manifest.version}`
      unpin ??= this.pinChunks(manifest)
      if (this.stopping) throw new TransferAbortedError('node is stopping')
      // the file is written as chunks arrive; a path that cannot be written fails the pull now, not after it
      if (opts.out != null) disk = await this.openDisk(job, manifest, opts.out, opts.resumed === true)
      // written while the transfer starts (a 1 GiB disk's manifest is 3.4 MB); awaited before the record is removed
      if (local == null && known == null) recording = this.persistManifest(job.ref, manifest)
      early = resolved.early
      const running = this.active.get(key)
      if (running != null) early?.closeAll() // joins a transfer that has its sessions
      const transfer = running ?? this.newTransfer(manifest, resolved.peers, early)
      job.transfer = transfer
      if (disk != null) {
        const d = disk
        detach = transfer.addSink({ stored: async chunks => { await d.place(chunks) }, held: entries => { d.prefill(this.init.store, entries) } })
      }
      // receivers serve what they have while downloading: let other receivers find them (the name once complete)
      this.announce(manifest, false)
      const result = await transfer.run()
      this.metrics?.fetched.inc(result.fetchedBytes)
      await this.init.images.addPulled(manifest)
      detach?.()
      // what was not written as it arrived (held before, or stored before this pull joined the transfer)
      await disk?.finish(this.init.store)
      job.succeed(result)
      this.log.info('image pulled', { image: key, fetchedBytes: result.fetchedBytes, reusedBytes: result.reusedBytes, ms: result.durationMs, peers: result.peers.length })
    } catch (err) {
      interrupted = this.stopping
      detach?.()
      await disk?.abort()
      job.fail(err as Error, err instanceof TransferAbortedError)
      this.log.warn('image pull failed', { ref: job.ref, err: (err as Error).message })
    } finally {
      // renamed or removed by now; the record of one the shutdown interrupted says which file to write after restart
      if (disk != null && !interrupted) await this.temps.forget(disk.tmp)
      early?.closeAll()
      unpin?.()
      if (key != null) this.active.delete(key)
      this.metrics?.active.set(this.active.size)
      await recording
      if (!this.stopping) await this.persist(job.ref, false)
    }
  }

  /**
   * The writer of a pull's `--out` file, its temp file recorded (a restarted node removes it and writes the file
   * again). A resumed pull whose destination cannot be written any more goes on into the store only.
   */
  private async openDisk (job: PullJob, manifest: Manifest, out: string, resumed: boolean): Promise<DiskFileWriter | undefined> {
    let disk: DiskFileWriter
    try {
      disk = await DiskFileWriter.open(manifest, out)
    } catch (err) {
      if (!resumed) throw err
      job.outError = transferError(err as Error)
      this.log.warn('cannot write the file of a resumed pull --out again: pulling into the store only', { ref: job.ref, out, err: (err as Error).message })
      return undefined
    }
    try {
      await this.temps.record(disk.tmp, job.ref, out)
    } catch (err) {
      await disk.abort()
      throw err
    }
    return disk
  }

  /** Keep the chunks of `manifest` from garbage collection; returns the release (undefined without a pin hook). */
  private pinChunks (manifest: Manifest): (() => void) | undefined {
    return this.init.pin?.(distinctChunkIds(manifest))
  }

  private newTransfer (manifest: Manifest, initialPeers: string[], early?: EarlySessions): Transfer {
    const key = `${manifest.name}@${manifest.version}`
    const t = new Transfer({
      ...this.init,
      manifest,
      self: this.libp2p.peerId.toString(),
      initialPeers,
      store: this.init.store,
      logger: this.log,
      connect: async peer => (await early?.take(peer)) ?? await this.connect(peer),
      // a peer named by another one is tried only when connected (no dial to whatever an untrusted peer names)
      reachable: peer => this.connected(peer),
      discover: async () => await this.providers(manifest.name, manifest.version)
    })
    this.active.set(key, t)
    this.metrics?.active.set(this.active.size)
    return t
  }

  private connected (peer: string): boolean {
    try {
      return this.libp2p.getConnections(peerIdFromString(peer)).length > 0
    } catch {
      return false
    }
  }

  private async connect (peer: string): Promise<PeerSession> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), CHUNKS_PROTOCOL, { signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) })
    return new PeerSession(stream, peer, { requestTimeoutMs: this.init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS })
  }

  /** Providers from the DHT (and, when it knows none, the peers we are connected to). */
  async providers (name: string, version?: string): Promise<string[]> {
    const self = this.libp2p.peerId
    const found = new Set<string>()
    try {
      const signal = AbortSignal.timeout(this.init.lookupTimeoutMs ?? 10_000)
      for await (const p of this.libp2p.contentRouting.findProviders(imageProviderKey(name, version), { signal })) {
        if (p.id.equals(self)) continue
        // addresses to dial it by; a connected peer needs none (merging them costs a peer-store read and compare)
        if (p.multiaddrs.length > 0 && this.libp2p.getConnections(p.id).length === 0) await this.libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs }).catch(() => {})
        found.add(p.id.toString())
        if (found.size >= (this.init.maxPeers ?? DEFAULT_MAX_PEERS) * 2) break
      }
    } catch (err) {
      this.log.debug('provider lookup ended', { image: name, err: (err as Error).message })
    }
    if (found.size === 0) {
      for (const c of this.libp2p.getConnections()) if (!c.remotePeer.equals(self)) found.add(c.remotePeer.toString())
    }
    return [...found]
  }

  /**
   * Look for a manifest until one is found or resolveTimeoutMs passes: again after RESOLVE_RETRY_MS, or once this
   * node opened a connection (but not sooner than RESOLVE_MIN_GAP_MS after the last try).
   */
  private async resolveManifest (r: ImageRef): Promise<Resolved> {
    const deadline = Date.now() + (this.init.resolveTimeoutMs ?? 15_000)
    while (true) {
      try {
        return await this.resolveOnce(r)
      } catch (err) {
        if (!(err instanceof NoProvidersError) || Date.now() >= deadline || this.stopping) throw err
      }
      await this.untilRetry(Math.min(this.init.resolveRetryMs ?? RESOLVE_RETRY_MS, Math.max(0, deadline - Date.now())))
    }
  }

  /**
   * Resolves after `ms`, or once a connection opened and RESOLVE_MIN_GAP_MS passed: a node that just started (its
   * bootstrap dial still under way, or retried after a failure) goes on with a pull the moment it has a peer to ask,
   * and a node opening many connections at once (its connector at start) looks up at most once per gap.
   */
  private async untilRetry (ms: number): Promise<void> {
    const earliest = performance.now() + Math.min(ms, RESOLVE_MIN_GAP_MS)
    await new Promise<void>(resolve => {
      let timer: ReturnType<typeof setTimeout>
      const done = (): void => {
        clearTimeout(timer)
        this.libp2p.removeEventListener('connection:open', connected)
        resolve()
      }
      const connected = (): void => {
        clearTimeout(timer)
        timer = setTimeout(done, Math.max(0, earliest - performance.now()))
      }
      timer = setTimeout(done, ms)
      this.libp2p.addEventListener('connection:open', connected)
    })
  }

  /**
   * Ask providers for the manifest. For `name@version` one provider is asked, another joins whenever MANIFEST_HEDGE_MS
   * pass without an answer or a request fails, and the first validly signed answer wins: one copy is all a pull
   * needs, and every provider becomes a peer of the transfer, which asks each what it holds anyway. (Asking all at
   * once kept every seeder's uplink busy with a manifest the receiver threw away: 3.4 MB for a 1 GiB disk, 270 ms of
   * a 100 Mbit/s link during which those seeders' first chunks waited. Fetching and verifying every copy also cost
   * 0.6 s of a 256 MiB pull from four seeders.) Sessions to the other providers open meanwhile and, with the one that
   * brought the manifest, go to the transfer (early-sessions.ts). For the newest version of `name`, every provider
   * is asked and the newest signed manifest wins.
   */
  private async resolveOnce (r: ImageRef): Promise<Resolved> {
    const peers = await this.providers(r.name, r.version)
    const early = new EarlySessions(async peer => await this.connect(peer))
    try {
      return await this.askProviders(r, peers, early)
    } catch (err) {
      early.closeAll()
      throw err
    }
  }

  private async askProviders (r: ImageRef, peers: string[], early: EarlySessions): Promise<Resolved> {
    // the newest version held here: a provider that holds it too sends the manifest as a delta against it
    const base = await this.init.images.find(r.name).catch(() => undefined)
    const ask = async (peer: string, sessions: Set<PeerSession>, wanted: () => boolean): Promise<Answer | undefined> => {
      let session: PeerSession | undefined
      let keep = false
      try {
        session = (await early.take(peer)) ?? await this.connect(peer)
        if (!wanted()) return undefined // a session opened after the first manifest came: not needed (closed below)
        sessions.add(session)
        const m = await session.getManifest(r.name, r.version, base)
        this.metrics?.manifestBytes.inc(session.receivedBytes)
        if (!await this.init.images.verify(m)) throw new BadManifestError(`manifest of ${m.name}@${m.version} from ${peer} has a bad signature`)
        keep = true
        return { peer, m, session }
      } catch (err) {
        this.log.debug('no manifest from peer', { peer, ref: r, err: (err as Error).message })
        return undefined
      } finally {
        if (session != null) sessions.delete(session)
        if (!keep) session?.close()
      }
    }
    if (r.version != null) {
      // the first provider is asked at once; sessions to the others open while its answer comes (as many as the
      // transfer will fetch from: it takes the providers in this order)
      for (const peer of peers.slice(1, this.init.maxPeers ?? DEFAULT_MAX_PEERS)) early.open(peer)
      const winner = await this.firstManifest(peers, ask)
      if (winner == null) throw new NoProvidersError(`no peer provides image ${r.name}@${r.version} (asked ${peers.length})`)
      early.adopt(winner.peer, winner.session)
      return { manifest: winner.m, peers: [winner.peer, ...peers.filter(p => p !== winner.peer)], early }
    }
    const sessions = new Set<PeerSession>()
    const valid = (await Promise.all(peers.map(async peer => await ask(peer, sessions, () => true))))
      .filter((a): a is Answer => a != null).sort((a, b) => b.m.createdAt - a.m.createdAt)
    const best = valid[0]?.m
    if (best == null) throw new NoProvidersError(`no peer provides image ${r.name} (asked ${peers.length})`)
    const holders = valid.filter(a => a.m.version === best.version && a.m.createdAt === best.createdAt)
    for (const a of valid) {
      if (holders.includes(a)) early.adopt(a.peer, a.session)
      else a.session.close()
    }
    return { manifest: best, peers: holders.map(a => a.peer), early }
  }

  /** Hedged requests (see resolveOnce): the first answer of `ask`, or undefined once every peer failed. */
  private async firstManifest (
    peers: string[],
    ask: (peer: string, sessions: Set<PeerSession>, wanted: () => boolean) => Promise<Answer | undefined>
  ): Promise<Answer | undefined> {
    const sessions = new Set<PeerSession>()
    const result = Promise.withResolvers<Answer | undefined>()
    let won = false
    let next = 0
    let pending = 0
    let hedge: ReturnType<typeof setTimeout> | undefined
    const start = (): void => {
      if (hedge != null) clearTimeout(hedge)
      if (won) return
      if (next >= peers.length) {
        if (pending === 0) result.resolve(undefined)
        return
      }
      const peer = peers[next++]!
      pending++
      hedge = setTimeout(start, MANIFEST_HEDGE_MS)
      void ask(peer, sessions, () => !won).then(answer => {
        pending--
        if (won) {
          answer?.session.close() // a second answer, after the first won
          return
        }
        if (answer != null) {
          won = true
          result.resolve(answer)
        } else start()
      })
    }
    start()
    const winner = await result.promise
    won = true
    if (hedge != null) clearTimeout(hedge)
    for (const s of sessions) s.close()
    return winner
  }

  // ---- resume after restart -------------------------------------------------------------------------------


  private async persist (ref: string, on: boolean): Promise<void> {
    const db = this.pulls
    if (db == null) return
    try {
      if (on) await db.put(ref, enc.encode(JSON.stringify({ ref, at: Date.now() })))
      else await Promise.all([db.del(ref), this.pullManifests?.del(ref)])
    } catch (err) {
      this.log.warn('cannot record pull', { ref, err })
    }
  }

  /** Record the manifest a pull is pulling: a restarted node pins its chunks at once and asks nobody for it again. */
  private async persistManifest (ref: string, manifest: Manifest): Promise<void> {
    try {
      await this.pullManifests?.put(ref, encodeManifest(manifest))
    } catch (err) {
      this.log.warn('cannot record the manifest of a pull', { ref, err })
    }
  }

  /** The recorded manifest of a pull, when it decodes and its signature verifies (else the pull resolves it again). */
  private async recordedManifest (ref: string): Promise<Manifest | undefined> {
    try {
      const stored = await this.pullManifests?.get(ref)
      if (stored === undefined) return undefined
      const m = decodeManifest(stored)
      if (await this.init.images.verify(m)) return m
      this.log.warn('recorded manifest of a pull does not verify: resolving it again', { ref })
    } catch (err) {
      this.log.warn('cannot read the recorded manifest of a pull: resolving it again', { ref, err })
    }
    return undefined
  }

  /**
   * Start again the pulls recorded in progress. A pull that was writing a file (`--out`, `interrupted`) writes it anew:
   * its job is the pull (its sink sees the resume scan, so the chunks already held are copied while the rest arrives).
   */
  private async resumePulls (interrupted: InterruptedOut[]): Promise<void> {
    const db = this.pulls
    if (db == null) return
    const since = new Map<string, number | undefined>()
    try {
      for await (const [ref, value] of db.iterator()) since.set(ref, (JSON.parse(dec.decode(value)) as { at?: number }).at)
    } catch (err) {
      this.log.warn('cannot read the pulls to resume', { err })
    }
    // a file whose pull has no record of its own (two pulls of one image: the first to end removed it) is written too
    for (const { ref } of interrupted) if (!since.has(ref)) since.set(ref, undefined)
    for (const [ref, at] of since) {
      const known = await this.recordedManifest(ref)
      const outs = interrupted.filter(i => i.ref === ref).map(i => i.out)
      this.log.info('resuming image pull', { ref, since: at, manifest: known != null, out: outs })
      if (outs.length === 0) this.startPull(ref, {}, known)
      for (const out of outs) this.startPull(ref, { out, resumed: true }, known)
    }
  }
}
