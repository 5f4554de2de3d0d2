import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { PeerConnector } from '../../src/mesh/peer-connector.js'
import { generateSecret } from '../helpers/mesh-nodes.js'
import { waitFor } from '../helpers/wait-for.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('peer connector', () => {
  const nodes: MeshLibp2p[] = []
  const connectors: PeerConnector[] = []
  afterEach(async () => {
    for (const c of connectors.splice(0)) c.stop()
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  it('connects nodes that know only a seed, and a member that went down does not keep its walks fast', async () => {
    const secret = generateSecret()
    const node = async (): Promise<MeshLibp2p> => {
      const n = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'] })
      await n.start()
      nodes.push(n)
      return n
    }
    const seed = await node()
    const seedAddr = seed.getMultiaddrs()[0]!.toString()
    const [a, b, c] = [await node(), await node(), await node()]
    for (const n of [a, b, c]) {
      const connector = new PeerConnector(n, { bootstrap: [seedAddr], fastIntervalMs: 100, slowIntervalMs: 2000, warmupMs: 0 })
      connector.start()
      connectors.push(connector)
    }
    const peers = (n: MeshLibp2p): number => new Set(n.getConnections().map(x => x.remotePeer.toString())).size
    await waitFor(() => [a, b, c].every(n => peers(n) === 3), { timeoutMs: 20_000, what: 'a full mesh of four' })
    // c was identified by a and b (a mesh member) and sits in every routing table: each walk of a finds it again
    connectors.pop()?.stop()
    await c.stop()
    await waitFor(() => a.getConnections(c.peerId).length === 0, { what: 'a to see c gone' })
    await sleep(1000) // c's first failed redial puts it in back-off
    const before = connectors[0]!.walkCount
    await sleep(4000)
    // at the slow interval (2 s): 2 walks, 3 with one already scheduled; at the fast one (100 ms) it would be ~40
    expect(connectors[0]!.walkCount - before).toBeLessThanOrEqual(3)
    expect(a.getConnections(b.peerId).length).toBeGreaterThan(0)
  })
})
