import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from '../logging/logger.js'
import { MAX_SYNC_BYTES, MAX_SYNC_MEMBERS, STATE_SYNC_PROTOCOL } from './constants.js'
import { MembershipProtocolError } from './errors.js'
import { readFrame, writeFrame } from './frame.js'
import { SyncRequest, SyncResponse } from './pb/state.js'
import type { ProtocolHost } from './protocol-host.js'

export interface StateSyncInit {
  libp2p: ProtocolHost
  logger: Logger
  /** Build the answer to a peer's request (merging what it pushed). */
  respond: (peer: PeerId, req: SyncRequest) => Promise<SyncResponse>
  timeoutMs: number
  /** @default 8 */
  maxInboundStreams?: number
}

const LIMITS = { limits: { digest: MAX_SYNC_MEMBERS, entries: MAX_SYNC_MEMBERS } }

/**
 * `/novacron/state-sync/1.0.0` (protocols/state.md): the requester sends its own record and the versions it
 * holds; the responder answers with every record it holds that is newer or missing there, with liveness.
 */
export class StateSyncProtocol {
  private readonly init: StateSyncInit

  constructor (init: StateSyncInit) {
    this.init = init
  }

  async start (): Promise<void> {
    await this.init.libp2p.handle(STATE_SYNC_PROTOCOL, (stream, connection) => {
      this.handle(stream, connection).catch(err => {
        this.init.logger.debug('state-sync handler failed', { peer: connection.remotePeer.toString(), err })
      })
    }, { maxInboundStreams: this.init.maxInboundStreams ?? 8, maxOutboundStreams: 8 })
  }

  async stop (): Promise<void> {
    await this.init.libp2p.unhandle(STATE_SYNC_PROTOCOL)
  }

  /** Serve one inbound sync stream (public for protocol tests over a stream pair). */
  async handle (stream: Stream, connection: Pick<Connection, 'remotePeer'>): Promise<void> {
    const signal = AbortSignal.timeout(this.init.timeoutMs)
    let req: SyncRequest
    try {
      req = SyncRequest.decode(await readFrame(stream, MAX_SYNC_BYTES, signal), LIMITS as never)
    } catch (err) {
      stream.abort(err as Error)
      throw err instanceof MembershipProtocolError ? err : new MembershipProtocolError(`malformed sync request: ${(err as Error).message}`, 'ERR_FRAME_INVALID')
    }
    const res = await this.init.respond(connection.remotePeer, req)
    await writeFrame(stream, SyncResponse.encode(res), signal)
    await stream.close({ signal })
  }

  /** Exchange views with `peer`. Rejects with MembershipProtocolError on timeout or a bad answer. */
  async sync (peer: PeerId, req: SyncRequest): Promise<SyncResponse> {
    const signal = AbortSignal.timeout(this.init.timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await this.init.libp2p.dialProtocol(peer, STATE_SYNC_PROTOCOL, { signal })
      await writeFrame(stream, SyncRequest.encode(req), signal)
      const res = SyncResponse.decode(await readFrame(stream, MAX_SYNC_BYTES, signal), LIMITS as never)
      await stream.close({ signal }).catch(() => {})
      return res
    } catch (err) {
      stream?.abort(err as Error)
      if (err instanceof MembershipProtocolError) throw err
      throw new MembershipProtocolError(`state sync with ${peer.toString()} failed: ${(err as Error).message}`, signal.aborted ? 'ERR_TIMEOUT' : 'ERR_SYNC_FAILED', { cause: err })
    }
  }
}
