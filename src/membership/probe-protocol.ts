import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { ProtocolHost } from './protocol-host.js'
import type { Logger } from '../logging/logger.js'
import { MAX_PROBE_BYTES, PROBE_PROTOCOL } from './constants.js'
import { MembershipProtocolError } from './errors.js'
import { readFrame, writeFrame } from './frame.js'
import { ProbeAck, ProbeRequest } from './pb/probe.js'
import { peerIdFromBytes, peerIdToBytes } from './peer-bytes.js'
import type { Version } from './types.js'

export interface ProbeProtocolInit {
  libp2p: ProtocolHost
  logger: Logger
  /** This node's current record version (sent in direct acks). */
  selfVersion: () => Version
  /** Called when a peer proved it is alive by answering (or by probing us). */
  onContact?: (peer: PeerId, version?: Version) => void
  /** @default 500 */
  timeoutMs: number
  /** @default 32 */
  maxInboundStreams?: number
}

/**
 * `/novacron/probe/1.0.0` (protocols/probe.md): one request, one ack, then both sides close. A direct probe is
 * answered at once; an indirect one (target set) makes the responder probe the target and report the outcome.
 */
export class ProbeProtocol {
  private readonly init: ProbeProtocolInit

  constructor (init: ProbeProtocolInit) {
    this.init = init
  }

  async start (): Promise<void> {
    await this.init.libp2p.handle(PROBE_PROTOCOL, (stream, connection) => {
      this.handle(stream, connection).catch(err => {
        this.init.logger.debug('probe handler failed', { peer: connection.remotePeer.toString(), err })
      })
    }, { maxInboundStreams: this.init.maxInboundStreams ?? 32, maxOutboundStreams: 64 })
  }

  async stop (): Promise<void> {
    await this.init.libp2p.unhandle(PROBE_PROTOCOL)
  }

  /** Serve one inbound probe stream (public for protocol tests over a stream pair). */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    // an indirect probe needs room for the inner probe
    const signal = AbortSignal.timeout(this.init.timeoutMs * 3)
    const req = ProbeRequest.decode(await readFrame(stream, MAX_PROBE_BYTES, signal))
    let ack: ProbeAck
    if (req.target == null) {
      const v = this.init.selfVersion()
      ack = { nonce: req.nonce, ok: true, bootEpoch: v.bootEpoch, seq: v.seq }
    } else {
      const target = peerIdFromBytes(req.target)
      const ok = target.equals(this.init.libp2p.peerId) || (await this.probe(target).then(() => true, () => false))
      ack = { nonce: req.nonce, ok, bootEpoch: 0, seq: 0 }
    }
    this.init.onContact?.(connection.remotePeer)
    await writeFrame(stream, ProbeAck.encode(ack), signal)
    await stream.close({ signal })
  }

  /** Direct probe: resolves with the target's record version, rejects on timeout or a bad answer. */
  async probe (target: PeerId, timeoutMs = this.init.timeoutMs): Promise<Version> {
    const ack = await this.exchange(target, undefined, timeoutMs)
    const version = { bootEpoch: ack.bootEpoch, seq: ack.seq }
    this.init.onContact?.(target, version)
    return version
  }

  /** Indirect probe: ask `helper` to probe `target`; true if the target answered the helper. */
  async probeVia (helper: PeerId, target: PeerId, timeoutMs = this.init.timeoutMs * 2): Promise<boolean> {
    const ack = await this.exchange(helper, peerIdToBytes(target), timeoutMs)
    return ack.ok
  }

  private async exchange (peer: PeerId, target: Uint8Array | undefined, timeoutMs: number): Promise<ProbeAck> {
    const signal = AbortSignal.timeout(timeoutMs)
    const nonce = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)
    let stream: Stream | undefined
    try {
      stream = await this.init.libp2p.dialProtocol(peer, PROBE_PROTOCOL, { signal })
      const req: ProbeRequest = { nonce }
      if (target != null) req.target = target as Uint8Array<ArrayBuffer>
      await writeFrame(stream, ProbeRequest.encode(req), signal)
      const ack = ProbeAck.decode(await readFrame(stream, MAX_PROBE_BYTES, signal))
      if (ack.nonce !== nonce) throw new MembershipProtocolError('probe ack carries the wrong nonce', 'ERR_PROBE_NONCE')
      await stream.close({ signal }).catch(() => {})
      return ack
    } catch (err) {
      stream?.abort(err as Error)
      if (err instanceof MembershipProtocolError) throw err
      throw new MembershipProtocolError(`probe of ${peer.toString()} failed: ${(err as Error).message}`, signal.aborted ? 'ERR_TIMEOUT' : 'ERR_PROBE_FAILED', { cause: err })
    }
  }
}
