import { hash, randomUUID } from 'node:crypto'
import type { ChunkStoreView, Manifest, VerifiedChunk } from '../types.js'
import type { PlacedChunk } from '../materialise.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import { Bitfield } from './bitfield.js'
import { HaveLog } from './have-log.js'
import { dropRequester, PiecePicker, PieceState, type Piece } from './piece-picker.js'
import type { PeerSession } from './peer-session.js'
import { RateMeter, transferError, type TransferProgress } from './transfer-progress.js'
import { decodeWireChunk, type DecodedChunk, type WireChunk } from './chunk-encoding.js'
import { BadChunkError, ProtocolViolationError, RemoteNotFoundError, RequestTimeoutError, TransferAbortedError, TransferStalledError } from './errors.js'
import {
  DEFAULT_ENDGAME_REQUESTERS, DEFAULT_HAVE_POLL_MS, DEFAULT_INITIAL_WINDOW, DEFAULT_MAX_PEER_TIMEOUTS, DEFAULT_MAX_PEERS,
  DEFAULT_MAX_PROVIDER_REFRESH_MS, DEFAULT_MAX_UNSTORED_BYTES, DEFAULT_MAX_WINDOW, DEFAULT_MIN_WINDOW, DEFAULT_PROVIDER_REFRESH_MS,
  DEFAULT_STALL_TIMEOUT_MS, DEFAULT_WINDOW_SECONDS, MAX_STORE_WRITE_CHUNKS, PEX_INTERVAL_MS, SCAN_BATCH
} from './constants.js'

export interface TransferOptions {
  /** @default DEFAULT_MAX_PEERS */ maxPeers?: number
  /** @default DEFAULT_MIN_WINDOW */ minWindow?: number
  /** @default DEFAULT_MAX_WINDOW */ maxWindow?: number
  /** @default DEFAULT_INITIAL_WINDOW */ initialWindow?: number
  /** @default DEFAULT_WINDOW_SECONDS */ windowSeconds?: number
  /** @default DEFAULT_ENDGAME_REQUESTERS */ endgameRequesters?: number
  /** @default DEFAULT_HAVE_POLL_MS */ havePollMs?: number
  /** @default DEFAULT_MAX_PEER_TIMEOUTS */ maxPeerTimeouts?: number
  /** @default DEFAULT_PROVIDER_REFRESH_MS */ providerRefreshMs?: number
  /** @default DEFAULT_STALL_TIMEOUT_MS */ stallTimeoutMs?: number
  /** @default DEFAULT_MAX_UNSTORED_BYTES */ maxUnstoredBytes?: number
  /** How often each peer is asked for the other peers of the swarm (peer exchange); 0: never. @default PEX_INTERVAL_MS */
  peerExchangeMs?: number
}

export interface TransferInit extends TransferOptions {
  manifest: Manifest
  store: ChunkStoreView
  /** Open a chunk session to a peer. */
  connect: (peer: string) => Promise<PeerSession>
  /**
   * Peers that may hold the image (providers); called at start (one refresh period after it when initialPeers are
   * given), then every providerRefreshMs while it finds new ones, less often while it does not.
   */
  discover: () => Promise<string[]>
  /** This node's peer ID: receivers that know each other split what they ask of seeds by their IDs. */
  self?: string
  /** Peers known to hold the image already (a lookup just found them; they answered for its manifest): fetched from at once. */
  initialPeers?: string[]
  /**
   * Whether a peer that another peer named (peer exchange) may be tried: the service takes only peers it is connected
   * to, so a peer cannot make this node dial whatever it names. @default every peer
   */
  reachable?: (peer: string) => boolean
  logger?: Logger
  /**
   * Store chunks whose bytes were verified against their IDs, many at once (one index batch); used instead of
   * one `store.put` per chunk when given. `encoded`, when present, is the chunk's stored form (chunk-file header +
   * lz4 payload as received) that decodes to `bytes`: the store may write it as is instead of compressing again.
   */
  putVerified?: (chunks: VerifiedChunk[]) => Promise<unknown>
  /** Called after each chunk is stored (the service republishes progress, serves the chunk). */
  onChunk?: (piece: Piece) => void
}

/** Follows what a transfer gains (a disk file written during the pull: `pull --out`). Neither method may throw. */
export interface ChunkSink {
  /** Each batch of verified chunks once the store has written it, before the transfer counts it; awaited. */
  stored: (chunks: PlacedChunk[]) => Promise<void>
  /** The manifest entries whose chunks the store held when the transfer began (after its resume scan; none: not called). */
  held?: (entries: number[]) => void
}

export interface TransferResult {
  manifest: Manifest
  fetchedBytes: number
  reusedBytes: number
  wireBytes: number
  durationMs: number
  peers: Array<{ peer: string, bytes: number }>
  banned: Array<{ peer: string, reason: string }>
}

interface PeerState {
  id: string
  session: PeerSession
  bits?: Bitfield
  inflight: Map<number, Piece>
  window: number
  /**
   * Until the peer's rate was measured over a whole second: every chunk it sends widens its window by one (it
   * doubles per round trip, as TCP's slow start), from the initial window up to the maximum.
   */
  slowStart: boolean
  meter: RateMeter
  bytes: number
  timeouts: number
  /** picker.generation + bits version when pick last found nothing; skip the peer until either changes. */
  starvedAt?: { generation: number, bitsVersion: number }
  bitsVersion: number
  pollTimer?: ReturnType<typeof setTimeout>
  /** Where its last have answer left us in its HaveLog (0, 0: none; then it sends the whole bitfield). */
  haveEpoch: number
  haveCursor: number
  /** performance.now() when the peer was last asked for other peers (peer exchange); undefined: never. */
  pexAt?: number
}

const DIAL_BACKOFF_MS = 10_000
/** Verified chunks that start a store write at once (fewer wait up to STORE_BATCH_DELAY_MS for more). */
const STORE_BATCH = 128
/** A partial batch waits at most this long. */
const STORE_BATCH_DELAY_MS = 5

/**
 * Fetches the chunks of one manifest that the local store lacks, from every peer that has them, in parallel.
 * Verifies each chunk by SHA-256, drops peers that send bad bytes or stall, and finishes when all are stored.
 * While it runs, `have` says which manifest entries are held (the chunk server serves them to others).
 */
export class Transfer {
  readonly id = randomUUID()
  readonly have: Bitfield
  /** `have`, with the entries in the order they were gained (the chunk server answers polls incrementally). */
  readonly haveLog: HaveLog
  private readonly picker: PiecePicker
  private readonly peers = new Map<string, PeerState>()
  private readonly dialing = new Set<string>()
  private readonly failedDials = new Map<string, number>()
  private readonly banned = new Map<string, string>()
  private readonly perPeerBytes = new Map<string, number>()
  private readonly meter = new RateMeter()
  private readonly opts: Required<TransferOptions>
  private readonly log: Logger
  private state: TransferProgress['state'] = 'running'
  private error?: Error
  private totalBytes = 0
  private reusedBytes = 0
  private fetchedBytes = 0
  private wireBytes = 0
  private lastProgressAt = Date.now()
  private readonly startedAt = Date.now()
  private finishedAt?: number
  private ticker?: ReturnType<typeof setInterval>
  private discoverTimer?: ReturnType<typeof setTimeout>
  private discoverDelayMs = 0
  private settle?: { resolve: (r: TransferResult) => void, reject: (e: Error) => void }
  private readonly toStore: Array<{ piece: Piece, chunk: DecodedChunk, from: string }> = []
  private flushTimer?: ReturnType<typeof setTimeout>
  /** A store write is running (the only one: it takes what arrives meanwhile when it ends). */
  private writing = false
  /** Bytes held in memory for verified chunks not yet written (decoded and wire form). */
  private unstoredBytes = 0
  private rebuildTimer?: ReturnType<typeof setTimeout>
  private running?: Promise<TransferResult>
  /** Whether the store was scanned for chunks already held: nothing is requested before. */
  private scanned = false
  private readonly sinks = new Set<ChunkSink>()

  constructor (private readonly init: TransferInit, readonly ref = `${init.manifest.name}@${init.manifest.version}`) {
    this.opts = {
      maxPeers: init.maxPeers ?? DEFAULT_MAX_PEERS,
      minWindow: init.minWindow ?? DEFAULT_MIN_WINDOW,
      maxWindow: init.maxWindow ?? DEFAULT_MAX_WINDOW,
      initialWindow: init.initialWindow ?? DEFAULT_INITIAL_WINDOW,
      windowSeconds: init.windowSeconds ?? DEFAULT_WINDOW_SECONDS,
      endgameRequesters: init.endgameRequesters ?? DEFAULT_ENDGAME_REQUESTERS,
      havePollMs: init.havePollMs ?? DEFAULT_HAVE_POLL_MS,
      maxPeerTimeouts: init.maxPeerTimeouts ?? DEFAULT_MAX_PEER_TIMEOUTS,
      providerRefreshMs: init.providerRefreshMs ?? DEFAULT_PROVIDER_REFRESH_MS,
      stallTimeoutMs: init.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      maxUnstoredBytes: init.maxUnstoredBytes ?? DEFAULT_MAX_UNSTORED_BYTES,
      peerExchangeMs: init.peerExchangeMs ?? PEX_INTERVAL_MS
    }
    this.log = init.logger ?? silentLogger
    this.picker = new PiecePicker(init.manifest, this.opts.endgameRequesters, Math.random, undefined, init.self)
    this.have = new Bitfield(init.manifest.chunks.length)
    this.haveLog = new HaveLog(this.have)
    init.manifest.chunks.forEach((c, i) => { if (c.zero === true) this.haveLog.set(i) })
    for (const p of this.picker.pieces) this.totalBytes += p.size
  }

  get manifest (): Manifest {
    return this.init.manifest
  }

  /** Run to completion: resolves when every chunk is in the store; rejects on stall or cancel. Idempotent. */
  async run (): Promise<TransferResult> {
    this.running ??= this.runOnce()
    return await this.running
  }

  private async runOnce (): Promise<TransferResult> {
    const done = new Promise<TransferResult>((resolve, reject) => { this.settle = { resolve, reject } })
    this.ticker = setInterval(() => { this.tick() }, 1000)
    // sessions open (dial, first have poll) while the store is scanned; nothing is requested before the scan ends.
    // In sequence the scan of a 1 GiB disk's 38,000 chunks and the sessions' start took 0.3 + 0.2 s before the first
    // request of a 4-seeder pull in the test bed.
    const initial = this.init.initialPeers ?? []
    for (const peer of initial) void this.addPeer(peer)
    this.discoverDelayMs = this.opts.providerRefreshMs
    // initial peers were found by a lookup moments ago (they answered for the manifest): the next lookup waits one
    // refresh period. Looking up again at once had each receiver of a fan-out ask every node for providers a second
    // time within a second of the first, while the transfers started
    if (initial.length > 0) this.scheduleDiscover()
    else void this.discover().finally(() => { this.scheduleDiscover() })
    try {
      await this.scanStore()
    } catch (err) {
      this.fail(err as Error, 'failed')
      return await done
    }
    this.scanned = true
    // (cancelled meanwhile: done is settled already)
    if (this.state === 'running' && this.picker.remainingCount === 0) this.settle?.resolve(this.finish())
    else this.pump()
    return await done
  }

  /** Resume: whatever the store already holds (verified on the way in) is not fetched again. */
  private async scanStore (): Promise<void> {
    const pieces = this.picker.pieces
    const { store } = this.init
    const step = store.hasMany != null ? SCAN_BATCH : 64
    // what the store holds, for the sinks (none: not gathered)
    const heldEntries: number[] | undefined = this.sinks.size > 0 ? [] : undefined
    for (let i = 0; i < pieces.length; i += step) {
      const batch = pieces.slice(i, i + step)
      const held = store.hasMany != null ? await store.hasMany(batch.map(p => p.id)) : await Promise.all(batch.map(async p => await store.has(p.id)))
      batch.forEach((p, j) => {
        if (held[j] === true) {
          this.picker.markDone(p)
          this.reusedBytes += p.size
          for (const e of p.entries) this.haveLog.set(e)
          heldEntries?.push(...p.entries)
        }
      })
    }
    if (heldEntries !== undefined && heldEntries.length > 0) for (const sink of this.sinks) sink.held?.(heldEntries)
  }

  cancel (reason = 'cancelled'): void {
    this.fail(new TransferAbortedError(`transfer of ${this.ref} ${reason}`), 'cancelled')
  }

  private scheduleDiscover (): void {
    if (this.state !== 'running') return
    this.discoverTimer = setTimeout(() => { void this.discover().finally(() => { this.scheduleDiscover() }) }, this.discoverDelayMs)
  }

  /** Look providers up and add the new ones; the next lookup comes sooner when this one found any (see constants). */
  private async discover (): Promise<void> {
    let found: string[] = []
    if (this.peers.size + this.dialing.size < this.opts.maxPeers) {
      try {
        found = await this.init.discover()
      } catch (err) {
        this.log.debug('provider lookup failed', { ref: this.ref, err })
      }
    }
    const fresh = found.filter(p => !this.peers.has(p) && !this.dialing.has(p) && !this.banned.has(p))
    this.discoverDelayMs = fresh.length > 0 ? this.opts.providerRefreshMs : Math.min(this.discoverDelayMs * 2, Math.max(this.opts.providerRefreshMs, DEFAULT_MAX_PROVIDER_REFRESH_MS))
    for (const peer of fresh) void this.addPeer(peer)
  }

  /**
   * Hand every batch of chunks stored from now on to `sink` too, and what the store held at the start if the
   * transfer has not started; returns the detach. Chunks stored before are not handed over (they are in the store).
   */
  addSink (sink: ChunkSink): () => void {
    this.sinks.add(sink)
    return () => { this.sinks.delete(sink) }
  }

  /** The peers it fetches from now. */
  peerIds (): string[] {
    return [...this.peers.keys()]
  }

  /**
   * Peers that another peer named, or that asked this node what it has of the image (peer exchange): each is
   * added as by addPeer, when `reachable` allows it and it is not this node. None with peerExchangeMs 0.
   */
  addCandidates (candidates: readonly string[]): void {
    if (this.opts.peerExchangeMs <= 0) return
    for (const peer of candidates) {
      if (peer === this.init.self || this.peers.has(peer) || this.dialing.has(peer)) continue
      if (this.init.reachable?.(peer) === false) continue
      this.log.debug('peer from peer exchange', { ref: this.ref, peer })
      void this.addPeer(peer)
    }
  }

  /** Whether the next have poll of `ps` asks for its peers too: room for more peers, and not asked of it lately. */
  private wantsPeers (ps: PeerState): boolean {
    if (this.opts.peerExchangeMs <= 0 || this.peers.size + this.dialing.size >= this.opts.maxPeers) return false
    return ps.pexAt === undefined || performance.now() - ps.pexAt >= this.opts.peerExchangeMs
  }

  /** Start fetching from `peer` (ignored when known, banned, recently unreachable, or at the peer limit). */
  async addPeer (peer: string): Promise<void> {
    if (this.state !== 'running' || this.peers.has(peer) || this.dialing.has(peer) || this.banned.has(peer)) return
    if (this.peers.size + this.dialing.size >= this.opts.maxPeers) return
    const failedAt = this.failedDials.get(peer)
    if (failedAt != null && Date.now() - failedAt < DIAL_BACKOFF_MS) return
    this.dialing.add(peer)
    let session: PeerSession
    try {
      session = await this.init.connect(peer)
    } catch (err) {
      this.failedDials.set(peer, Date.now())
      this.log.debug('cannot open chunk session', { peer, err })
      return
    } finally {
      this.dialing.delete(peer)
    }
    if (this.state !== 'running') {
      session.close()
      return
    }
    const ps: PeerState = { id: peer, session, inflight: new Map(), window: this.opts.initialWindow, slowStart: true, meter: new RateMeter(), bytes: 0, timeouts: 0, bitsVersion: 0, haveEpoch: 0, haveCursor: 0 }
    this.peers.set(peer, ps)
    void session.ended.then(reason => { this.removePeer(ps, reason) })
    void this.pollHave(ps)
  }

  /**
   * Ask `ps` what it has (and, now and then, which other peers it knows); again every havePollMs while its bitfield
   * is incomplete. A peer that holds everything is asked again only for peers, every peerExchangeMs.
   */
  private async pollHave (ps: PeerState): Promise<void> {
    ps.pollTimer = undefined
    if (this.state !== 'running' || ps.session.closed) return
    const { name, version, chunks } = this.init.manifest
    const wantPeers = this.wantsPeers(ps)
    if (ps.bits?.isFull() === true && !wantPeers) {
      this.schedulePoll(ps)
      return
    }
    try {
      if (wantPeers) ps.pexAt = performance.now()
      const answer = await ps.session.getHave(name, version, chunks.length, ps.bits != null ? { bits: ps.bits, epoch: ps.haveEpoch, cursor: ps.haveCursor } : undefined, wantPeers)
      ps.haveEpoch = answer.epoch
      ps.haveCursor = answer.cursor
      // an incremental answer names the bits it changed: the picker looks at those only
      if (answer.added == null || ps.bits == null || answer.added.length > 0) this.setBits(ps, answer.bits, answer.added)
      if (answer.peers.length > 0) this.addCandidates(answer.peers)
    } catch (err) {
      if (err instanceof ProtocolViolationError) {
        this.ban(ps, 'protocol', err)
        return
      }
      if (err instanceof RemoteNotFoundError) {
        if (ps.bits == null) this.setBits(ps, new Bitfield(chunks.length))
      } else if (!(err instanceof RequestTimeoutError)) {
        return // session closed: removePeer handles it
      }
      // a poll that timed out is asked again: a peer whose bitfield stops being refreshed looks emptier than it is
    }
    this.schedulePoll(ps)
  }

  private schedulePoll (ps: PeerState): void {
    if (this.state !== 'running' || ps.session.closed || this.peers.get(ps.id) !== ps) return
    if (ps.bits?.isFull() !== true) ps.pollTimer = setTimeout(() => { void this.pollHave(ps) }, this.opts.havePollMs)
    else if (this.opts.peerExchangeMs > 0) ps.pollTimer = setTimeout(() => { void this.pollHave(ps) }, this.opts.peerExchangeMs)
  }

  /** `added`, when given, lists every bit that differs from the peer's current bitfield (all newly set). */
  private setBits (ps: PeerState, bits: Bitfield, added?: number[]): void {
    if (this.peers.get(ps.id) !== ps) return
    if (added == null && ps.bits != null && ps.bits.cardinality() === bits.cardinality() && Buffer.compare(ps.bits.bytes, bits.bytes) === 0) return
    this.picker.updateAvailability(ps.bits, bits, ps.id, ps.bits != null ? added : undefined)
    ps.bits = bits
    ps.bitsVersion++
    this.pump()
  }

  private removePeer (ps: PeerState, reason: Error): void {
    if (this.peers.get(ps.id) !== ps) return
    this.peers.delete(ps.id)
    if (ps.pollTimer != null) clearTimeout(ps.pollTimer)
    for (const piece of ps.inflight.values()) this.picker.release(piece, ps.id)
    ps.inflight.clear()
    this.picker.updateAvailability(ps.bits, undefined, ps.id)
    this.log.debug('peer left transfer', { ref: this.ref, peer: ps.id, reason: reason.message })
    this.pump()
  }

  private ban (ps: PeerState, reason: string, err: Error): void {
    if (this.banned.has(ps.id)) return
    this.banned.set(ps.id, reason)
    this.log.warn('peer dropped from transfer', { ref: this.ref, peer: ps.id, reason, err: err.message })
    ps.session.abort(err)
    this.removePeer(ps, err)
  }

  /** Fill every peer's request window. */
  private pump (): void {
    if (this.state !== 'running' || !this.scanned) return
    this.fillWindows()
    // a re-sort the picker put off: do it when due, then ask the peers that found nothing again
    const due = this.picker.rebuildDueAt
    if (due !== undefined && this.rebuildTimer === undefined) {
      this.rebuildTimer = setTimeout(() => {
        this.rebuildTimer = undefined
        this.picker.refresh()
        this.pump()
      }, Math.max(0, due - performance.now()))
    }
  }

  private fillWindows (): void {
    // the store is behind: what is asked for now would only wait in memory (the write that ends pumps again)
    if (this.unstoredBytes >= this.opts.maxUnstoredBytes) return
    for (const ps of this.peers.values()) {
      if (ps.bits == null || ps.session.closed) continue
      if (ps.starvedAt?.generation === this.picker.generation && ps.starvedAt.bitsVersion === ps.bitsVersion) continue
      while (ps.inflight.size < ps.window) {
        const piece = this.picker.pick(ps.id, ps.bits)
        if (piece == null) {
          ps.starvedAt = { generation: this.picker.generation, bitsVersion: ps.bitsVersion }
          break
        }
        this.request(ps, piece)
      }
    }
  }

  private request (ps: PeerState, piece: Piece): void {
    let reqId = 0
    ps.session.getChunk(piece.id, id => { reqId = id; ps.inflight.set(id, piece) }).then(
      data => { this.onData(ps, piece, reqId, data) },
      (err: Error) => { this.onFailure(ps, piece, reqId, err) }
    )
  }

  private onData (ps: PeerState, piece: Piece, reqId: number, wire: WireChunk): void {
    ps.inflight.delete(reqId)
    this.wireBytes += wire.data.length
    let chunk: DecodedChunk
    try {
      // sizes and the lz4 size prefix are checked before anything is decompressed
      chunk = decodeWireChunk(wire, piece.size)
      // one-shot hash: no Hash object per chunk (as the chunk store's put)
      if (hash('sha256', chunk.bytes, 'hex') !== piece.id) throw new BadChunkError('bytes do not match the chunk ID')
    } catch (err) {
      this.picker.release(piece, ps.id)
      this.ban(ps, 'bad-chunk', new BadChunkError(`chunk ${piece.id} from ${ps.id}: ${(err as Error).message}`))
      return
    }
    ps.timeouts = 0
    if (ps.slowStart && ps.window < this.opts.maxWindow) ps.window++
    ps.bytes += piece.size
    ps.meter.add(piece.size)
    dropRequester(piece, ps.id)
    if (piece.state === PieceState.Requested) {
      this.picker.markStoring(piece)
      this.cancelOthers(piece)
      this.store(piece, chunk, ps.id)
    }
    this.pump()
  }

  private cancelOthers (piece: Piece): void {
    for (const other of piece.requesters) {
      const ps = this.peers.get(other)
      if (ps == null) continue
      for (const [id, p] of ps.inflight) {
        if (p === piece) {
          ps.inflight.delete(id)
          ps.session.cancel(id)
        }
      }
    }
    piece.requesters.length = 0
  }

  private store (piece: Piece, chunk: DecodedChunk, from: string): void {
    this.toStore.push({ piece, chunk, from })
    this.unstoredBytes += heldBytes(chunk)
    // a running write takes this chunk with the rest when it ends
    if (this.writing) return
    if (this.toStore.length >= STORE_BATCH) void this.flush()
    else this.flushTimer ??= setTimeout(() => { void this.flush() }, STORE_BATCH_DELAY_MS)
  }

  /** Write buffered verified chunks, one write at a time, each through putVerified (one batch) or one put each. */
  private async flush (): Promise<void> {
    if (this.flushTimer != null) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.writing) return
    this.writing = true
    try {
      while (this.toStore.length > 0 && this.state === 'running') {
        const batch = this.toStore.splice(0, MAX_STORE_WRITE_CHUNKS)
        try {
          if (this.init.putVerified != null) {
            await this.init.putVerified(batch.map(({ piece, chunk }) => chunk.encoded != null ? { id: piece.id, bytes: chunk.bytes, encoded: chunk.encoded } : { id: piece.id, bytes: chunk.bytes }))
          } else {
            await Promise.all(batch.map(async b => { await this.init.store.put(b.piece.id, b.chunk.bytes) }))
          }
          if (this.sinks.size > 0) {
            const placed = batch.map(({ piece, chunk }) => ({ entries: piece.entries, bytes: chunk.bytes }))
            for (const sink of [...this.sinks]) await sink.stored(placed)
          }
        } catch (err) {
          this.fail(err as Error, 'failed')
          return
        }
        for (const b of batch) {
          this.unstoredBytes -= heldBytes(b.chunk)
          this.stored(b.piece, b.from)
        }
      }
    } finally {
      this.writing = false
    }
  }

  private stored (piece: Piece, from: string): void {
    if (this.state !== 'running') return
    this.picker.markDone(piece)
    for (const e of piece.entries) this.haveLog.set(e)
    this.fetchedBytes += piece.size
    this.meter.add(piece.size)
    this.perPeerBytes.set(from, (this.perPeerBytes.get(from) ?? 0) + piece.size)
    this.lastProgressAt = Date.now()
    this.init.onChunk?.(piece)
    if (this.picker.remainingCount === 0) {
      this.settle?.resolve(this.finish())
      return
    }
    this.pump()
  }

  private onFailure (ps: PeerState, piece: Piece, reqId: number, err: Error): void {
    ps.inflight.delete(reqId)
    if (err.message === 'cancelled') return
    this.picker.release(piece, ps.id)
    if (err instanceof RequestTimeoutError) {
      if (++ps.timeouts >= this.opts.maxPeerTimeouts) this.ban(ps, 'stalled', err)
    } else if (err instanceof ProtocolViolationError) {
      this.ban(ps, 'protocol', err)
    } else if (err instanceof RemoteNotFoundError && ps.bits != null) {
      // it no longer has the chunk (GC'd, or lied): stop asking it until its next bitfield says otherwise
      const bits = Bitfield.decode(ps.bits.bytes, ps.bits.count)
      for (const e of piece.entries) bits.bytes[e >> 3] = (bits.bytes[e >> 3] ?? 0) & ~(1 << (e & 7))
      this.setBits(ps, Bitfield.decode(bits.bytes, bits.count))
    }
    this.pump()
  }

  /** Once a second: rates, windows sized to each peer's rate, stall detection. */
  private tick (): void {
    this.meter.tick()
    const avgChunk = this.totalBytes / Math.max(1, this.picker.pieces.length)
    for (const ps of this.peers.values()) {
      const rate = ps.meter.tick()
      // the first tick's rate covers the ramp-up (and maybe only a part of a second): size from the next
      if (ps.slowStart) {
        ps.slowStart = false
        continue
      }
      const want = Math.ceil(rate * this.opts.windowSeconds / Math.max(1, avgChunk))
      const next = Math.min(this.opts.maxWindow, Math.max(this.opts.minWindow, want))
      if (next !== ps.window) {
        ps.window = next
        ps.starvedAt = undefined
      }
    }
    this.pump()
    if (Date.now() - this.lastProgressAt > this.opts.stallTimeoutMs) {
      this.fail(new TransferStalledError(`no chunk of ${this.ref} arrived for ${Math.round(this.opts.stallTimeoutMs / 1000)} s (peers: ${this.peers.size})`), 'failed')
    }
  }

  private stopTimers (): void {
    if (this.flushTimer != null) clearTimeout(this.flushTimer)
    if (this.rebuildTimer != null) clearTimeout(this.rebuildTimer)
    if (this.ticker != null) clearInterval(this.ticker)
    if (this.discoverTimer != null) clearTimeout(this.discoverTimer)
    for (const ps of this.peers.values()) {
      if (ps.pollTimer != null) clearTimeout(ps.pollTimer)
      ps.session.close()
    }
    this.peers.clear()
  }

  private finish (): TransferResult {
    this.state = 'done'
    this.finishedAt = Date.now()
    this.stopTimers()
    return {
      manifest: this.init.manifest,
      fetchedBytes: this.fetchedBytes,
      reusedBytes: this.reusedBytes,
      wireBytes: this.wireBytes,
      durationMs: this.finishedAt - this.startedAt,
      peers: [...this.perPeerBytes].map(([peer, bytes]) => ({ peer, bytes })),
      banned: [...this.banned].map(([peer, reason]) => ({ peer, reason }))
    }
  }

  private fail (err: Error, state: 'failed' | 'cancelled'): void {
    if (this.state !== 'running') return
    this.state = state
    this.error = err
    this.finishedAt = Date.now()
    this.stopTimers()
    this.settle?.reject(err)
  }

  progress (): TransferProgress {
    const doneBytes = this.reusedBytes + this.fetchedBytes
    const rate = this.state === 'running' ? this.meter.rate : 0
    const left = this.totalBytes - doneBytes
    return {
      id: this.id,
      ref: this.ref,
      state: this.state,
      totalBytes: this.totalBytes,
      doneBytes,
      reusedBytes: this.reusedBytes,
      wireBytes: this.wireBytes,
      rateBytesPerSec: Math.round(rate),
      etaSeconds: left === 0 ? 0 : rate > 0 ? Math.round(left / rate) : null,
      peers: this.peers.size,
      chunksTotal: this.picker.pieces.length,
      chunksDone: this.picker.pieces.length - this.picker.remainingCount,
      startedAt: this.startedAt,
      ...(this.finishedAt != null ? { finishedAt: this.finishedAt } : {}),
      banned: [...this.banned].map(([peer, reason]) => ({ peer, reason })),
      perPeer: this.state === 'running'
        ? [...this.peers.values()].map(ps => ({ peer: ps.id, bytes: ps.bytes, rateBytesPerSec: Math.round(ps.meter.rate), window: ps.window }))
        : [...this.perPeerBytes].map(([peer, bytes]) => ({ peer, bytes, rateBytesPerSec: 0, window: 0 })),
      ...(this.error != null ? { error: transferError(this.error) } : {})
    }
  }
}

/** Memory a verified chunk holds until it is written: its bytes, and its wire form where that is another buffer. */
function heldBytes (chunk: DecodedChunk): number {
  return chunk.bytes.length + (chunk.encoded != null && chunk.encoded.payload !== chunk.bytes ? chunk.encoded.payload.length : 0)
}
