import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  MAX_ADDRESSES, MAX_GPUS, MAX_LABELS, MAX_RECORD_BYTES, MAX_STRING, MAX_VMS, RECORD_SIGNATURE_DOMAIN
} from './constants.js'
import { RecordRejectedError } from './errors.js'
import { NodeRecord, SignedRecord } from './pb/state.js'
import { peerIdFromBytes, peerIdToBytes } from './peer-bytes.js'
import type { NodeState } from './types.js'

/** A record whose signature was checked, with the exact signed bytes (forwarded as they are). */
export interface VerifiedRecord {
  state: NodeState
  signed: SignedRecord
  /** Encoded SignedRecord size, for byte accounting. */
  size: number
}

const DOMAIN = new TextEncoder().encode(RECORD_SIGNATURE_DOMAIN)

function signedPayload (record: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + record.length)
  out.set(DOMAIN)
  out.set(record, DOMAIN.length)
  return out
}

const big = (n: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(n)))

function toPb (s: NodeState, peerId: PeerId): NodeRecord {
  return {
    peerId: peerIdToBytes(peerId) as Uint8Array<ArrayBuffer>,
    bootEpoch: big(s.bootEpoch),
    seq: big(s.seq),
    issuedAtMs: big(s.issuedAtMs),
    role: s.role,
    site: s.site,
    region: s.region ?? '',
    zone: s.zone ?? '',
    labels: Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ key, value })),
    resources: {
      cpuCores: s.resources.cpuCores,
      loadMilli: Math.min(0xffffffff, Math.round(s.resources.load * 1000)),
      memoryTotal: big(s.resources.memoryTotal),
      memoryFree: big(s.resources.memoryFree),
      diskTotal: big(s.resources.diskTotal),
      diskFree: big(s.resources.diskFree),
      gpus: s.resources.gpus.map(g => ({ model: g.model, memoryBytes: big(g.memoryBytes) }))
    },
    vms: s.vms.map(v => ({ name: v.name, state: v.state, vcpus: v.vcpus, memoryBytes: big(v.memoryBytes), diskBytes: big(v.diskBytes), gpus: v.gpus })),
    addresses: s.addresses,
    version: s.version
  }
}

/** Encode and sign this node's own state with its Ed25519 key. */
export async function signRecord (state: NodeState, privateKey: PrivateKey): Promise<VerifiedRecord> {
  const peerId = peerIdFromPrivateKey(privateKey)
  if (peerId.toString() !== state.peerId) throw new RecordRejectedError('forged', 'a node can only sign its own record')
  const record = NodeRecord.encode(toPb(state, peerId))
  const signature = await privateKey.sign(signedPayload(record))
  const signed: SignedRecord = { record, signature: signature as Uint8Array<ArrayBuffer> }
  const size = SignedRecord.encode(signed).byteLength
  if (size > MAX_RECORD_BYTES) throw new RecordRejectedError('oversized', `own record is ${size} bytes, over the ${MAX_RECORD_BYTES} limit`)
  return { state, signed, size }
}

function num (v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RecordRejectedError('malformed', `${field} is out of range`)
  return v
}

function str (v: string, field: string): string {
  if (v.length > MAX_STRING) throw new RecordRejectedError('malformed', `${field} is longer than ${MAX_STRING}`)
  return v
}

function fromPb (r: NodeRecord, peerId: PeerId): NodeState {
  if (r.resources == null) throw new RecordRejectedError('malformed', 'record has no resources')
  const labels: Record<string, string> = {}
  for (const l of r.labels) labels[str(l.key, 'label key')] = str(l.value, 'label value')
  const res = r.resources
  const state: NodeState = {
    peerId: peerId.toString(),
    bootEpoch: num(r.bootEpoch, 'bootEpoch'),
    seq: num(r.seq, 'seq'),
    issuedAtMs: num(r.issuedAtMs, 'issuedAtMs'),
    role: str(r.role, 'role'),
    site: str(r.site, 'site'),
    labels,
    resources: {
      cpuCores: res.cpuCores,
      load: res.loadMilli / 1000,
      memoryTotal: num(res.memoryTotal, 'memoryTotal'),
      memoryFree: num(res.memoryFree, 'memoryFree'),
      diskTotal: num(res.diskTotal, 'diskTotal'),
      diskFree: num(res.diskFree, 'diskFree'),
      gpus: res.gpus.map(g => ({ model: str(g.model, 'gpu model'), memoryBytes: num(g.memoryBytes, 'gpu memory') }))
    },
    vms: r.vms.map(v => ({
      name: str(v.name, 'vm name'), state: str(v.state, 'vm state'), vcpus: v.vcpus,
      memoryBytes: num(v.memoryBytes, 'vm memory'), diskBytes: num(v.diskBytes, 'vm disk'), gpus: v.gpus
    })),
    addresses: r.addresses.map(a => str(a, 'address')),
    version: str(r.version, 'version')
  }
  if (r.region !== '') state.region = str(r.region, 'region')
  if (r.zone !== '') state.zone = str(r.zone, 'zone')
  if (state.role !== 'node' && state.role !== 'bootstrap') throw new RecordRejectedError('malformed', 'unknown role')
  return state
}

const RECORD_LIMITS = {
  limits: { labels: MAX_LABELS, vms: MAX_VMS, addresses: MAX_ADDRESSES, resources: { gpus: MAX_GPUS } }
}

/**
 * Check a signed record from a peer: size, shape, signature by the key of the peer ID it names and,
 * when `expectedIssuer` is given (the gossip message's author), that the record is that peer's own.
 * Throws RecordRejectedError with reason oversized, malformed or forged.
 */
export async function verifyRecord (signed: SignedRecord, expectedIssuer?: PeerId): Promise<VerifiedRecord> {
  const size = signed.record.byteLength + signed.signature.byteLength + 8
  if (size > MAX_RECORD_BYTES) throw new RecordRejectedError('oversized', `record is ${size} bytes, over the ${MAX_RECORD_BYTES} limit`)
  let pb: NodeRecord
  let peerId: PeerId
  try {
    pb = NodeRecord.decode(signed.record, RECORD_LIMITS as never)
    peerId = peerIdFromBytes(pb.peerId)
  } catch (err) {
    throw new RecordRejectedError('malformed', `record does not decode: ${(err as Error).message}`)
  }
  if (peerId.publicKey == null || peerId.type !== 'Ed25519') throw new RecordRejectedError('malformed', 'record peer ID carries no Ed25519 key')
  if (expectedIssuer != null && !expectedIssuer.equals(peerId)) {
    throw new RecordRejectedError('forged', `record of ${peerId.toString()} published by ${expectedIssuer.toString()}`)
  }
  const ok = await peerId.publicKey.verify(signedPayload(signed.record), signed.signature)
  if (!ok) throw new RecordRejectedError('forged', `bad signature on the record of ${peerId.toString()}`)
  return { state: fromPb(pb, peerId), signed, size }
}
