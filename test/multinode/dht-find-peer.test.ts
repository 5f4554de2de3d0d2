import { afterEach, describe, expect, it } from 'vitest'
import type { Mesh } from '../../src/mesh/mesh.js'
import { generateSecret, meshNode } from '../helpers/mesh-nodes.js'
import { waitFor } from '../helpers/wait-for.js'
import { freePort } from '../helpers/free-port.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

describe('private Kademlia DHT', () => {
  const nodes: Mesh[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  it('finds a peer that was never directly connected, through a seed only', async () => {
    const secret = generateSecret()
    const seed = await meshNode({ secret, role: 'bootstrap', connector: false })
    nodes.push(seed)
    // connector off: a and b only ever dial the seed themselves
    const a = await meshNode({ secret, bootstrap: seed.addresses(), connector: false })
    const b = await meshNode({ secret, bootstrap: seed.addresses(), connector: false })
    nodes.push(a, b)
    await waitFor(() => seed.connectionCount() === 2, { what: 'both nodes to reach the seed' })
    expect(a.libp2p.getConnections(b.peerId)).toHaveLength(0)
    expect(await a.libp2p.peerStore.has(b.peerId)).toBe(false)

    // the seed adds b to its routing table once identify has run; retry until then
    const found = await waitFor(async () => await a.findPeer(b.peerId.toString(), 2000), { what: 'a DHT lookup of b' })
    expect(found.peerId).toBe(b.peerId.toString())
    const bPort = b.addresses()[0]!.split('/tcp/')[1]!.split('/')[0]
    expect(found.addresses.some(addr => addr.includes(`/tcp/${bPort}`))).toBe(true)
  })

  it('speaks only the private DHT protocol, never the public IPFS one', async () => {
    const secret = generateSecret()
    const a = await meshNode({ secret, connector: false })
    nodes.push(a)
    const protocols = a.libp2p.getProtocols()
    expect(protocols).toContain('/novacron/kad/1.0.0')
    expect(protocols.some(p => p.startsWith('/ipfs/kad'))).toBe(false)
  })

  it('rejects a malformed peer ID with an input error', async () => {
    const a = await meshNode({ secret: generateSecret(), connector: false })
    nodes.push(a)
    await expect(a.findPeer('not-a-peer-id')).rejects.toMatchObject({ name: 'InvalidInputError', field: 'peerId' })
  })

  it('connects nodes that know only the seed to each other (connector on)', async () => {
    const secret = generateSecret()
    const seed = await meshNode({ secret, role: 'bootstrap' })
    nodes.push(seed)
    const others = [
      await meshNode({ secret, bootstrap: seed.addresses() }),
      await meshNode({ secret, bootstrap: seed.addresses() }),
      await meshNode({ secret, bootstrap: seed.addresses() })
    ]
    nodes.push(...others)
    for (const n of others) {
      await waitFor(() => n.connectionCount() === 3, { timeoutMs: 20_000, what: 'full mesh' })
    }
  })

  it('dials a seed that was not listening yet when the node started once its back-off ends, not at the next walk', async () => {
    const secret = generateSecret()
    const seedKey = await generateKeyPair('Ed25519')
    const port = await freePort()
    // walks once a minute: within the test only the redial after the failed dial can reach the seed
    const node = await meshNode({ secret, bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(seedKey).toString()}`], fastIntervalMs: 60_000 })
    nodes.push(node)
    // bootstrap discovery (after 100 ms) and the connector's first tick (500 ms) both found nobody listening
    await new Promise(resolve => setTimeout(resolve, 800))
    expect(node.connectionCount()).toBe(0)
    const seed = await meshNode({ secret, role: 'bootstrap', privateKey: seedKey, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    nodes.push(seed)
    await waitFor(() => node.connectionCount() === 1, { timeoutMs: 15_000, what: 'a connection to the late seed' })
  })
})
