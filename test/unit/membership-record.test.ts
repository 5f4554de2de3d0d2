import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { MAX_RECORD_BYTES } from '../../src/membership/constants.js'
import { RecordRejectedError } from '../../src/membership/errors.js'
import { decodeGossip, encodeRecordMessage, encodeSuspicionMessage } from '../../src/membership/gossip-message.js'
import { NodeRecord, SignedRecord } from '../../src/membership/pb/state.js'
import { peerIdToBytes } from '../../src/membership/peer-bytes.js'
import { signRecord, verifyRecord } from '../../src/membership/record.js'
import type { NodeState } from '../../src/membership/types.js'

async function keyAndState (): Promise<{ key: Awaited<ReturnType<typeof generateKeyPair>>, state: NodeState }> {
  const key = await generateKeyPair('Ed25519')
  const state: NodeState = {
    peerId: peerIdFromPrivateKey(key).toString(),
    bootEpoch: 3,
    seq: 7,
    issuedAtMs: 1_700_000_000_000,
    role: 'node',
    site: 'pop-1',
    region: 'eu',
    labels: { rack: 'r1', tier: 'gold' },
    resources: { cpuCores: 16, load: 1.25, memoryTotal: 64 * 2 ** 30, memoryFree: 20 * 2 ** 30, diskTotal: 2 ** 40, diskFree: 2 ** 39, gpus: [{ model: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * 2 ** 20 }] },
    vms: [{ name: 'web-1', state: 'running', vcpus: 2, memoryBytes: 2 ** 31, diskBytes: 2 ** 34, gpus: 0 }],
    addresses: ['/ip4/127.0.0.1/tcp/4001'],
    version: '0.1.0'
  }
  return { key, state }
}

async function rejection (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof RecordRejectedError) return err.reason
    throw err
  }
  return 'accepted'
}

describe('node state records', () => {
  it('round-trip through sign and verify unchanged, and stay small', async () => {
    const { key, state } = await keyAndState()
    const signed = await signRecord(state, key)
    const back = await verifyRecord(SignedRecord.decode(SignedRecord.encode(signed.signed)), peerIdFromPrivateKey(key))
    expect(back.state).toEqual(state)
    expect(signed.size).toBeLessThan(600)
  })

  it('a node cannot sign a record naming another node', async () => {
    const { key, state } = await keyAndState()
    const other = await generateKeyPair('Ed25519')
    expect(await rejection(signRecord(state, other))).toBe('forged')
    expect(await rejection(signRecord({ ...state }, key))).toBe('accepted')
  })

  it('rejects a record published by anyone but its subject, a tampered record and a bad signature', async () => {
    const { key, state } = await keyAndState()
    const signed = (await signRecord(state, key)).signed
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect(await rejection(verifyRecord(signed, stranger))).toBe('forged')
    const pb = NodeRecord.decode(signed.record)
    pb.seq += 1
    expect(await rejection(verifyRecord({ record: NodeRecord.encode(pb), signature: signed.signature }))).toBe('forged')
    const sig = signed.signature.slice()
    sig[0] = (sig[0] ?? 0) ^ 1
    expect(await rejection(verifyRecord({ record: signed.record, signature: sig }))).toBe('forged')
  })

  it('rejects oversized, undecodable and out-of-range records as such', async () => {
    const { key, state } = await keyAndState()
    const signed = (await signRecord(state, key)).signed
    expect(await rejection(verifyRecord({ record: new Uint8Array(MAX_RECORD_BYTES) as Uint8Array<ArrayBuffer>, signature: signed.signature }))).toBe('oversized')
    expect(await rejection(verifyRecord({ record: Uint8Array.from([0xff, 0xff, 0xff]) as Uint8Array<ArrayBuffer>, signature: signed.signature }))).toBe('malformed')
    const pb = NodeRecord.decode(signed.record)
    pb.peerId = Uint8Array.from([1, 2, 3]) as Uint8Array<ArrayBuffer>
    expect(await rejection(verifyRecord({ record: NodeRecord.encode(pb), signature: signed.signature }))).toBe('malformed')
    const big = await keyAndState()
    big.state.vms = Array.from({ length: 300 }, (_, i) => ({ name: `vm-${i}`, state: 'running', vcpus: 1, memoryBytes: 1, diskBytes: 1, gpus: 0 }))
    expect(await rejection(signRecord(big.state, big.key))).toBe('accepted')
    const many = (await signRecord(big.state, big.key)).signed
    expect(await rejection(verifyRecord(many))).toBe('malformed')
  })

  it('an unknown role is malformed even when correctly signed', async () => {
    const { key, state } = await keyAndState()
    expect(await rejection(signRecord({ ...state, role: 'king' }, key).then(async s => await verifyRecord(s.signed)))).toBe('malformed')
  })
})

describe('state topic messages', () => {
  it('carry exactly one of record or suspicion', async () => {
    const { key, state } = await keyAndState()
    const signed = (await signRecord(state, key)).signed
    expect(decodeGossip(encodeRecordMessage(signed)).kind).toBe('record')
    const sus = decodeGossip(encodeSuspicionMessage(peerIdToBytes(peerIdFromPrivateKey(key)), { bootEpoch: 3, seq: 7 }))
    expect(sus.kind === 'suspicion' && sus.subject.toString() === state.peerId && sus.version.seq === 7).toBe(true)
    expect(() => decodeGossip(new Uint8Array(0))).toThrow(RecordRejectedError)
    expect(() => decodeGossip(new Uint8Array(MAX_RECORD_BYTES + 100))).toThrow(expect.objectContaining({ reason: 'oversized' }))
    expect(() => decodeGossip(encodeSuspicionMessage(Uint8Array.from([9, 9]), { bootEpoch: 1, seq: 1 }))).toThrow(expect.objectContaining({ reason: 'malformed' }))
  })
})
