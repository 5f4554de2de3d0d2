import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import type { Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { withLeanPeerMerges, type LeanPeerMergesStats } from '../../src/mesh/lean-peer-merges.js'

const newPeerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const m1 = multiaddr('/ip4/10.0.0.1/tcp/4001')
const m2 = multiaddr('/ip4/10.0.0.2/tcp/4001')

describe('lean peer merges, on libp2p\'s peer store', () => {
  let dir: string
  let ds: LevelDatastore
  let node: MeshLibp2p
  let store: PeerStore
  let stats: LeanPeerMergesStats
  let gets: number
  let clock: number
  let a: PeerId

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'novacron-lean-merge-'))
    ds = new LevelDatastore(dir)
    await ds.open()
    gets = 0
    const get = ds.get.bind(ds)
    ds.get = async (...args) => { gets++; return await get(...args) }
    // every read reaches the counted store: no read cache, and the lean merges installed here with a test clock
    node = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret: randomBytes(32), listen: [], datastore: ds, datastoreReadCache: false, leanPeerMerges: false })
    store = node.peerStore
    clock = 1_000_000
    stats = withLeanPeerMerges(store, { refreshMs: 60_000, now: () => clock })
    a = await newPeerId()
    await store.merge(a, { protocols: ['/p/1'], multiaddrs: [m1] })
  })

  afterEach(async () => {
    await node.stop()
    await ds.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers merges of protocols and addresses the record already has without reading the store', async () => {
    const before = gets
    await store.merge(a, { protocols: ['/p/1'] })
    await store.merge(a, { multiaddrs: [multiaddr('/ip4/10.0.0.1/tcp/4001')] })
    const peer = await store.merge(a, { protocols: ['/p/1'], multiaddrs: [m1], tags: undefined })
    expect(stats).toEqual({ skipped: 3, merged: 1 })
    expect(gets).toBe(before)
    expect(peer.protocols).toEqual(['/p/1'])
    expect(peer.addresses.map(x => x.multiaddr.toString())).toEqual([m1.toString()])
  })

  it('sends a merge that adds a protocol, an address, a tag or metadata to the store', async () => {
    await store.merge(a, { protocols: ['/p/1', '/p/2'] })
    await store.merge(a, { multiaddrs: [m2] })
    await store.merge(a, { tags: { keep: { value: 10 } } })
    await store.merge(a, { metadata: { k: new Uint8Array([1]) } })
    expect(stats).toEqual({ skipped: 0, merged: 5 })
    const peer = await store.get(a)
    expect(peer.protocols.sort()).toEqual(['/p/1', '/p/2'])
    expect(peer.addresses.map(x => x.multiaddr.toString()).sort()).toEqual([m1.toString(), m2.toString()])
    expect(peer.tags.get('keep')?.value).toBe(10)
    expect([...peer.metadata.get('k') ?? []]).toEqual([1])
  })

  it('forgets what it kept when the peer is patched, saved or deleted', async () => {
    await store.patch(a, { protocols: ['/p/3'] })
    await store.merge(a, { protocols: ['/p/1'] })
    expect((await store.get(a)).protocols.sort()).toEqual(['/p/1', '/p/3'])
    await store.save(a, { protocols: ['/p/4'] })
    await store.merge(a, { protocols: ['/p/1'] })
    expect((await store.get(a)).protocols.sort()).toEqual(['/p/1', '/p/4'])
    await store.delete(a)
    await store.merge(a, { protocols: ['/p/1'] })
    expect((await store.get(a)).protocols).toEqual(['/p/1'])
    expect(stats.skipped).toBe(0)
  })

  it('lets a merge reach the store again once its kept record is refreshMs old (the record\'s updated stamp)', async () => {
    clock += 59_999
    await store.merge(a, { protocols: ['/p/1'] })
    expect(stats.skipped).toBe(1)
    clock += 1
    await store.merge(a, { protocols: ['/p/1'] })
    expect(stats).toEqual({ skipped: 1, merged: 2 })
  })
})

describe('lean peer merges, as createMeshLibp2p installs them', () => {
  it('counts merges answered from memory and stored in /metrics', async () => {
    const registry = new Registry()
    const node = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret: randomBytes(32), listen: [], registry })
    try {
      const a = await newPeerId()
      await node.peerStore.merge(a, { protocols: ['/p/1'] })
      await node.peerStore.merge(a, { protocols: ['/p/1'] })
      await node.peerStore.merge(a, { protocols: ['/p/1'] })
      const text = await registry.metrics()
      expect(text).toContain('novacron_peer_store_merges_total{result="skipped"} 2')
      expect(text).toContain('novacron_peer_store_merges_total{result="stored"} 1')
    } finally {
      await node.stop()
    }
  })
})

/**
 * A peer store whose calls wait until released, recording the protocols each peer holds. A merge applies at once
 * and answers when released (as a real merge whose answer reaches its caller after a later write ran); a patch
 * applies when released.
 */
function gatedStore (): { store: PeerStore, held: Array<() => void>, protocols: Map<string, string[]> } {
  const protocols = new Map<string, string[]>()
  const held: Array<() => void> = []
  const gate = async (): Promise<void> => { await new Promise<void>(resolve => held.push(resolve)) }
  const peerOf = (id: PeerId): Peer => ({ id, addresses: [], protocols: [...protocols.get(id.toString()) ?? []], metadata: new Map(), tags: new Map() })
  const store = {
    merge: async (id: PeerId, data: PeerData) => {
      protocols.set(id.toString(), [...new Set([...protocols.get(id.toString()) ?? [], ...data.protocols ?? []])])
      const answer = peerOf(id)
      await gate()
      return answer
    },
    patch: async (id: PeerId, data: PeerData) => {
      await gate()
      protocols.set(id.toString(), [...data.protocols ?? []])
      return peerOf(id)
    },
    save: async (id: PeerId) => peerOf(id),
    delete: async () => {},
    consumePeerRecord: async () => true
  }
  return { store: store as unknown as PeerStore, held, protocols }
}

describe('lean peer merges, racing other writes', () => {
  it('does not keep the result of a merge that another write overlapped', async () => {
    const { store, held, protocols } = gatedStore()
    const stats = withLeanPeerMerges(store)
    const a = await newPeerId()
    const merging = store.merge(a, { protocols: ['/p/1'] })
    // the merge has written p1; a patch then replaces the protocols, all before the merge's answer arrives
    const patching = store.patch(a, { protocols: ['/p/2'] })
    await Promise.resolve()
    held.splice(1, 1)[0]!()
    await patching
    held.shift()!()
    await merging
    expect(protocols.get(a.toString())).toEqual(['/p/2'])
    // the merge's answer (p1) is older than the patch: it must not answer this merge, which puts p1 back
    const next = store.merge(a, { protocols: ['/p/1'] })
    await Promise.resolve()
    held.shift()?.()
    await next
    expect(stats).toEqual({ skipped: 0, merged: 2 })
    expect(protocols.get(a.toString())).toEqual(['/p/2', '/p/1'])
  })

  it('forgets every kept record when a signed peer record is consumed (it names its peer inside)', async () => {
    const { store, held } = gatedStore()
    const stats = withLeanPeerMerges(store)
    const a = await newPeerId()
    const release = (): void => { while (held.length > 0) held.shift()!() }
    const merge = async (): Promise<void> => { const p = store.merge(a, { protocols: ['/p/1'] }); await Promise.resolve(); release(); await p }
    await merge()
    await merge()
    expect(stats).toEqual({ skipped: 1, merged: 1 })
    await store.consumePeerRecord(new Uint8Array(1))
    await merge()
    expect(stats).toEqual({ skipped: 1, merged: 2 })
  })
})
