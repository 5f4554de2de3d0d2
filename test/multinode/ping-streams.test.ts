import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { PING_MAX_OUTBOUND_STREAMS } from '../../src/constants.js'

describe('ping streams on one connection', () => {
  const nodes: MeshLibp2p[] = []

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  async function node (secret: Uint8Array): Promise<MeshLibp2p> {
    const n = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'] })
    await n.start()
    nodes.push(n)
    return n
  }

  // libp2p's connection monitor and kad-dht's routing table ping over the same connection; with libp2p's default
  // of one outbound ping stream the second failed (TooManyOutboundProtocolStreams) and the monitor then aborted the
  // connection with every stream on it
  it('runs concurrent pings from both users on one connection, and the connection stays open', async () => {
    const secret = generateSecret()
    const a = await node(secret)
    const b = await node(secret)
    const conn = await a.dial(b.getMultiaddrs()[0]!)
    const rtts = await Promise.all(Array.from({ length: PING_MAX_OUTBOUND_STREAMS }, async () => await a.services.ping.ping(b.peerId)))
    expect(rtts).toHaveLength(PING_MAX_OUTBOUND_STREAMS)
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(0)
    expect(conn.status).toBe('open')
    expect(a.getConnections(b.peerId)).toHaveLength(1)
  })
})
