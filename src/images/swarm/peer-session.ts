import type { Stream } from '@libp2p/interface'
import { FrameChannel } from './frame-channel.js'
import type { Manifest } from '../types.js'
import { ChunkRequest, ChunkResponse } from './pb/chunks.js'
import { Bitfield } from './bitfield.js'
import { fromWireManifest, type ManifestLimits } from './manifest-wire.js'
import { applyManifestDelta } from './manifest-delta.js'
import type { WireChunk } from './chunk-encoding.js'
import { ProtocolViolationError, RemoteNotFoundError, RequestTimeoutError, SessionClosedError } from './errors.js'
import { decodePeerIds } from './peer-exchange.js'
import { DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_MANIFEST_CHUNKS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, MAX_PEX_PEERS } from './constants.js'

export interface PeerSessionInit extends ManifestLimits {
  /** @default DEFAULT_MAX_RESPONSE_BYTES */
  maxResponseBytes?: number
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
}

/** A have answer: the peer's bitfield, and where it leaves the requester in the peer's HaveLog (0, 0: none). */
export interface HaveAnswer {
  bits: Bitfield
  epoch: number
  cursor: number
  /** In an incremental answer: the entries added to the bitfield it was asked against (the only bits that changed). */
  added?: number[]
  /** Other peers of the image version's swarm the peer named (asked with `wantPeers`; else empty). */
  peers: string[]
}

/** A request's type and whichever other fields it uses (the rest take their defaults). */
export type RequestFields = Pick<ChunkRequest, 'type'> & Partial<Omit<ChunkRequest, 'id' | 'type'>>

/** A request with every field at its default, then `fields`. */
export function chunkRequest (id: number, fields: RequestFields): ChunkRequest {
  return { id, name: '', version: '', chunk: new Uint8Array(), acceptLz4: false, haveEpoch: 0, haveCursor: 0, base: '', acceptPacked: false, wantPeers: false, ...fields }
}

interface Pending {
  resolve: (res: ChunkResponse) => void
  reject: (err: Error) => void
  /** performance.now() after which the request is abandoned. */
  deadline: number
}

/** How often, at most, pending requests are checked for their deadline (and at least 4 times per timeout). */
const MAX_SWEEP_MS = 1_000

/**
 * The requester side of one `/novacron/chunks/1.0.0` stream: many requests in flight at once (pipelined),
 * each with its own timeout, answered by ID in any order. Timeouts are checked by one timer per session that
 * sweeps the oldest requests (all share one timeout, so they expire in the order they were sent), not a timer per
 * request: up to 224 are in flight per peer and a timer each was a setTimeout and a clearTimeout per chunk.
 */
export class PeerSession {
  private readonly channel: FrameChannel
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private received = 0
  private closedWith?: Error
  private readonly requestTimeoutMs: number
  private readonly sweepMs: number
  private sweepTimer?: ReturnType<typeof setTimeout>
  private readonly limits: ManifestLimits
  private endedResolve!: (err: Error) => void
  /** Resolves when the stream has ended (for any reason). */
  readonly ended: Promise<Error>

  constructor (private readonly stream: Stream, readonly peer: string, init: PeerSessionInit = {}) {
    const { maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, maxChunks = DEFAULT_MAX_MANIFEST_CHUNKS, maxChunkBytes = DEFAULT_MAX_CHUNK_BYTES } = init
    this.requestTimeoutMs = requestTimeoutMs
    this.sweepMs = Math.max(1, Math.min(MAX_SWEEP_MS, Math.floor(requestTimeoutMs / 4)))
    this.limits = { maxChunks, maxChunkBytes }
    this.ended = new Promise(resolve => { this.endedResolve = resolve })
    this.channel = new FrameChannel(stream, {
      maxFrameBytes: maxResponseBytes,
      onFrame: frame => { this.onFrame(frame) },
      onEnd: err => { this.shutdown(err ?? new SessionClosedError(`${this.peer} closed the stream`)) }
    })
  }

  get closed (): boolean {
    return this.closedWith != null
  }

  get inFlight (): number {
    return this.pending.size
  }

  /** Bytes of the response frames received so far (length prefixes not counted). */
  get receivedBytes (): number {
    return this.received
  }

  private onFrame (frame: Uint8Array): void {
    this.received += frame.byteLength
    let res: ChunkResponse
    try {
      const max = this.limits.maxChunks
      res = ChunkResponse.decode(frame, { limits: { manifest: { chunks: max }, delta: { ops: max }, added: max, peers: MAX_PEX_PEERS } })
    } catch (err) {
      throw new ProtocolViolationError(`undecodable response: ${(err as Error).message}`, 'ERR_BAD_FRAME')
    }
    if (res.id === 0 || res.id >= this.nextId) throw new ProtocolViolationError(`response to request ${res.id} that was never sent`, 'ERR_UNSOLICITED_RESPONSE')
    const p = this.pending.get(res.id)
    if (p == null) return // answer to a request we cancelled or timed out
    this.pending.delete(res.id)
    p.resolve(res)
  }

  /** Abandon the requests past their deadline (the oldest first); re-arm while any are pending. */
  private readonly sweep = (): void => {
    this.sweepTimer = undefined
    const now = performance.now()
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break
      this.pending.delete(id)
      this.sendCancel(id)
      p.reject(new RequestTimeoutError(`${this.peer} did not answer request ${id} within ${this.requestTimeoutMs} ms`))
    }
    this.armSweep()
  }

  private armSweep (): void {
    if (this.sweepTimer === undefined && this.pending.size > 0 && this.closedWith == null) this.sweepTimer = setTimeout(this.sweep, this.sweepMs)
  }

  private shutdown (reason: Error): void {
    if (this.closedWith != null) return
    this.closedWith = reason
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer)
    this.sweepTimer = undefined
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(reason instanceof ProtocolViolationError ? reason : new SessionClosedError(`session with ${this.peer} closed: ${reason.message}`))
    }
    this.endedResolve(reason)
  }

  /** Send one request and wait for its answer. Returns the request ID through `onSent` (for cancel). */
  async request (req: RequestFields, onSent?: (id: number) => void): Promise<ChunkResponse> {
    if (this.closedWith != null) throw new SessionClosedError(`session with ${this.peer} is closed`)
    const id = this.nextId++
    const answer = new Promise<ChunkResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: performance.now() + this.requestTimeoutMs })
    })
    this.armSweep()
    onSent?.(id)
    this.channel.send(ChunkRequest.encode(chunkRequest(id, req)))
    return await answer
  }

  /** Give up on a request: its answer, if it still comes, is dropped. */
  cancel (id: number): void {
    const p = this.pending.get(id)
    if (p == null) return
    this.pending.delete(id)
    p.reject(new SessionClosedError('cancelled'))
    this.sendCancel(id)
  }

  private sendCancel (id: number): void {
    if (this.closedWith == null) this.channel.send(ChunkRequest.encode(chunkRequest(id, { type: ChunkRequest.Type.CANCEL })))
  }

  /**
   * The peer's manifest of `name@version` (its newest version of `name` without one). With `base` (a version of
   * `name` this node holds), the peer may send it as a delta against that; it is rebuilt here. Either way only its
   * structure is checked: the caller verifies the signature.
   */
  async getManifest (name: string, version?: string, base?: Manifest): Promise<Manifest> {
    const res = await this.request({ type: ChunkRequest.Type.GET_MANIFEST, name, version: version ?? '', base: base?.version ?? '', acceptPacked: true })
    if (res.status !== ChunkResponse.Status.OK) throw new RemoteNotFoundError(`${this.peer} has no manifest for ${name}${version != null ? `@${version}` : ''}`)
    let m: Manifest
    if (res.delta != null) {
      if (base == null) throw new ProtocolViolationError('manifest delta sent to a requester that named no base', 'ERR_WRONG_MANIFEST')
      m = applyManifestDelta(res.delta, base, this.limits)
    } else if (res.manifest != null) {
      m = fromWireManifest(res.manifest, this.limits)
    } else {
      throw new ProtocolViolationError('manifest response without a manifest')
    }
    if (m.name !== name || (version != null && m.version !== version)) {
      throw new ProtocolViolationError(`asked for ${name}@${version ?? '*'}, got ${m.name}@${m.version}`, 'ERR_WRONG_MANIFEST')
    }
    return m
  }

  /**
   * What the peer holds of `name@version`. With `since` (the last answer applied), the peer may send only the
   * entries it gained since then; the answer is the whole bitfield either way (a new one: `since.bits` is not changed).
   * With `wantPeers` the peer also names other peers of the version's swarm (peer exchange); they are checked here.
   */
  async getHave (name: string, version: string, count: number, since?: Pick<HaveAnswer, 'bits' | 'epoch' | 'cursor'>, wantPeers = false): Promise<HaveAnswer> {
    const res = await this.request({ type: ChunkRequest.Type.GET_HAVE, name, version, haveEpoch: since?.epoch ?? 0, haveCursor: since?.cursor ?? 0, wantPeers })
    if (res.status !== ChunkResponse.Status.OK) throw new RemoteNotFoundError(`${this.peer} does not know ${name}@${version}`)
    if (res.count !== count) throw new ProtocolViolationError(`bitfield covers ${res.count} entries, manifest has ${count}`, 'ERR_BAD_BITFIELD')
    if (!wantPeers && res.peers.length > 0) throw new ProtocolViolationError('have answer names peers that were not asked for', 'ERR_BAD_PEERS')
    const peers = decodePeerIds(res.peers)
    const incremental = since != null && res.epoch !== 0 && res.epoch === since.epoch && res.have.length === 0
    if (!incremental) {
      if (res.added.length > 0) throw new ProtocolViolationError('have answer with both a bitfield and added entries', 'ERR_BAD_BITFIELD')
      return { bits: Bitfield.decode(res.have, count), epoch: res.epoch, cursor: res.cursor, peers }
    }
    if (res.cursor < since.cursor || res.cursor - since.cursor !== res.added.length) {
      throw new ProtocolViolationError(`have answer moves the cursor from ${since.cursor} to ${res.cursor} with ${res.added.length} entries`, 'ERR_BAD_BITFIELD')
    }
    if (res.added.length === 0) return { bits: since.bits, epoch: res.epoch, cursor: res.cursor, added: [], peers }
    const bits = Bitfield.decode(since.bits.bytes, count)
    const added: number[] = []
    for (const i of res.added) {
      if (i >= count) throw new ProtocolViolationError(`have answer adds entry ${i} of ${count}`, 'ERR_BAD_BITFIELD')
      if (!bits.get(i)) added.push(i)
      bits.set(i)
    }
    return { bits, epoch: res.epoch, cursor: res.cursor, added, peers }
  }

  /**
   * Ask for one chunk, in its stored (lz4) form where the peer has that (`acceptLz4`). Neither decoded nor
   * verified here: the transfer does both, to blame the right peer.
   */
  async getChunk (id: string, onSent?: (reqId: number) => void, acceptLz4 = true): Promise<WireChunk> {
    const res = await this.request({ type: ChunkRequest.Type.GET_CHUNK, chunk: Buffer.from(id, 'hex'), acceptLz4 }, onSent)
    if (res.status !== ChunkResponse.Status.OK) throw new RemoteNotFoundError(`${this.peer} does not have chunk ${id}`)
    return { data: res.data, encoding: res.encoding }
  }

  /** Close gracefully (pending requests fail). */
  close (): void {
    this.shutdown(new SessionClosedError('closed locally'))
    void this.channel.close()
  }

  abort (err: Error): void {
    this.shutdown(err)
    this.channel.abort(err)
  }
}
