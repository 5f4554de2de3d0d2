import type { Stream } from '@libp2p/interface'
import type { ChunkStoreView, Manifest } from '../types.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import type { Bitfield } from './bitfield.js'
import { HaveLog } from './have-log.js'
import { ChunkRequest, ChunkResponse, WireManifest } from './pb/chunks.js'
import { toWireManifest } from './manifest-wire.js'
import { encodeManifestDelta } from './manifest-delta.js'
import { chunkDataResponse, wireFromStored, type WireChunk } from './chunk-encoding.js'
import { ProtocolViolationError } from './errors.js'
import { encodePeerIds } from './peer-exchange.js'
import { FrameChannel, encodeVarint, type Frame } from './frame-channel.js'
import { CHUNK_READ_BATCH, DEFAULT_IDLE_TIMEOUT_MS, LOCATION_PREFETCH_AGAIN_MS, DEFAULT_MAX_QUEUED_REQUESTS, DEFAULT_MAX_REQUEST_BYTES, MAX_PEX_PEERS, MAX_REF_LENGTH } from './constants.js'

/** What a responder knows about images: complete ones and those it is still downloading. */
export interface ManifestSource {
  /** The manifest of `name@version`, or the newest version of `name` when `version` is undefined. */
  manifest(name: string, version?: string): Promise<Manifest | undefined>
  /**
   * Which entries of that manifest's chunk list this node holds now (verified); a HaveLog for an image it is still
   * pulling (polls are then answered with what was gained since the poller's cursor).
   */
  have(name: string, version: string): Promise<Bitfield | HaveLog | undefined>
  /** The manifest of `name@version` when this node holds that image whole (its chunk locations are then prefetched). */
  held?(name: string, version: string): Promise<Manifest | undefined>
  /**
   * `peer` asked on a stream what this node has of `name@version` (it is pulling it): it is one of that version's
   * swarm until `left` is called for that stream.
   */
  joined?(name: string, version: string, peer: string): void
  left?(name: string, version: string, peer: string): void
  /** Up to `max` other peers of `name@version`'s swarm to name to `requester` (peer exchange), not itself. */
  swarmPeers?(name: string, version: string, requester: string, max: number): string[]
}

export interface ChunkServerInit {
  store: ChunkStoreView
  source: ManifestSource
  logger?: Logger
  /** @default DEFAULT_MAX_QUEUED_REQUESTS */
  maxQueuedRequests?: number
  /** @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** @default DEFAULT_MAX_REQUEST_BYTES */
  maxRequestBytes?: number
  /** Chunks read from the store at once per stream. @default 4 */
  concurrency?: number
  /** Called with the `data` bytes of every chunk sent (encoded size where it went lz4-encoded). */
  onServed?: (bytes: number, remote: string) => void
}

const { Type } = ChunkRequest
const { Status, Encoding } = ChunkResponse
/** An entry of an incremental have answer: a 1-byte tag and a varint of up to 3 bytes (entries < 2^21). */
const MAX_VARINT_ENTRY_BYTES = 4

/** A response with every field at its default, then `fields`. */
export function chunkResponse (id: number, status: ChunkResponse.Status, fields: Partial<ChunkResponse> = {}): ChunkResponse {
  return { id, status, have: new Uint8Array(), count: 0, data: new Uint8Array(), encoding: Encoding.RAW, added: [], epoch: 0, cursor: 0, peers: [], ...fields }
}

/** The image versions a stream asked GET_HAVE about, by `name@version`. */
type Asked = Map<string, { name: string, version: string }>

/** An answer as a response to encode, or already encoded. */
type Answer = ChunkResponse | { encoded: Frame }

/** The `manifest` field (3, length-delimited) of a ChunkResponse: appended to the encoded rest of the message. */
const MANIFEST_FIELD_TAG = (3 << 3) | 2

/** The responder side of `/novacron/chunks/1.0.0`: answers manifest, have and chunk requests from one stream. */
export class ChunkServer {
  private readonly store: ChunkStoreView
  private readonly source: ManifestSource
  private readonly log: Logger
  private readonly maxQueued: number
  private readonly idleTimeoutMs: number
  private readonly maxRequestBytes: number
  private readonly concurrency: number
  private readonly onServed?: (bytes: number, remote: string) => void
  /**
   * A manifest's encoded `manifest` field, chunk list packed or as refs, per manifest object (the image service
   * hands out one object per stored version): encoding an 87,000-entry manifest (a 1 GiB disk) as refs took 90 ms,
   * once per requester before.
   */
  private readonly manifestFields = new WeakMap<Manifest, { packed?: Uint8Array, refs?: Uint8Array }>()
  /** When each image's chunk locations were last prefetched (see prefetch). */
  private readonly prefetched = new WeakMap<Manifest, number>()

  constructor (init: ChunkServerInit) {
    const { store, source, logger = silentLogger, maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES, concurrency = 4, onServed } = init
    this.store = store
    this.source = source
    this.log = logger
    this.maxQueued = maxQueuedRequests
    this.idleTimeoutMs = idleTimeoutMs
    this.maxRequestBytes = maxRequestBytes
    this.concurrency = concurrency
    this.onServed = onServed
  }

  /** Serve one inbound stream until the peer closes it, idles out or breaks the protocol. */
  readonly handle = async (stream: Stream, remote = 'peer'): Promise<void> => {
    const queue: ChunkRequest[] = []
    /** The image versions this stream asked GET_HAVE about (its peer is in their swarms until the stream ends). */
    const asked: Asked = new Map()
    let active = 0
    let remoteDone = false
    let finished = false
    const done = Promise.withResolvers<void>()
    let idle: ReturnType<typeof setTimeout> | undefined

    const finish = (): void => {
      if (finished) return
      finished = true
      if (idle != null) clearTimeout(idle)
      for (const { name, version } of asked.values()) this.source.left?.(name, version, remote)
      done.resolve()
    }
    const armIdle = (): void => {
      if (idle != null) clearTimeout(idle)
      idle = setTimeout(() => {
        if (active > 0 || queue.length > 0) armIdle()
        else channel.abort(new ProtocolViolationError('stream idle too long', 'ERR_IDLE_TIMEOUT'))
      }, this.idleTimeoutMs)
    }
    const maybeClose = (): void => {
      if (!remoteDone || active > 0 || queue.length > 0 || finished) return
      void channel.close().finally(finish)
    }
    // requests that arrive together are answered together: work runs once per event-loop turn, after every frame
    // of the data that arrived has been queued (run per frame, the first request of each arrival went out alone,
    // and each batch costs an index lookup and a pread whatever its size)
    let scheduled = false
    const schedule = (): void => {
      if (scheduled) return
      scheduled = true
      setImmediate(() => {
        scheduled = false
        work()
      })
    }
    const work = (): void => {
      while (active < this.concurrency && queue.length > 0 && !finished) {
        // a have poll or manifest request goes before further chunk batches: behind a requester's ever-refilled
        // window of chunk requests it would otherwise wait until the window drains (its bitfield goes stale)
        const control = queue.findIndex(q => !this.batchable(q))
        const batch = control < 0 ? this.takeChunkBatch(queue) : undefined
        const req = batch === undefined ? queue.splice(Math.max(0, control), 1)[0] as ChunkRequest : undefined
        active++
        const answered = batch !== undefined
          ? this.answerChunks(batch, remote)
          : this.answer(req!, remote, asked).catch((): Answer => chunkResponse(req!.id, Status.NOT_FOUND)).then(res => [res])
        answered
          // answers of one batch are queued in the same tick: they leave in one stream write
          .then(responses => { if (!finished) for (const res of responses) channel.send('encoded' in res ? res.encoded : ChunkResponse.encode(res)) })
          .finally(() => {
            active--
            work()
            maybeClose()
          })
      }
    }

    const channel = new FrameChannel(stream, {
      maxFrameBytes: this.maxRequestBytes,
      onFrame: frame => {
        armIdle()
        let req: ChunkRequest
        try {
          req = ChunkRequest.decode(frame)
        } catch (err) {
          throw new ProtocolViolationError(`undecodable request: ${(err as Error).message}`, 'ERR_BAD_FRAME')
        }
        if (req.type === Type.CANCEL) {
          const at = queue.findIndex(q => q.id === req.id)
          if (at >= 0) queue.splice(at, 1)
          return
        }
        if (queue.length >= this.maxQueued) throw new ProtocolViolationError(`more than ${this.maxQueued} requests queued`, 'ERR_TOO_MANY_REQUESTS')
        queue.push(req)
        schedule()
      },
      onEnd: err => {
        remoteDone = true
        if (err != null) {
          this.log.debug('chunk stream ended with an error', { remote, err: err.message })
          queue.length = 0
          finish()
        } else {
          maybeClose()
        }
      }
    })
    armIdle()
    await done.promise
  }

  /** `asked`: the versions the stream asked GET_HAVE about before (a first question joins the asker to the swarm). */
  private async answer (req: ChunkRequest, remote: string, asked?: Asked): Promise<Answer> {
    const reply = (status: ChunkResponse.Status, extra: Partial<ChunkResponse> = {}): ChunkResponse => chunkResponse(req.id, status, extra)
    if (req.name.length > MAX_REF_LENGTH || req.version.length > MAX_REF_LENGTH) return reply(Status.BAD_REQUEST)
    switch (req.type) {
      case Type.GET_MANIFEST: {
        if (req.name === '') return reply(Status.BAD_REQUEST)
        if (req.base.length > MAX_REF_LENGTH) return reply(Status.BAD_REQUEST)
        const m = await this.source.manifest(req.name, req.version === '' ? undefined : req.version)
        if (m == null) return reply(Status.NOT_FOUND)
        // after this answer is on its way: the lookups' synchronous part held the first answer of a 1 GiB image ~27 ms
        setImmediate(() => { this.prefetch(m) })
        // the requester holds `base`: send the chunk list as ops over it when this node has it too
        const base = req.base !== '' ? await this.source.manifest(req.name, req.base) : undefined
        const delta = base != null && base.version === req.base ? encodeManifestDelta(m, base) : undefined
        return delta != null ? reply(Status.OK, { delta }) : { encoded: [ChunkResponse.encode(reply(Status.OK)), this.manifestField(m, req.acceptPacked)] }
      }
      case Type.GET_HAVE: {
        if (req.name === '' || req.version === '') return reply(Status.BAD_REQUEST)
        const held = await this.source.have(req.name, req.version)
        if (held == null) return reply(Status.NOT_FOUND)
        const key = `${req.name}@${req.version}`
        const first = asked?.has(key) !== true
        if (first && asked != null) {
          asked.set(key, { name: req.name, version: req.version })
          this.source.joined?.(req.name, req.version, remote)
        }
        const peers = req.wantPeers ? encodePeerIds(this.source.swarmPeers?.(req.name, req.version, remote, MAX_PEX_PEERS) ?? []) : []
        if (!(held instanceof HaveLog)) {
          // looked up beside the answer, not before it; once per stream (a requester asks a seed again only for peers)
          if (first && this.store.prefetchLocations != null) void this.source.held?.(req.name, req.version).then(m => { if (m != null) this.prefetch(m) }, () => {})
          return reply(Status.OK, { have: held.bytes as Uint8Array<ArrayBuffer>, count: held.count, peers })
        }
        const { bits, epoch, length } = held
        // only what the poller has not seen, unless its cursor is not into this log or the list would outgrow the bitfield
        const fresh = req.haveEpoch === epoch && req.haveCursor <= length && (length - req.haveCursor) * MAX_VARINT_ENTRY_BYTES <= bits.bytes.length
        return fresh
          ? reply(Status.OK, { added: held.since(req.haveCursor), count: bits.count, epoch, cursor: length, peers })
          : reply(Status.OK, { have: Uint8Array.from(bits.bytes), count: bits.count, epoch, cursor: length, peers })
      }
      case Type.GET_CHUNK: {
        if (req.chunk.length !== 32) return reply(Status.BAD_REQUEST)
        const id = Buffer.from(req.chunk).toString('hex')
        let chunk: WireChunk
        try {
          // one index lookup: a chunk the store lacks (or finds corrupt and drops) throws
          chunk = await this.readChunk(id, req.acceptLz4)
        } catch {
          return reply(Status.NOT_FOUND)
        }
        this.onServed?.(chunk.data.length, remote)
        return reply(Status.OK, { data: chunk.data as Uint8Array<ArrayBuffer>, encoding: chunk.encoding })
      }
      default:
        return reply(Status.BAD_REQUEST)
    }
  }

  /**
   * Take up to CHUNK_READ_BATCH queued GET_CHUNK requests that accept the stored form, when the store can read
   * many at once: they are answered with one index lookup and close records read together.
   */
  private takeChunkBatch (queue: ChunkRequest[]): ChunkRequest[] | undefined {
    if (this.store.getEncodedMany == null) return undefined
    const batch: ChunkRequest[] = []
    const rest: ChunkRequest[] = []
    for (const q of queue) {
      if (batch.length < CHUNK_READ_BATCH && this.batchable(q)) batch.push(q)
      else rest.push(q)
    }
    if (batch.length === 0) return undefined
    queue.splice(0, queue.length, ...rest)
    return batch
  }

  /** A chunk request that can be answered in a batch (any request is, as a batch of one, when the store cannot). */
  private batchable (q: ChunkRequest): boolean {
    return q.type === Type.GET_CHUNK && (this.store.getEncodedMany == null || (q.acceptLz4 && q.chunk.length === 32))
  }

  /**
   * Warm the store's chunk locations for an image a peer asked about (its manifest or what this node holds of it):
   * its chunk requests follow. Once per image per LOCATION_PREFETCH_AGAIN_MS, in the background.
   */
  private prefetch (m: Manifest): void {
    if (this.store.prefetchLocations == null) return
    const now = performance.now()
    if (now - (this.prefetched.get(m) ?? -Infinity) < LOCATION_PREFETCH_AGAIN_MS) return
    this.prefetched.set(m, now)
    void this.store.prefetchLocations(m.chunks.flatMap(c => c.zero === true ? [] : [c.id]))
  }

  private manifestField (m: Manifest, packed: boolean): Uint8Array {
    let fields = this.manifestFields.get(m)
    if (fields === undefined) {
      fields = {}
      this.manifestFields.set(m, fields)
    }
    const key = packed ? 'packed' : 'refs'
    let field = fields[key]
    if (field === undefined) {
      const body = WireManifest.encode(toWireManifest(m, packed))
      field = Buffer.concat([Uint8Array.of(MANIFEST_FIELD_TAG), encodeVarint(body.length), body])
      fields[key] = field
    }
    return field
  }

  private async answerChunks (batch: ChunkRequest[], remote: string): Promise<Answer[]> {
    const ids = batch.map(r => Buffer.from(r.chunk).toString('hex'))
    const stored = await this.store.getEncodedMany!(ids).catch(() => ids.map(() => undefined))
    return await Promise.all(batch.map(async (req, i) => {
      const s = stored[i]
      const wire = s === undefined ? undefined : wireFromStored(s)
      // absent, unreadable or a stored form this version does not send: the one-chunk path decides
      if (wire == null) return await this.answer(req, remote).catch(() => chunkResponse(req.id, Status.NOT_FOUND))
      this.onServed?.(wire.data.length, remote)
      return { encoded: chunkDataResponse(req.id, wire) }
    }))
  }

  /**
   * A chunk to send: its stored form as is when the requester accepts encoded chunks and the store offers it (no
   * decompression and no SHA-256 here: the requester verifies every chunk), else the verified raw bytes.
   */
  private async readChunk (id: string, acceptLz4: boolean): Promise<WireChunk> {
    if (acceptLz4 && this.store.getEncoded != null) {
      // a stored form this version does not know is sent raw (decoded and verified by get)
      const wire = wireFromStored(await this.store.getEncoded(id))
      if (wire != null) return wire
    }
    return { data: await this.store.get(id), encoding: Encoding.RAW }
  }
}
