import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { LevelDatastore } from 'datastore-level'
import type { Datastore } from 'interface-datastore'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { waitFor } from '../helpers/wait-for.js'

const PROTOCOL = '/novacron-test/open/1.0.0'

/** Counts of the calls that reach a LevelDB datastore. */
function counted (store: LevelDatastore, calls: { get: number, put: number }): Datastore {
  return new Proxy(store, {
    get (target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (prop === 'get' || prop === 'has') calls.get++
        if (prop === 'put') calls.put++
        return value.apply(target, args)
      }
    }
  })
}

describe('peer store on LevelDB behind the read cache', () => {
  let dir: string
  const nodes: MeshLibp2p[] = []
  const stores: LevelDatastore[] = []

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    await Promise.all(stores.splice(0).map(async s => { await s.close() }))
    await rm(dir, { recursive: true, force: true })
  })

  async function node (name: string, privateKey: PrivateKey, secret: Uint8Array, calls: { get: number, put: number }): Promise<MeshLibp2p> {
    const store = new LevelDatastore(join(dir, name))
    await store.open()
    stores.push(store)
    const n = await createMeshLibp2p({ privateKey, secret, listen: ['/ip4/127.0.0.1/tcp/0'], datastore: counted(store, calls) })
    await n.start()
    await n.handle(PROTOCOL, async (stream) => { await stream.close() }, { maxInboundStreams: 64 })
    nodes.push(n)
    return n
  }

  it('opening streams reads and writes nothing in LevelDB once the peer is known, and the record survives a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'peer-store-writes-'))
    const secret = generateSecret()
    const keyA = await generateKeyPair('Ed25519')
    const callsA = { get: 0, put: 0 }
    const callsB = { get: 0, put: 0 }
    const a = await node('a', keyA, secret, callsA)
    const b = await node('b', await generateKeyPair('Ed25519'), secret, callsB)
    await a.dial(b.getMultiaddrs()[0]!)
    await waitFor(async () => (await a.peerStore.get(b.peerId)).protocols.length > 0, { what: 'identify' })
    // the first stream of a protocol adds it to the record: that write goes through
    const first = await a.dialProtocol(b.peerId, PROTOCOL)
    await first.close()
    await new Promise(resolve => setTimeout(resolve, 500))

    callsA.get = callsA.put = callsB.get = callsB.put = 0
    for (let i = 0; i < 30; i++) {
      const stream = await a.dialProtocol(b.peerId, PROTOCOL)
      await stream.close()
    }
    // without the cache: 30 gets and 30 puts on each side (connection.js merges the protocol on every stream);
    // a few are allowed for what else a node may write meanwhile (DHT tags, identify)
    for (const calls of [callsA, callsB]) {
      expect(calls.get).toBeLessThan(5)
      expect(calls.put).toBeLessThan(5)
    }

    // restart a on its LevelDB: what it learnt about b is on disk
    const bId = b.peerId
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    await Promise.all(stores.splice(0).map(async s => { await s.close() }))
    const again = await node('a', keyA, secret, { get: 0, put: 0 })
    const peer = await again.peerStore.get(bId)
    expect(peer.protocols).toContain(PROTOCOL)
    expect(peer.addresses.length).toBeGreaterThan(0)
  })
})
