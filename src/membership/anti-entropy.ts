import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { MembershipContext } from './context.js'
import { RecordRejectedError } from './errors.js'
import { Liveness as PbLiveness, type SyncRequest, type SyncResponse, type SyncEntry } from './pb/state.js'
import { peerIdFromBytes, peerIdToBytes } from './peer-bytes.js'
import { verifyRecord } from './record.js'
import { compareVersion, type Liveness, type Version } from './types.js'

const TO_PB: Record<Liveness, PbLiveness> = { alive: PbLiveness.ALIVE, suspect: PbLiveness.SUSPECT, dead: PbLiveness.DEAD }

function fromPb (l: PbLiveness | undefined): Liveness {
  return l === PbLiveness.DEAD ? 'dead' : l === PbLiveness.SUSPECT ? 'suspect' : 'alive'
}

/** This node's record plus the versions it holds, so the peer sends only what is newer or missing. */
export function buildSyncRequest (ctx: MembershipContext): SyncRequest {
  return {
    own: ctx.selfRecord().signed,
    digest: ctx.view.all().map(m => ({
      peerId: peerIdToBytes(peerIdFromString(m.id)) as Uint8Array<ArrayBuffer>,
      bootEpoch: m.version.bootEpoch,
      seq: m.version.seq
    }))
  }
}

async function mergeSigned (ctx: MembershipContext, entry: SyncEntry, issuer?: PeerId): Promise<void> {
  if (entry.record == null) throw new RecordRejectedError('malformed', 'sync entry without a record')
  const rec = await verifyRecord(entry.record, issuer)
  const result = ctx.view.merge(rec, ctx.now(), fromPb(entry.liveness))
  if (result === 'stale') return
  ctx.metrics.accepted.inc({ via: 'sync' })
  ctx.changed()
}

function count (ctx: MembershipContext, err: unknown): void {
  if (err instanceof RecordRejectedError) ctx.metrics.rejected.inc({ reason: err.reason })
  else throw err
}

/**
 * Responder side: merge the requester's own record (it must be its own), then answer with every record we
 * hold that is newer than the requester's digest or missing from it, and how we see the requester.
 */
export async function respondToSync (ctx: MembershipContext, peer: PeerId, req: SyncRequest): Promise<SyncResponse> {
  const requester = peer.toString()
  // how we saw the requester before this contact: lets an isolated node learn it was declared dead
  const yourLiveness = ctx.view.get(requester)?.liveness ?? 'alive'
  if (req.own != null) {
    try {
      await mergeSigned(ctx, { record: req.own, liveness: PbLiveness.ALIVE }, peer)
    } catch (err) { count(ctx, err) }
  }
  const t = ctx.view.confirmAlive(requester, ctx.now())
  if (t != null) ctx.transition(t)
  const known = new Map<string, Version>()
  for (const d of req.digest) {
    try {
      known.set(peerIdFromBytes(d.peerId).toString(), { bootEpoch: d.bootEpoch, seq: d.seq })
    } catch {
      // an undecodable digest entry just means we send that record
    }
  }
  const entries: SyncEntry[] = []
  for (const m of ctx.view.all()) {
    if (m.id === requester) continue
    const theirs = known.get(m.id)
    if (theirs != null && compareVersion(theirs, m.version) >= 0) continue
    entries.push({ record: m.record.signed, liveness: TO_PB[m.liveness] })
  }
  return { entries, yourLiveness: TO_PB[yourLiveness] }
}

/**
 * Requester side: merge every entry (each signature checked; liveness adopted only with a newer record),
 * and refute if the peer had us suspect or dead. Returns whether we had to refute.
 */
export async function applySyncResponse (ctx: MembershipContext, peer: PeerId, res: SyncResponse): Promise<boolean> {
  for (const e of res.entries) {
    try {
      await mergeSigned(ctx, e)
    } catch (err) { count(ctx, err) }
  }
  const t = ctx.view.confirmAlive(peer.toString(), ctx.now())
  if (t != null) ctx.transition(t)
  const mine = fromPb(res.yourLiveness)
  if (mine !== 'alive') {
    ctx.refute(`${peer.toString()} saw this node as ${mine}`)
    return true
  }
  return false
}
